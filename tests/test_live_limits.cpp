// Risk limits (examples/live/engine/limits.hpp, docs/limits.md): the limits file and the JSON of
// POST /api/limits refused with the line or field named; the monitor's hysteresis sampled over a
// path of figures (a value hovering at its limit raises one breach, not one per publication);
// the what-if request's refusals and its breaches.
#include <doctest/doctest.h>

#include "live/engine/limits.hpp"
#include "live/wire/what_if_json.hpp"

using namespace rtrisk_live;

namespace {
std::string refusal(const std::string& text) {
    try {
        parse_limits(text, "limits.csv");
    } catch (const limits_error& e) {
        return e.what();
    }
    return "accepted";
}
std::string json_refusal(const std::string& text) {
    try {
        limits_from_json(nlohmann::json::parse(text));
    } catch (const limits_error& e) {
        return e.what();
    }
    return "accepted";
}
risk_snapshot at(double var_99, double net_delta = 0) {
    risk_snapshot s;
    node_risk n;
    n.path = "FIRM";
    n.var_99 = var_99;
    n.net_delta = net_delta;
    s.nodes.push_back(n);
    return s;
}
} // namespace

TEST_CASE("a limits file: CSV or JSON Lines, every refusal names the line and the field") {
    const auto l = parse_limits("node,measure,limit\nFIRM,var_99,1e6\n\"FIRM/Equities, EU\",net_delta,250000\n", "limits.csv");
    REQUIRE(l.size() == 2);
    CHECK(l[1] == node_limit{"FIRM/Equities, EU", limit_measure::net_delta, 250000});
    CHECK(parse_limits("{\"node\":\"FIRM\",\"measure\":\"vega\",\"limit\":5}\n", "l.jsonl")[0].measure == limit_measure::vega);
    CHECK(parse_limits("", "limits.csv").empty());
    CHECK(parse_limits(limits_csv(l), "again.csv") == l); // what is saved reads back
    CHECK(refusal("node,measure,limit\nFIRM,var_95,1\n") == "limits.csv:2: field 'measure': 'var_95' is not one of var_99, es_975, gross_exposure, net_delta, vega");
    CHECK(refusal("node,measure,limit\nFIRM,var_99,-1\n") == "limits.csv:2: field 'limit': '-1' is not a number in (0, 1e15]");
    CHECK(refusal("node,measure,limit\nFIRM,var_99,1e16\n").starts_with("limits.csv:2: field 'limit'"));
    CHECK(refusal("node,measure,limit\nFIRM,var_99,5abc\n").starts_with("limits.csv:2: field 'limit': '5abc'"));
    CHECK(refusal("node,measure,limit\nFIRM,var_99,\n").starts_with("limits.csv:2: field 'limit'"));
    CHECK(refusal("node,measure,limit\n,var_99,1\n") == "limits.csv:2: field 'node' is missing");
    CHECK(refusal("node,measure,limit\nFIRM//x,var_99,1\n").starts_with("limits.csv:2: field 'node': 'FIRM//x' is not a node path"));
    CHECK(refusal("node,measure,limit\nFIRM,var_99,1\nFIRM,var_99,2\n") == "limits.csv:3: a second var_99 limit for node 'FIRM' (first at limits.csv:2)");
    CHECK(refusal("node,measure,cap\n").starts_with("limits.csv:1: unknown column 'cap'"));
    CHECK(refusal("node,measure,limit\nFIRM,var_99\n").starts_with("limits.csv:2: expected 3 fields"));
}

TEST_CASE("limits as JSON (POST /api/limits): every refusal names the field") {
    CHECK(json_refusal("{\"limits\":[{\"node\":\"FIRM\",\"measure\":\"var_99\",\"limit\":1}]}") == "accepted");
    CHECK(json_refusal("{}") == "limits: an array is required");
    CHECK(json_refusal("{\"limits\":[1]}") == "limits[0]: an object is required");
    CHECK(json_refusal("{\"limits\":[{\"node\":\"FIRM\",\"measure\":\"var_99\",\"limit\":\"1\"}]}") == "limits[0].limit: a number is required");
    CHECK(json_refusal("{\"limits\":[{\"node\":\"FIRM\",\"measure\":\"var_99\",\"limit\":0}]}") == "limits[0].limit: '0' is not a number in (0, 1e15]");
    CHECK(json_refusal("{\"limits\":[{\"node\":\"FIRM\",\"measure\":\"delta\",\"limit\":1}]}").starts_with("limits[0].measure: 'delta' is not one of"));
    CHECK(json_refusal("{\"limits\":[{\"node\":7,\"measure\":\"var_99\",\"limit\":1}]}") == "limits[0].node: a string is required");
    CHECK(json_refusal("{\"limits\":[{\"measure\":\"var_99\",\"limit\":1}]}") == "limits[0].node is missing");
    CHECK(json_refusal("{\"limits\":[{\"node\":\"FIRM\",\"measure\":\"var_99\",\"limit\":1,\"x\":1}]}") == "limits[0]: unknown field 'x'");
}

