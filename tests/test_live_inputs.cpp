// The live engine's other outside inputs: tick lines and tick files (examples/live/sources/), client WebSocket messages (wire/client_message.hpp) and the command line
// (app/options.hpp): strict, bounded, and every refusal says where and why.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "live/engine/engine.hpp"
#include "live/app/options.hpp"
#include "live/sources/file_replay.hpp"
#include "live/sources/tick_line.hpp"
#include "live/wire/client_message.hpp"
#include "live/wire/position_columns.hpp"
#include "live/wire/snapshot_json.hpp"
#include "rtrisk_data_dir.hpp"

using namespace rtrisk_live;

namespace {
std::string refusal(std::string_view line) {
    try {
        parse_tick_line(line);
        return "";
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}
loaded_book demo_book(int scenarios = 200) {
    const std::string dir = rtrisk_data_dir;
    market_parameters m;
    m.asof = *detail::parse_iso_date("2026-12-01");
    m.rate = 0.03;
    return load_book({dir + "/demo_book.csv", dir + "/eu_stock_markets.csv", dir + "/demo_proxies.csv", scenarios}, m);
}
const std::string demo_positions = std::string(rtrisk_data_dir) + "/demo_book.csv";
const std::string demo_history = std::string(rtrisk_data_dir) + "/eu_stock_markets.csv";
std::string options_error(std::vector<const char*> args) {
    args.insert(args.begin(), {"rtrisk_live", "--book", demo_positions.c_str(), "--history", demo_history.c_str()});
    try {
        parse_server_options(static_cast<int>(args.size()), args.data());
        return "";
    } catch (const usage_error& e) {
        return e.what();
    }
}
} // namespace

TEST_CASE("tick lines parse strictly") {
    SUBCASE("CSV and NDJSON") {
        auto t = parse_tick_line("DAX,6123.5");
        CHECK(t.symbol == "DAX");
        CHECK(t.price == 6123.5);
        CHECK(t.quantity == 0);
        t = parse_tick_line(" SMI , 7000 , -12.5 ");
        CHECK(t.symbol == "SMI");
        CHECK(t.quantity == -12.5);
        t = parse_tick_line(R"({"symbol": "CAC", "price": 4000.25, "quantity": 3})");
        CHECK(t.symbol == "CAC");
        CHECK(t.quantity == 3);
    }
    SUBCASE("numbers are consumed whole") {
        CHECK(refusal("DAX,100,5abc") == "quantity '5abc' is not a finite number");
        CHECK(refusal("DAX,100abc") == "price '100abc' is not a finite number");
        CHECK(refusal("DAX,") == "price '' is not a finite number");
        CHECK(refusal("DAX,0x10") == "price '0x10' is not a finite number");
        CHECK(refusal("DAX,1e400") == "price '1e400' is not a finite number");
    }
    SUBCASE("values outside the bounds, non-finite included") {
        CHECK(refusal("DAX,1e308") == "price 1e+308 is outside (0, 1e9]");
        CHECK(refusal("DAX,nan") == "price 'nan' is not a finite number");
        CHECK(refusal("DAX,inf") == "price 'inf' is not a finite number");
        CHECK(refusal("DAX,0") == "price 0 is outside (0, 1e9]");
        CHECK(refusal("DAX,-3") == "price -3 is outside (0, 1e9]");
        CHECK(refusal("DAX,100,1e308") == "quantity 1e+308 is outside [-1e9, 1e9]");
        CHECK(refusal("DAX,100,-inf") == "quantity '-inf' is not a finite number");
        CHECK(refusal(R"({"symbol":"DAX","price":1e308})") == "price 1e+308 is outside (0, 1e9]");
        CHECK(refusal(R"({"symbol":"DAX","price":100,"quantity":1e308})") == "quantity 1e+308 is outside [-1e9, 1e9]");
    }
    SUBCASE("shape and types") {
        CHECK(refusal("DAX") == "expected symbol,price[,quantity[,node]], got 'DAX'");
        CHECK(refusal("DAX,1,2,FIRM/a,5") == "expected symbol,price[,quantity[,node]], got more fields");
        CHECK(refusal("DAX,1,2,FIRM/\x01") == "node 'FIRM/\\x01' holds a control character");
        CHECK(refusal(R"({"symbol":"DAX","price":1,"quantity":2,"node":5})") == "\"node\" must be a string, got 5");
        CHECK(refusal(",100") == "empty symbol");
        CHECK(refusal("D\x01X,100") == "symbol 'D\\x01X' holds a control character");
        CHECK(refusal(R"({"symbol":"DAX","price":"100"})") == "\"price\" must be a number, got \"100\"");
        CHECK(refusal(R"({"symbol":"DAX","price":true})") == "\"price\" must be a number, got true");
        CHECK(refusal(R"({"symbol":1,"price":1})") == "\"symbol\" must be a string, got 1");
        CHECK(refusal(R"({"symbol":"DAX","price":1,"quantiy":5})") == "unknown field \"quantiy\"");
        CHECK(refusal(R"({"symbol":"DAX"})") == "missing \"price\"");
        CHECK(refusal(R"([1,2])") == "price '2]' is not a finite number"); // not an object: read as CSV
        CHECK(refusal(R"({"symbol":"DAX","price":{"a":{"b":1}}})") == "JSON tick nested too deep");
        CHECK(refusal(std::string(2000, 'x')) == "line longer than 1024 bytes");
    }
}

TEST_CASE("a tick file: BOM, CRLF, bad lines counted with FILE:LINE, bounded work per call") {
    engine eng(demo_book());
    const std::string path = "rtrisk_live_inputs_ticks.csv";
    {
        std::ofstream f(path, std::ios::binary);
        f << "\xEF\xBB\xBFsymbol,price,quantity\r\n"
          << "DAX,5000\r\n"
          << "DAX,100,5abc\n"
          << "DAX,1e308\n"
          << "SMI,7000,1e308\n"
          << std::string(5000, 'z') << "\n"
          << "CAC,4000.5";            // no final newline
    }
    file_source src(path, eng.symbol_index());
    std::vector<tick> batch;
    while (src.next(batch, 100)) {
    }
    std::vector<std::string> rejects;
    CHECK(src.take_rejects(rejects) == 4);
    REQUIRE(rejects.size() == 4);
    CHECK(rejects[0] == path + ":3: quantity '5abc' is not a finite number");
    CHECK(rejects[1] == path + ":4: price 1e+308 is outside (0, 1e9]");
    CHECK(rejects[2] == path + ":5: quantity 1e+308 is outside [-1e9, 1e9]");
    CHECK(rejects[3] == path + ":6: line longer than 1024 bytes");
    REQUIRE(batch.size() == 2);
    CHECK(batch[0].price == 5000);
    CHECK(batch[0].origin == 2);
    CHECK(src.where(batch[1]) == path + ":7");
    std::remove(path.c_str());

    SUBCASE("a file of garbage: every line counted, messages and work per call bounded") {
        {
            std::ofstream f(path, std::ios::binary);
            for (int i = 0; i < 100000; ++i) f << "garbage line " << i << "\n";
        }
        file_source g(path, eng.symbol_index());
        std::vector<tick> b;
        std::uint64_t counted = 0;
        int calls = 0;
        while (g.next(b, 8192)) {
            std::vector<std::string> sample;
            counted += g.take_rejects(sample);
            CHECK(sample.size() <= file_source::max_reject_messages);
            ++calls;
        }
        CHECK(counted == 100000);
        CHECK(calls >= 100000 / 8192); // no single call reads the whole file
        CHECK(b.empty());
        std::remove(path.c_str());
    }
}

TEST_CASE("the engine refuses a tick that would make the book non-finite, and stays unchanged") {
    engine eng(demo_book());
    const auto dax = eng.symbol_index().at("DAX");
    const double before = eng.snapshot().nodes[0].var_99;
    CHECK_THROWS_WITH_AS(eng.apply({0, dax, 1e308, 0, 1, {}}), "price 1e+308 is outside (0, 1e9]", std::invalid_argument);
    CHECK_THROWS_WITH_AS(eng.apply({0, dax, 100, std::numeric_limits<double>::quiet_NaN(), 1, {}}), "quantity nan is outside [-1e9, 1e9]",
                         std::invalid_argument);
    for (int i = 0; i < 1000; ++i) eng.apply({0, dax, 1e9, 0, 1, {}}); // the largest price is fine
    CHECK_THROWS_AS(eng.apply({0, dax, 1e9, 1e9, 1, {}}), std::invalid_argument); // exposure 1e18 > 1e15
    CHECK_THROWS_AS(eng.apply({0, 999, 100, 0, 1, {}}), std::invalid_argument);
    const auto snap = eng.snapshot();
    CHECK(std::isfinite(snap.nodes[0].var_99));
    CHECK(snap.nodes[0].var_99 != before);
    // Encoded for the wire, every number is finite (nlohmann writes null for a non-finite one);
    // the one null is the root's parent.
    REQUIRE(snap.positions);
    const auto text = to_wire(snap).dump() + nodes_json(snap.nodes) + columns_json(position_columns_of(*snap.positions));
    std::size_t nulls = 0;
    for (auto i = text.find("null"); i != std::string::npos; i = text.find("null", i + 1)) ++nulls;
    CHECK(nulls == 1);
    CHECK(text.find("\"parent\":null") != std::string::npos);
}

TEST_CASE("client messages map to the protocol's close codes") {
    using R = std::variant<client_request, client_message_error>;
    auto code = [](const R& r) { return std::holds_alternative<client_message_error>(r) ? std::get<client_message_error>(r).close_code : 0; };
    CHECK(std::get<client_request>(parse_client_message(R"({"type":"resync"})")) == client_request::resync);
    CHECK(std::get<client_request>(parse_client_message(R"({"type":"ping","extra":1})")) == client_request::ping);
    CHECK(code(parse_client_message("{")) == close_bad_json);
    CHECK(code(parse_client_message("\xff")) == close_bad_json);
    CHECK(code(parse_client_message(R"({"type":"\xc3\x28"})")) == close_bad_json); // invalid UTF-8 inside a string
    CHECK(code(parse_client_message(std::string(20, '[') + std::string(20, ']'))) == close_bad_json);
    CHECK(code(parse_client_message(R"({"type":"hack"})")) == close_policy);
    CHECK(code(parse_client_message(R"({"type":1})")) == close_policy);
    CHECK(code(parse_client_message(R"(["resync"])")) == close_policy);
    CHECK(code(parse_client_message("null")) == close_policy);
}

TEST_CASE("the command line: every number strict and range-checked, the flag and the value named") {
    CHECK(options_error({}) == "");
    {
        std::vector<const char*> bare{"rtrisk_live"};
        CHECK_THROWS_WITH_AS(parse_server_options(1, bare.data()), "--book: a positions file is required (the demo: data/demo_book.csv)", usage_error);
    }
    CHECK(options_error({"--asof", "2026-02-30"}) == "--asof: '2026-02-30' is not a date YYYY-MM-DD");
    CHECK(options_error({"--risk-free-rate", "5"}) == "--risk-free-rate: '5' is not a number in [-1, 1]");
    CHECK(options_error({"--dividend", "DAX"}) == "--dividend: 'DAX' is not SYMBOL=YIELD");
    CHECK(options_error({"--dividend", "DAX=x"}) == "--dividend DAX: 'x' is not a number in [-1, 1]");
    CHECK(options_error({"--market-speed", "0"}) == "--market-speed: '0' is not a number in (0, 1000]");
    CHECK(options_error({"--port", "abc"}) == "--port: 'abc' is not a number in [0, 65535]");
    CHECK(options_error({"--port", "99999"}) == "--port: '99999' is not a number in [0, 65535]");
    CHECK(options_error({"--port", "80x"}) == "--port: '80x' is not a number in [0, 65535]");
    CHECK(options_error({"--rate", "-1"}) == "--rate: '-1' is not a number in [0, 1e8]");
    CHECK(options_error({"--rate", "nan"}) == "--rate: 'nan' is not a number in [0, 1e8]");
    CHECK(options_error({"--rate", "inf"}) == "--rate: 'inf' is not a number in [0, 1e8]");
    CHECK(options_error({"--publish-hz", "0"}) == "--publish-hz: '0' is not a number in (0, 1000]");
    CHECK(options_error({"--positions-hz", "20"}) == "--positions-hz: '20' is above --publish-hz 10");
    CHECK(options_error({"--max-message", "0"}) == "--max-message: '0' is not a number in [64, 16777216]");
    CHECK(options_error({"--slow-timeout-ms", "-1"}) == "--slow-timeout-ms: '-1' is not a number in [100, 3600000]");
    CHECK(options_error({"--heartbeat-ms", "1.5"}) == "--heartbeat-ms: '1.5' is not a number in [100, 3600000]");
    CHECK(options_error({"--scenarios", "99"}) == "--scenarios: '99' is not a number in [100, 100000]");
    CHECK(options_error({"--sndbuf", "12"}) == "--sndbuf: '12' is not a number in {0} or [4096, 67108864]");
    CHECK(options_error({"--max-queued-bytes", "1"}) == "--max-queued-bytes: '1' is not a number in [65536, 1073741824]");
    CHECK(options_error({"--max-connections", "-3"}) == "--max-connections: '-3' is not a number in [0, 1000000]");
    CHECK(options_error({"--bind", "localhost"}) == "--bind: 'localhost' is not an IPv4 or IPv6 address");
    CHECK(options_error({"--token", "a b"}) == "--token: must be 1 to 512 visible ASCII characters (got 3 bytes)");
    CHECK(options_error({"--allow-origin", "http://x/"}) == "--allow-origin: 'http://x/' is not scheme://host[:port]");
    CHECK(options_error({"--allow-host", "x:80"}) == "--allow-host: 'x:80' is not a host name");
    CHECK(options_error({"--port", ""}) == "--port: '' is not a number in [0, 65535]");
    CHECK(options_error({"--rate", ""}) == "--rate: '' is not a number in [0, 1e8]");
    CHECK(options_error({"--nope"}) != "");
    CHECK(options_error({"--port"}) != "");
    CHECK(options_error({"--port", "1", "--port", "x"}) == "--port: 'x' is not a number in [0, 65535]"); // the later one wins
    const std::vector<const char*> ok = {"rtrisk_live", "--book", demo_positions.c_str(), "--history", demo_history.c_str(), "--port", "5", "--port", "0", "--rate", "0", "--bind", "::1", "--token", "a+b/c%d",
                                         "--allow-origin", "http://a", "--allow-origin", "https://b:1"};
    const auto c = parse_server_options(static_cast<int>(ok.size()), ok.data());
    REQUIRE(c);
    CHECK(c->port == 0);
    CHECK(c->rate == 0);
    CHECK(c->token == "a+b/c%d");
    CHECK(c->allowed_origins == std::vector<std::string>{"http://a", "https://b:1"});
    CHECK(c->book.positions == demo_positions);
    CHECK(c->market.asof == std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())); // default: today (UTC)
}
