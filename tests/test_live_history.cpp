// The risk history's pieces that need no database (examples/live/store/, http/history_request.hpp):
// GET /api/history's parameters, the journal (order, torn lines, truncation), PostgreSQL's
// binary COPY encoding, and the in-memory ring. The database round trips, migrations and the
// outage are tested against a real PostgreSQL in tests/python/test_history.py.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "live/http/history_request.hpp"
#include "live/store/history_ring.hpp"
#include "live/store/journal.hpp"

using namespace rtrisk_live;

namespace {
std::string refusal(const std::string& target) {
    try {
        (void)parse_history_request(parse_request_target(target), 1795676400000000LL);
    } catch (const bad_history_request& e) {
        return e.what();
    }
    return "";
}

history::record sample(std::uint64_t seq, std::size_t positions = 0) {
    history::record r{"abc123", seq, 1795676400000000LL + static_cast<std::int64_t>(seq) * 100000, {}, {}, {}};
    r.nodes.push_back({"FIRM", -1.5 * double(seq), 1e6 + double(seq), 1.2e6, 3e7, -4.25});
    r.nodes.push_back({"FIRM/Équités \"EU\"", 0.1, 0.2, 0.3, 0.4, 0.5});
    for (std::size_t i = 0; i < positions; ++i) r.positions.push_back({"FIRM/EU", "DAX", 10, 6000.5, 60005, -3, 0.1 * double(i)});
    return r;
}
} // namespace

TEST_CASE("history request: ISO 8601 instants in UTC and with offsets (epoch values from Python's datetime)") {
    CHECK(parse_iso_instant("2026-11-26T07:00:00Z", "from") == 1795676400000000LL);
    CHECK(parse_iso_instant("2026-11-26T07:00:00", "from") == 1795676400000000LL);       // no zone: UTC
    CHECK(parse_iso_instant("2026-11-26T08:30:00+01:30", "from") == 1795676400000000LL);
    CHECK(parse_iso_instant("2026-11-26T07:00:00.25Z", "from") == 1795676400250000LL);
    CHECK(parse_iso_instant("2026-11-26T07:00:00.123456789Z", "from") == 1795676400123456LL);
    CHECK(parse_iso_instant("2026-11-26T07:00Z", "from") == 1795676400000000LL);
    CHECK(parse_iso_instant("2024-02-29", "to") == 1709164800000000LL);
    CHECK(iso_instant(1795676400250000LL) == "2026-11-26T07:00:00.250Z");
    for (const char* bad : {"2026-02-30", "2026-13-01", "26-11-26", "2026-11-26T25:00Z", "2026-11-26T07:00:00+1", "2026-11-26T07:00:00Zjunk",
                            "1969-12-31", "now", ""}) {
        CHECK_THROWS_AS(parse_iso_instant(bad, "from"), bad_history_request);
    }
    CHECK_THROWS_WITH(parse_iso_instant("yesterday", "to"), doctest::Contains("to: 'yesterday' is not an ISO 8601 instant"));
}

TEST_CASE("history request: defaults, and every refusal names its parameter") {
    const auto q = parse_history_request(parse_request_target("/api/history?node=FIRM%2FEU&step=60"), 1795676400000000LL);
    CHECK(q.node == "FIRM/EU");
    CHECK(q.to_us == 1795676400000000LL);
    CHECK(q.from_us == q.to_us - 300000000LL); // 5 minutes (1795676400 s is a whole minute)
    CHECK(q.step_s == 60);
    const auto h = parse_history_request(parse_request_target("/api/history?node=FIRM&from=2026-11-26T07:20:00Z&step=3600"), 1795680000000000LL);
    CHECK(h.from_us == 1795676400000000LL); // rounded down to the hour: whole buckets
    CHECK(h.to_us == 1795680000000000LL);
    CHECK(refusal("/api/history") .rfind("node:", 0) == 0);
    CHECK(refusal("/api/history?node=") .rfind("node:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&step=-1").rfind("step:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&step=1.5").rfind("step:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&step=1e3").rfind("step:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&from=2026-11-26T08:00:00Z&to=2026-11-26T07:00:00Z").rfind("from:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&from=2026-11-26T07:00:00Z&to=2026-11-26T07:00:00Z").rfind("from:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&to=tomorrow").rfind("to:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&from=2000-01-01&to=2026-01-01&step=1").rfind("step:", 0) == 0); // > 100,000 points
    CHECK(refusal("/api/history?node=FIRM&limit=5") == "unknown parameter 'limit'");
    CHECK(refusal("/api/history?node=FIRM&from=2026-11-25T07:00:00.5Z&to=2026-11-26T07:00:00.5Z&step=7") == ""); // a day, not whole buckets: allowed
    CHECK(refusal("/api/history?node=FIRM&from=2026-11-25T07:00:00Z&to=2026-11-26T07:00:01Z&step=7").rfind("step:", 0) == 0);
    CHECK(refusal("/api/history?node=FIRM&from=2000-01-01&to=2026-01-01&step=86400") == "");
}

