// Scale-out without a broker (examples/live/engine/aggregate.hpp, kafka/vectors_record.hpp): the
// demo book split over engines by partition of its node paths, each engine's records encoded
// and decoded as on the vectors topic and summed by the aggregator, gives the risk of one engine
// holding the whole book: every node's figures, and positions, Greeks, stress and grid.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <string>

#include "live/engine/aggregate.hpp"
#include "live/engine/engine.hpp"
#include "live/kafka/vectors_record.hpp"
#include "rtrisk_data_dir.hpp"

using namespace rtrisk_live;

namespace {
const std::string data_dir = rtrisk_data_dir;

loaded_book demo(const std::function<bool(std::string_view)>& holds = {}) {
    market_parameters m;
    m.asof = *detail::parse_iso_date("2026-12-01");
    m.rate = 0.03;
    for (const char* s : {"DAX", "SMI", "CAC", "FTSE"}) m.dividends[s] = 0.02;
    return load_book({data_dir + "/demo_book.csv", data_dir + "/eu_stock_markets.csv", data_dir + "/demo_proxies.csv", 400}, m, holds);
}

/// A stand-in for murmur2: any function of the path splits the book the same way.
std::int32_t partition_of(const std::string& path, std::int32_t partitions) {
    return static_cast<std::int32_t>(std::hash<std::string>{}(path) % static_cast<std::size_t>(partitions));
}

void same(double a, double b, const std::string& what) {
    INFO(what);
    CHECK(a == doctest::Approx(b).epsilon(1e-9).scale(std::max(1.0, std::abs(b))));
}
} // namespace

TEST_CASE("scale-out: partition records summed by the aggregator give one engine's risk") {
    constexpr std::int32_t partitions = 4;
    engine whole(demo());
    // both sides see the same trades: one opens a position at a new node
    const auto& idx = whole.symbol_index();
    std::vector<tick> trades = {tick{1, idx.at("DAX"), 5400.0, 7, 0, "FIRM/Equities/Europe/alice"},
                                tick{2, idx.at("EQ004"), 66.0, -30, 0, "FIRM/New/desk/zoe"},
                                tick{3, idx.at("CAC"), 3950.0, 0, 0, ""}};
    for (auto& t : trades) t.sets_spot = t.quantity == 0;
    for (const auto& t : trades) whole.apply(t);
    const auto expected = whole.snapshot({true, true, false});

    vector_aggregate agg;
    std::size_t engines_holding = 0;
    for (const auto& owned : {std::vector<std::int32_t>{0, 1}, std::vector<std::int32_t>{2, 3}}) {
        auto holds = [&](std::string_view node) {
            const auto p = partition_of(std::string(node), partitions);
            return std::find(owned.begin(), owned.end(), p) != owned.end();
        };
        engine part(demo(holds));
        for (const auto& t : trades) {
            if (t.quantity == 0 || holds(t.node)) part.apply(t); // every engine reads every tick
        }
        const auto snap = part.snapshot({true, true, true});
        engines_holding += snap.nodes.empty() ? 0 : 1;
        for (const auto p : owned) {
            const auto json = kafka::encode_partition(snap, p, partitions, "engine", 1, [](const std::string& path) { return partition_of(path, partitions); });
            agg.put(kafka::decode_partition(json.dump()));
        }
    }
    CHECK(engines_holding == 2);
    const auto got = agg.snapshot();

    REQUIRE(got.nodes.size() == expected.nodes.size());
    std::map<std::string, const node_risk*> by_path;
    for (const auto& n : expected.nodes) by_path[n.path] = &n;
    CHECK(got.nodes[0].path == expected.nodes[0].path);
    for (const auto& n : got.nodes) {
        REQUIRE(by_path.count(n.path));
        const auto& e = *by_path[n.path];
        CHECK(n.parent == e.parent);
        CHECK(n.depth == e.depth);
        CHECK(n.positions_count == e.positions_count);
        same(n.var_99, e.var_99, n.path + " var_99");
        same(n.es_975, e.es_975, n.path + " es_975");
        same(n.component_var, e.component_var, n.path + " component_var");
        same(n.market_value, e.market_value, n.path + " market_value");
        same(n.pnl, e.pnl, n.path + " pnl");
        same(n.net_delta, e.net_delta, n.path + " net_delta");
        same(n.gross_exposure, e.gross_exposure, n.path + " gross_exposure");
        same(n.vega, e.vega, n.path + " vega");
        same(n.theta, e.theta, n.path + " theta");
        const auto& ex = (*expected.explain)[static_cast<std::size_t>(&e - expected.nodes.data())];
        const auto& gx = (*got.explain)[static_cast<std::size_t>(&n - got.nodes.data())];
        same(gx.actual, ex.actual, n.path + " explain actual");
        same(gx.delta, ex.delta, n.path + " explain delta");
        same(gx.gamma, ex.gamma, n.path + " explain gamma");
        same(gx.trading, ex.trading, n.path + " explain trading");
        same(gx.unexplained, ex.unexplained, n.path + " explain unexplained");
    }
    CHECK((*got.explain)[0].actual != 0); // the trades and the CAC tick moved the P&L
    same(got.net_exposure, expected.net_exposure, "net_exposure");
    same(got.var_methods->gaussian, expected.var_methods->gaussian, "gaussian");
    same(got.var_methods->cornish_fisher, expected.var_methods->cornish_fisher, "cornish_fisher");
    same(*got.var_methods->ewma, *expected.var_methods->ewma, "ewma");
    same(*got.var_methods->filtered_historical, *expected.var_methods->filtered_historical, "filtered_historical");
    same(*got.var_methods->age_weighted, *expected.var_methods->age_weighted, "age_weighted");

    REQUIRE(got.positions->size() == expected.positions->size());
    std::map<std::pair<std::string, std::string>, const position_risk*> rows;
    for (const auto& r : *expected.positions) rows[{r.node, r.symbol}] = &r;
    for (const auto& r : *got.positions) {
        const auto& e = *rows.at({r.node, r.symbol});
        same(r.quantity, e.quantity, r.symbol + " quantity");
        same(r.market_value, e.market_value, r.symbol + " market_value");
        same(r.component_var, e.component_var, r.node + " " + r.symbol + " component_var");
        same(r.delta, e.delta, r.symbol + " delta");
    }
    for (std::size_t i = 0; i < expected.stress->size(); ++i) same((*got.stress)[i].pnl, (*expected.stress)[i].pnl, (*expected.stress)[i].name);
    std::map<std::string, const underlying_greeks*> greeks;
    for (const auto& g : *expected.greeks) greeks[g.underlying] = &g;
    for (const auto& g : *got.greeks) {
        same(g.delta, greeks.at(g.underlying)->delta, g.underlying + " delta");
        same(g.gamma, greeks.at(g.underlying)->gamma, g.underlying + " gamma");
        same(g.vega, greeks.at(g.underlying)->vega, g.underlying + " vega");
    }
    for (std::size_t i = 0; i < expected.grid->pnl.size(); ++i) {
        for (std::size_t j = 0; j < expected.grid->pnl[i].size(); ++j) same(got.grid->pnl[i][j], expected.grid->pnl[i][j], "grid");
    }
}