TEST_CASE("the monitor: a breach above the limit, cleared below 95 %, no flapping at the limit") {
    limit_monitor m;
    CHECK(m.set({{"FIRM", limit_measure::var_99, 100}, {"FIRM", limit_measure::net_delta, 1000}}, 0).empty());
    // sampled over a path that crosses the limit, hovers around it, and comes back
    const std::vector<double> path{90, 100, 100.5, 99, 101, 99.5, 96, 105, 95.5, 94.9, 96, 99.9, 100.1, 50};
    std::vector<std::pair<std::size_t, bool>> events;
    for (std::size_t i = 0; i < path.size(); ++i) {
        for (const auto& e : m.update(at(path[i], -2000 + 1.0 * i), static_cast<std::int64_t>(i))) {
            if (e.measure == limit_measure::var_99) events.emplace_back(i, e.breach);
        }
        CHECK(m.status()[0].utilisation == doctest::Approx(path[i] / 100));
        CHECK(m.status()[0].breached == (i >= 2 && i <= 8) + (i >= 12 && i <= 12));
    }
    // 100 is at the limit, not above it; 100.5 breaches; 99..96 hold the breach; 94.9 clears it
    CHECK(events == std::vector<std::pair<std::size_t, bool>>{{2, true}, {9, false}, {12, true}, {13, false}});
    CHECK(m.status()[1].breached); // |net delta| 1987 > 1000 from the first sample, never cleared
    CHECK(m.recent_events().size() == 5);
    CHECK(m.take_new().size() == 5);
    CHECK(m.take_new().empty());
    // a limit removed while in breach ends with a "cleared" event; one kept keeps its state
    const auto ev = m.set({{"FIRM", limit_measure::var_99, 10}}, 99);
    REQUIRE(ev.size() == 1);
    CHECK((ev[0].measure == limit_measure::net_delta && !ev[0].breach && ev[0].time_ms == 99));
    CHECK(m.update(at(50), 100).size() == 1); // 50 > 10: a breach now
    CHECK(m.breached() == 1);
    // a node absent from the snapshot neither breaches nor clears
    CHECK(m.set({{"FIRM/none", limit_measure::var_99, 1}}, 101).size() == 1); // FIRM's breach ends with its limit
    CHECK(m.update(at(50), 102).empty());
    CHECK(!m.status()[0].present);
    // at most 100 events kept
    limit_monitor k;
    k.set({{"FIRM", limit_measure::var_99, 100}}, 0);
    for (int i = 0; i < 300; ++i) k.update(at(i % 2 ? 200 : 10), i);
    CHECK(k.recent_events().size() == limit_monitor::events_kept);
    CHECK(k.recent_events().back().time_ms == 299);
}

TEST_CASE("a what-if request: refusals name the field; breaches list the limits the figures after would pass") {
    const auto bad = [](const std::string& body) {
        try {
            parse_what_if_request(body);
        } catch (const bad_what_if& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(bad(R"({"trades":[{"node":"FIRM/a","symbol":"DAX","quantity":10}]})") == "accepted");
    CHECK(bad(R"({"trades":[{"node":"FIRM/a","symbol":"DAX","quantity":10,"price":5}]})") == "accepted");
    CHECK(bad("not json").starts_with("malformed request body"));
    CHECK(bad("[]") == "request body: a JSON object is required");
    CHECK(bad("{}") == "trades: an array is required");
    CHECK(bad(R"({"trades":[]})") == "trades: at least one trade is required");
    CHECK(bad(R"({"trades":[],"x":1})") == "unknown field 'x'");
    CHECK(bad(R"({"trades":[{"node":"FIRM/a","symbol":"DAX"}]})") == "trades[0].quantity: required");
    CHECK(bad(R"({"trades":[{"node":"FIRM/a","symbol":"DAX","quantity":"10"}]})") == "trades[0].quantity: a number is required");
    CHECK(bad(R"({"trades":[{"node":"FIRM/a","symbol":1,"quantity":10}]})") == "trades[0].symbol: a string is required");
    CHECK(bad(R"({"trades":[{"symbol":"DAX","quantity":10}]})") == "trades[0].node: required");
    CHECK(bad(R"({"trades":[{"node":"FIRM/a","symbol":"DAX","quantity":1,"qty":2}]})") == "trades[0]: unknown field 'qty'");
    CHECK(bad(R"({"trades":[[[[[1]]]]]})").find("nested too deep") != std::string::npos);

    what_if_node n;
    n.path = "FIRM";
    n.var_99_before = 90;
    n.var_99_after = 120;
    n.net_delta_before = -50;
    n.net_delta_after = -300;
    const auto j = what_if_json({n}, {{"FIRM", limit_measure::var_99, 100}, {"FIRM", limit_measure::net_delta, 200},
                                      {"FIRM", limit_measure::vega, 1}, {"FIRM/x", limit_measure::var_99, 1}});
    const auto& b = j["nodes"][0]["breaches"];
    REQUIRE(b.size() == 2);
    CHECK(b[0]["measure"] == "var_99");
    CHECK(b[0]["utilisation"].get<double>() == doctest::Approx(1.2));
    CHECK(b[0]["breached_before"] == false);
    CHECK(b[1]["measure"] == "net_delta");
    CHECK(b[1]["value"].get<double>() == 300);
}