TEST_CASE("history journal: records come back in order and equal; a drained journal is truncated") {
    const std::string path = "rtrisk_test_history.journal";
    std::remove(path.c_str());
    {
        history::journal j(path);
        CHECK(j.empty());
        j.append({sample(1, 2), sample(2), sample(3)});
        j.append({sample(4)});
        CHECK(!j.empty());
        auto first = j.read_oldest(5); // records until 5 rows are reached: 4 (2 nodes, 2 positions), then 6
        REQUIRE(first.size() == 2);
        CHECK(first[0].seq == 1);
        CHECK(first[0].positions.size() == 2);
        CHECK(first[0].nodes[1].node == "FIRM/Équités \"EU\"");
        CHECK(first[0].nodes[0].var_99 == 1e6 + 1);
        CHECK(first[0].time_us == sample(1).time_us);
        CHECK(j.read_oldest(5).front().seq == 1); // not taken yet: the same again
        j.take();
        auto rest = j.read_oldest(1000);
        REQUIRE(rest.size() == 2);
        CHECK(rest[0].seq == 3);
        CHECK(rest[1].seq == 4);
        j.take();
        CHECK(j.empty());
    }
    std::ifstream f(path, std::ios::ate);
    CHECK(f.tellg() == 0);
    std::remove(path.c_str());
}

TEST_CASE("history journal: a line torn by a crash is skipped and counted, and kept apart from the next line") {
    const std::string path = "rtrisk_test_torn.journal";
    std::remove(path.c_str());
    {
        history::journal j(path);
        j.append({sample(1)});
    }
    {
        std::ofstream f(path, std::ios::app);
        f << history::encode_line(sample(2)).substr(0, 30); // the crash: half a line, no newline
    }
    history::journal j(path);
    j.append({sample(3)});
    const auto got = j.read_oldest(1000);
    REQUIRE(got.size() == 2);
    CHECK(got[0].seq == 1);
    CHECK(got[1].seq == 3);
    CHECK(j.bad_lines() == 0); // counted once, when taken
    j.take();
    CHECK(j.bad_lines() == 1);
    std::remove(path.c_str());
}

TEST_CASE("history journal: one process at a time (a second writer would truncate the first's rows)") {
    const std::string path = "rtrisk_test_locked.journal";
    std::remove(path.c_str());
    {
        history::journal first(path);
        CHECK_THROWS_WITH(history::journal{path}, doctest::Contains("in use by another process"));
    }
    CHECK_NOTHROW(history::journal{path}); // released with the first
    std::remove(path.c_str());
}