TEST_CASE("scale-out: a bad vectors record is refused naming the field; the partition keeps its previous record") {
    auto refusal = [](const std::string& v) {
        try {
            (void)kafka::decode_partition(v);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const std::string head = R"({"instance":"a","seq":1,"event_time_us":1,"ticks_total":1,"partition":0,"partitions":1,"scenarios":100,"nodes":)";
    const std::string node = R"({"path":"F","market_value":1,"pnl":1,"net_delta":1,"gross_exposure":1,"vega":0,"theta":0,"linear_exposure":1,"positions_count":1,)";
    std::string vector = "[";
    for (int i = 0; i < 100; ++i) vector += std::to_string(i - 50) + (i < 99 ? "," : "]");
    CHECK(refusal(head + "[" + node + R"("scenario_pnl":[1]}]})").find("must hold 100 numbers") != std::string::npos);
    CHECK(refusal(head + "[" + node + R"("scenario_pnl":[1, "x"]}]})").find("must hold 100 numbers") != std::string::npos);
    CHECK(refusal(head + "[" + node + R"("scenario_pnl":)" + vector.substr(0, vector.size() - 3) + R"("x"]}]})").find("\"scenario_pnl\" holds \"x\"") != std::string::npos);
    CHECK(refusal(R"({"instance":"a","seq":1,"event_time_us":1,"ticks_total":1,"partition":4,"partitions":4,"scenarios":100,"nodes":[]})")
              .find("\"partition\" must be an integer in [0, 3]") != std::string::npos);
    CHECK(refusal(R"({"instance":"a","seq":1,"event_time_us":1,"ticks_total":1,"partition":0,"partitions":4,"scenarios":2,"nodes":[]})")
              .find("\"scenarios\" must be an integer in [100, 100000]") != std::string::npos);
    CHECK(refusal(head + "[" + node + R"("scenario_pnl":)" + vector + "}]}") == ""); // valid
    CHECK(refusal("{").find("malformed JSON") != std::string::npos);

    vector_aggregate agg;
    agg.put(kafka::decode_partition(head + "[" + node + R"("scenario_pnl":)" + vector + "}]}"));
    CHECK(agg.snapshot().nodes.at(0).var_99 == doctest::Approx(49.01)); // -(linear quantile at 1 % of -50..49)
    auto other = kafka::decode_partition(R"({"instance":"a","seq":1,"event_time_us":1,"ticks_total":1,"partition":0,"partitions":1,"scenarios":200,"nodes":[]})");
    CHECK_THROWS_WITH_AS(agg.put(std::move(other)), doctest::Contains("200 scenarios, the others 100"), std::invalid_argument);
    CHECK(agg.snapshot().nodes.at(0).path == "F");
}