TEST_CASE("UTF-8: well-formed per RFC 3629 (Markus Kuhn's decoder test cases), and names that are not are refused where they enter") {
    using rtrisk_examples::valid_utf8;
    for (const char* ok : {"", "FIRM/Équités", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF"}) CHECK(valid_utf8(ok));
    for (const char* bad : {"\xC3\x28", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80", "\xFE", "a\xF0\x9F\x98"}) {
        CHECK_MESSAGE(!valid_utf8(bad), bad);
    }
    CHECK_THROWS_WITH(rtrisk_live::detail::check_node("FIRM/\xC3\x28"), doctest::Contains("is not UTF-8"));
    CHECK_THROWS_WITH(rtrisk_live::detail::check_symbol("D\xFFX"), doctest::Contains("is not UTF-8"));
}

TEST_CASE("history journal lines: NaN round-trips as null; malformed lines are refused with a reason") {
    auto r = sample(7);
    r.nodes[0].pnl = std::numeric_limits<double>::quiet_NaN();
    const auto back = history::decode_line(history::encode_line(r));
    CHECK(std::isnan(back.nodes[0].pnl));
    CHECK(back.nodes[0].var_99 == r.nodes[0].var_99);
    CHECK_THROWS_WITH(history::decode_line("{\"i\":\"a\",\"s\":-1,\"t\":0,\"n\":[],\"p\":[]}"), doctest::Contains("s:"));
    CHECK_THROWS_WITH(history::decode_line("{\"i\":\"a\",\"s\":1,\"t\":0,\"n\":[[\"x\",1]],\"p\":[]}"), doctest::Contains("n[]"));
    CHECK_THROWS_AS(history::decode_line("{\"i\":\"a\""), std::invalid_argument);
    // five keys, one of them not ours (found by fuzz_history_journal: an uncaught out_of_range)
    CHECK_THROWS_WITH_AS(history::decode_line("{\"i\":\"a\",\"s\":1,\"t\":0,\"n\":[],\"l\":[]}"), "journal line: no \"p\"", std::invalid_argument);
}

TEST_CASE("binary COPY: PostgreSQL's header, big-endian fields, times from 2000-01-01 (the COPY documentation's file format)") {
    pg::copy_binary c;
    c.row(2);
    c.timestamptz(pg::copy_binary::postgres_epoch_us + 1);
    c.int8(-2);
    const auto out = std::string(c.finish());
    CHECK(out.substr(0, 11) == std::string("PGCOPY\n\377\r\n\0", 11));
    CHECK(out.substr(11, 8) == std::string(8, '\0')); // flags, header extension length
    CHECK(out.substr(19, 2) == std::string("\0\2", 2));
    CHECK(out.substr(21, 4) == std::string("\0\0\0\10", 4));
    CHECK(out.substr(25, 8) == std::string("\0\0\0\0\0\0\0\1", 8));
    CHECK(out.substr(37, 8) == std::string(8, '\377').replace(7, 1, "\376"));
    CHECK(out.substr(45) == "\377\377"); // trailer
}

TEST_CASE("history ring: a node's points within [from, to), and buckets keep their last values") {
    history::ring ring(1000000);
    auto snap = std::make_shared<risk_snapshot>();
    snap->nodes.resize(2);
    snap->nodes[0].path = "FIRM";
    snap->nodes[1].path = "FIRM/EU";
    for (int i = 0; i < 10; ++i) {
        auto p = std::make_shared<publication>();
        p->published_us = 1795676400000000LL + i * 500000LL; // every 0.5 s
        snap->nodes[0].pnl = i;
        snap->nodes[0].var_99 = 100 + i;
        p->snapshot = std::make_shared<const risk_snapshot>(*snap);
        p->version = static_cast<std::uint64_t>(i + 1);
        ring.consume(p);
    }
    const std::int64_t t0 = 1795676400000000LL;
    const auto all = ring.query("FIRM", t0, t0 + 5000000, 0);
    REQUIRE(all.points.size() == 10);
    CHECK(all.source == "memory");
    CHECK(all.points[3].time_ms == t0 / 1000 + 1500);
    CHECK(all.points[3].pnl == 3);
    CHECK(ring.query("FIRM", t0 + 1000000, t0 + 2000000, 0).points.size() == 2);
    const auto per_2s = ring.query("FIRM", t0, t0 + 5000000, 2);
    REQUIRE(per_2s.points.size() == 3);
    CHECK(per_2s.points[0].time_ms == t0 / 1000);
    CHECK(per_2s.points[0].pnl == 3); // last of 0, 0.5, 1, 1.5 s
    CHECK(per_2s.points[2].pnl == 9);
    CHECK(per_2s.points[2].var_99 == 109);
    CHECK(ring.knows("FIRM/EU"));
    CHECK(!ring.knows("FIRM/US"));
    CHECK(ring.query("FIRM/US", t0, t0 + 5000000, 0).points.empty());
}

TEST_CASE("a journal line keeps the publication's limit events, and a line without them still reads") {
    history::record r{"abc123", 9, 1795676400000000LL, {{"FIRM", 1, 2, 3, 4, 5}}, {}, {{1795676400000, "FIRM", "var_99", "breach", 120.5, 100}}};
    const auto line = history::encode_line(r);
    CHECK(line.find("\"a\":[[1795676400000,\"FIRM\",\"var_99\",\"breach\",120.5,100.0]]") != std::string::npos);
    const auto back = history::decode_line(line);
    REQUIRE(back.alerts.size() == 1);
    CHECK((back.alerts[0].node == "FIRM" && back.alerts[0].event == "breach" && back.alerts[0].value == 120.5 && back.alerts[0].limit == 100));
    CHECK(back.rows() == 2);
    r.alerts.clear();
    CHECK(history::encode_line(r).find("\"a\"") == std::string::npos); // the journal of a server without limits is unchanged
    CHECK_THROWS_AS(history::decode_line(R"({"i":"x","s":1,"t":1,"n":[],"p":[],"a":[[1,"FIRM","var_99","flapped",1,1]]})"), std::invalid_argument);
    CHECK_THROWS_AS(history::decode_line(R"({"i":"x","s":1,"t":1,"n":[],"p":[],"a":{}})"), std::invalid_argument);
    CHECK_THROWS_AS(history::decode_line(R"({"i":"x","s":1,"t":1,"n":[],"p":[],"b":[]})"), std::invalid_argument);
}
