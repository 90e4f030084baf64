// The streaming engine (examples/live/engine/) and what feeds and drains it: ticks and trades from a
// file give exactly the risk the core computes offline for the same final book; book files are
// loaded all or nothing with errors naming file, line and field; the publisher, the publish
// schedule and the simulator's market speed.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "live/engine/engine.hpp"
#include "live/engine/publish_schedule.hpp"
#include "live/sources/file_replay.hpp"
#include "live/wire/publication.hpp"
#include "live/wire/snapshot_json.hpp"
#include "rtrisk_data_dir.hpp"

using namespace rtrisk_live;

namespace {
const std::string data_dir = rtrisk_data_dir;

market_parameters demo_market() {
    market_parameters m;
    m.asof = *detail::parse_iso_date("2026-12-01");
    m.rate = 0.03;
    for (const char* s : {"DAX", "SMI", "CAC", "FTSE"}) m.dividends[s] = 0.02;
    return m;
}
loaded_book demo_book(int scenarios = 400) {
    return load_book({data_dir + "/demo_book.csv", data_dir + "/eu_stock_markets.csv", data_dir + "/demo_proxies.csv", scenarios},
                     demo_market());
}

/// Node n's scenario P&L from scratch with the core's batch path: every position of its subtree
/// in one derivatives_book, fully revalued in every scenario (stress.hpp).
Eigen::VectorXd offline_pnl(const rtrisk::book_state& s, std::size_t n) {
    rtrisk::derivatives_book b(s.rate());
    for (std::size_t u = 0; u < s.underlyings().size(); ++u) b.add_underlying(s.underlyings()[u], s.spots()[u], s.dividends()[u]);
    for (const auto& p : s.positions()) {
        bool below = false;
        for (std::size_t k = p.node; k != rtrisk::book_state::npos; k = s.nodes()[k].parent) below = below || k == n;
        if (!below || p.quantity == 0) continue;
        const auto& c = s.contracts()[p.contract];
        if (c.is_option) b.add_option(c.underlying, c.kind, c.strike, c.expiry, c.vol, p.quantity, p.multiplier);
        else b.add_linear(c.underlying, p.quantity, p.multiplier);
    }
    if (b.holdings().empty()) return Eigen::VectorXd::Zero(s.scenarios().rows());
    return rtrisk::full_revaluation_pnl<double>(b, s.scenarios());
}

std::string write(const std::string& name, const std::string& text) {
    std::ofstream(name, std::ios::binary) << text;
    return name;
}

/// The message load_book throws for these positions (and, optionally, proxies).
std::string book_refusal(const std::string& positions, const std::string& proxies = "") {
    const auto p = write("rtrisk_test_positions.csv", positions);
    const auto x = proxies.empty() ? std::string() : write("rtrisk_test_proxies.csv", proxies);
    try {
        load_book({p, data_dir + "/eu_stock_markets.csv", x, 200}, demo_market());
        return "";
    } catch (const book_error& e) {
        return e.what();
    }
}
} // namespace

TEST_CASE("ticks and trades replayed from a file give every node the risk computed offline from the final book") {
    engine eng(demo_book());
    const auto& st = eng.state();
    const std::string path = "rtrisk_live_ticks_test.csv";
    std::vector<std::string> underlyings(st.underlyings().begin(), st.underlyings().end());
    {
        std::ofstream f(path);
        f.precision(17);
        f << "symbol,price,quantity,node\n";
        std::mt19937_64 gen(3);
        std::uniform_int_distribution<std::size_t> pick(0, underlyings.size() - 1);
        std::uniform_real_distribution<double> move(0.99, 1.01);
        std::vector<double> px(st.spots().begin(), st.spots().end());
        for (int k = 0; k < 20'000; ++k) {
            const auto i = pick(gen);
            px[i] *= move(gen);
            if (k % 97 == 0) f << underlyings[i] << "," << px[i] << ",5,FIRM/Equities/Europe/alice\n"; // a trade of 5 units
            else if (k % 991 == 0) f << "DAX 5200 P 2027-03-19," << 50 + k % 7 << ",-2,FIRM/Derivatives/Index/erin\n"; // an option trade
            else f << underlyings[i] << "," << px[i] << "\n";
        }
    }
    file_source src(path, eng.symbol_index());
    std::vector<tick> batch;
    while (src.next(batch, 4096)) {
        for (const auto& t : batch) eng.apply(t);
        batch.clear();
    }
    std::vector<std::string> rejects;
    CHECK(src.take_rejects(rejects) == 0);
    CHECK(rejects.empty());
    CHECK(eng.ticks() == 20'000);
    const auto snap = eng.snapshot();
    REQUIRE(snap.nodes.size() == st.nodes().size());
    for (std::size_t n = 0; n < st.nodes().size(); ++n) {
        CAPTURE(st.nodes()[n].path);
        const Eigen::VectorXd offline = offline_pnl(st, n);
        // 20,000 updates each add one rounding error per scenario: 1e-9 relative is ample.
        CHECK(snap.nodes[n].var_99 == doctest::Approx(rtrisk::historical_var(offline, 0.99)).epsilon(1e-9));
        CHECK(snap.nodes[n].es_975 == doctest::Approx(rtrisk::historical_es(offline, 0.975)).epsilon(1e-9));
        // Euler: the children's components sum to the node's VaR.
        double sum = 0;
        bool any = false;
        for (const auto& m : snap.nodes) {
            if (m.parent == snap.nodes[n].path) {
                sum += m.component_var;
                any = true;
            }
        }
        if (any && st.nodes()[n].positions.empty()) CHECK(sum == doctest::Approx(snap.nodes[n].var_99).epsilon(1e-9));
    }
    double comp = 0;
    for (const auto& p : *snap.positions) comp += p.component_var;
    CHECK(comp == doctest::Approx(snap.nodes[0].var_99).epsilon(1e-9)); // every position's component in the root's VaR
    std::remove(path.c_str());
}

TEST_CASE("a batch applied at once gives the risk of its ticks applied one by one, and refuses the same ticks") {
    engine one(demo_book()), batched(demo_book());
    const auto& st = one.state();
    const auto& idx = one.symbol_index();
    const std::uint32_t option = idx.at("DAX 5200 P 2027-03-19");
    std::vector<std::uint32_t> underlyings;
    for (const auto& u : st.underlyings()) underlyings.push_back(idx.at(u));
    std::vector<tick> ticks;
    std::mt19937_64 gen(11);
    std::uniform_int_distribution<std::size_t> pick(0, underlyings.size() - 1);
    std::uniform_real_distribution<double> move(0.99, 1.01);
    std::vector<double> px(st.spots().begin(), st.spots().end());
    for (std::uint64_t k = 0; k < 5'000; ++k) {
        const auto i = pick(gen);
        px[i] *= move(gen);
        tick t{static_cast<std::int64_t>(1'000'000 + k), underlyings[i], px[i], 0, k, {}};
        if (k % 97 == 0) t = {t.event_time_us, underlyings[i], px[i], 5, k, "FIRM/Equities/Europe/alice"}; // a trade moves the spot too
        else if (k % 389 == 0) t = {t.event_time_us, option, 55, -2, k, "FIRM/Derivatives/Index/erin"}; // an option trade
        else if (k % 211 == 0) t.price = -1;                                                               // refused: price
        else if (k % 307 == 0) t.instrument = option;                                                      // refused: an option's price tick
        else if (k % 401 == 0) t.instrument = 9999;                                                        // refused: unknown
        else if (k % 499 == 0) t = {t.event_time_us, underlyings[i], 1e9, 1e9, k, "FIRM/Equities/Europe/alice"}; // refused: exposure 1e18
        ticks.push_back(std::move(t));
    }
    std::vector<std::uint64_t> refused_one, refused_batched;
    std::vector<std::string> why_one, why_batched;
    for (const auto& t : ticks) {
        try {
            one.apply(t);
        } catch (const std::exception& e) {
            refused_one.push_back(t.origin);
            why_one.push_back(e.what());
        }
    }
    for (std::size_t at = 0; at < ticks.size(); at += 700) { // batches of 700, as a source hands them over
        batched.apply_batch(std::span<const tick>(ticks).subspan(at, std::min<std::size_t>(700, ticks.size() - at)), [&](const tick& t, const std::exception& e) {
            refused_batched.push_back(t.origin);
            why_batched.push_back(e.what());
        });
    }
    CHECK(refused_batched == refused_one);
    CHECK(why_batched == why_one);
    CHECK(refused_one.size() > 30);
    CHECK(batched.ticks() == one.ticks());
    CHECK(batched.ticks() == ticks.size() - refused_one.size());
    CHECK(batched.last_event_us() == one.last_event_us());
    CHECK(std::equal(batched.state().spots().begin(), batched.state().spots().end(), st.spots().begin()));
    const auto a = one.snapshot(), b = batched.snapshot();
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (std::size_t n = 0; n < a.nodes.size(); ++n) {
        CAPTURE(a.nodes[n].path);
        CHECK(b.nodes[n].var_99 == doctest::Approx(a.nodes[n].var_99).epsilon(1e-9)); // rounding differs, nothing else
        CHECK(b.nodes[n].es_975 == doctest::Approx(a.nodes[n].es_975).epsilon(1e-9));
        CHECK(b.nodes[n].pnl == doctest::Approx(a.nodes[n].pnl).epsilon(1e-9));
        // and both are the offline full revaluation of the final book
        CHECK(b.nodes[n].var_99 == doctest::Approx(rtrisk::historical_var(offline_pnl(batched.state(), n), 0.99)).epsilon(1e-9));
    }
}

TEST_CASE("a batch whose reject handler throws applies none of the prices since the last trade, and the next batch is exact") {
    engine eng(demo_book()), fresh(demo_book());
    const auto& idx = eng.symbol_index();
    const auto dax = idx.at("DAX"), smi = idx.at("SMI"), cac = idx.at("CAC");
    const double px = eng.state().spots()[dax], ps = eng.state().spots()[smi], pc = eng.state().spots()[cac];
    const std::vector<tick> first{{1, dax, px * 1.01, 0, 1, {}}, {2, dax, -5, 0, 2, {}}, {3, smi, ps * 1.01, 0, 3, {}}};
    CHECK_THROWS_AS(eng.apply_batch(first, [](const tick&, const std::exception& e) { throw std::runtime_error(e.what()); }), std::runtime_error);
    CHECK(eng.state().spots()[dax] == px); // the run was not applied
    CHECK(eng.ticks() == 0);
    const std::vector<tick> second{{4, cac, pc * 1.02, 0, 4, {}}, {5, smi, ps * 0.99, 0, 5, {}}};
    eng.apply_batch(second, [](const tick&, const std::exception&) { FAIL("no tick is refused"); });
    for (const auto& t : second) fresh.apply(t);
    CHECK(std::equal(eng.state().spots().begin(), eng.state().spots().end(), fresh.state().spots().begin()));
    CHECK(eng.snapshot().nodes[0].var_99 == doctest::Approx(fresh.snapshot().nodes[0].var_99).epsilon(1e-12));
    CHECK(eng.ticks() == 2);
}

TEST_CASE("the engine rebuilds every node from the positions every 2^20 updates (drift bounded however long it runs)") {
    engine eng(demo_book(100));
    const auto dax = eng.symbol_index().at("EQ002"); // a stock without options: cheap ticks
    double px = eng.state().spots()[dax];
    // Perturb the root's vector as drift would, then apply ticks up to the rebuild: it is gone.
    eng.state().recompute();
    std::vector<double> exact(eng.state().pnl(0).begin(), eng.state().pnl(0).end());
    for (std::uint64_t k = 1; k < engine::recompute_every; ++k) eng.apply({0, dax, k % 2 ? px * 1.001 : px, 0, 0, {}});
    const auto before = eng.state().pnl(0);
    double drift = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) drift = std::max(drift, std::abs(before[i] - exact[i]));
    eng.apply({0, dax, px, 0, 0, {}}); // update 2^20, at the starting price: the exact state again
    const auto after = eng.state().pnl(0);
    for (std::size_t i = 0; i < exact.size(); ++i) CHECK(after[i] == exact[i]); // rebuilt in the same order: bit for bit
    CHECK(drift > 0); // there was drift to remove (deterministic: same ticks every run)
}

TEST_CASE("malformed, unknown or misdirected tick lines are rejected with their line; the rest are applied") {
    engine eng(demo_book());
    const std::string path = "rtrisk_live_bad_ticks.ndjson";
    {
        std::ofstream f(path);
        f << R"({"symbol": "DAX", "price": 5000.5})" << "\n"
          << R"({"symbol": "NOPE", "price": 1})" << "\n"
          << R"({"symbol": "SMI", "price": -3})" << "\n"
          << R"({"symbol": "SMI" "price": 3})" << "\n"
          << R"({"symbol": "CAC", "price": 4000.25})" << "\n"
          << R"({"symbol": "EQ001", "price": 80, "quantity": 5})" << "\n"              // held at two nodes
          << R"({"symbol": "DAX 5200 P 2027-03-19", "price": 80})" << "\n"             // an option's price is the model's
          << R"({"symbol": "DAX", "price": 5000, "quantity": 1, "node": "BANK/x"})" << "\n" // another root
          << R"({"symbol": "EQ002", "price": 43, "quantity": 5, "node": "FIRM/New/zoe"})" << "\n";
    }
    file_source src(path, eng.symbol_index());
    std::vector<tick> batch;
    std::vector<std::string> applied_errors;
    while (src.next(batch, 100)) {
        for (const auto& t : batch) {
            try {
                eng.apply(t);
            } catch (const std::invalid_argument& e) {
                applied_errors.push_back(src.where(t) + ": " + e.what());
            }
        }
        batch.clear();
    }
    std::vector<std::string> rejects;
    CHECK(src.take_rejects(rejects) == 3);
    REQUIRE(rejects.size() == 3);
    CHECK(rejects[0] == path + ":2: unknown symbol 'NOPE'");
    CHECK(rejects[1].find(":3: price") != std::string::npos);
    CHECK(rejects[2].find(":4: malformed JSON tick") != std::string::npos);
    REQUIRE(applied_errors.size() == 3);
    CHECK(applied_errors[0] == path + ":6: a trade on 'EQ001' needs a node: 2 nodes hold it");
    CHECK(applied_errors[1] == path + ":7: 'DAX 5200 P 2027-03-19' is an option: its price comes from its underlying, not a tick");
    CHECK(applied_errors[2] == path + ":8: node: node path 'BANK' has root 'BANK', the book's root is 'FIRM'");
    CHECK(eng.ticks() == 3);
    const auto& st = eng.state();
    CHECK(st.spots()[st.find_underlying("CAC")] == 4000.25);
    const auto zoe = st.find_node("FIRM/New/zoe");
    REQUIRE(zoe != rtrisk::book_state::npos); // a trade at a new node opens a position there
    CHECK(st.positions()[st.find_position(zoe, st.find_contract("EQ002"))].quantity == 5);
    CHECK(st.find_node("BANK") == rtrisk::book_state::npos); // nothing half-added
    std::remove(path.c_str());
}

TEST_CASE("book files: every refusal names file, line and field; nothing is half-loaded") {
    const std::string H = "node,symbol,quantity,price,multiplier,type,underlying,strike,expiry,vol\n";
    const std::string f = "rtrisk_test_positions.csv";
    CHECK(book_refusal(H + "FIRM/a,DAX,10,5000,,,,,,\n") == "");
    CHECK(book_refusal("node,symbol,qty,price\nFIRM/a,DAX,10,5000\n") == f + ":1: unknown column 'qty'");
    CHECK(book_refusal("node,symbol,price\nFIRM/a,DAX,5000\n") == f + ":2: field 'quantity' is missing");
    CHECK(book_refusal(H + "FIRM/a,DAX,1e400,5000,,,,,,\n") == f + ":2: field 'quantity': '1e400' is not a finite number");
    CHECK(book_refusal(H + "FIRM/a,DAX,10,abc,,,,,,\n") == f + ":2: field 'price': 'abc' is not a finite number");
    CHECK(book_refusal(H + "FIRM/a,DAX,10,-5,,,,,,\n") == f + ":2: field 'price': -5 is not in (0, 1e15]");
    CHECK(book_refusal(H + "FIRM/a,NOPE,10,5,,,,,,\n") ==
          f + ":2: field 'symbol': 'NOPE' has no column in " + data_dir + "/eu_stock_markets.csv and no proxy (--proxies)");
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,put,NOPE,100,2027-01-01,0.2\n").find(":2: field 'underlying': 'NOPE' has no column") != std::string::npos);
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,put,DAX,100,2026-11-30,0.2\n") == f + ":2: field 'expiry': 2026-11-30 is before the valuation date");
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,put,DAX,100,2026-13-01,0.2\n") == f + ":2: field 'expiry': '2026-13-01' is not an ISO date (YYYY-MM-DD)");
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,put,DAX,0,2027-01-01,0.2\n") == f + ":2: field 'strike': 0 is not in (0, 1e15]");
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,put,DAX,100,2027-01-01,-0.2\n") == f + ":2: field 'vol': -0.2 is not in (0, 10]");
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,straddle,DAX,100,2027-01-01,0.2\n") == f + ":2: field 'type': 'straddle' is not call or put");
    CHECK(book_refusal(H + "FIRM/a,DAX,1,5,,,,100,,\n") == f + ":2: field 'strike' is given but 'type' is not (a linear position)");
    CHECK(book_refusal(H + "FIRM/a,DAX,1,5,,,,,,\nBANK/b,SMI,1,5,,,,,,\n") == f + ":3: field 'node': node path 'BANK' has root 'BANK', the book's root is 'FIRM'");
    CHECK(book_refusal(H + "FIRM//a,DAX,1,5,,,,,,\n") == f + ":2: field 'node': node path 'FIRM//a' has an empty segment");
    CHECK(book_refusal(H + "FIRM/a,DAX,1,5,,,,,,\nFIRM/a,DAX,2,5,,,,,,\n") == f + ":3: field 'symbol': 'DAX' appears twice at node 'FIRM/a'");
    CHECK(book_refusal(H + "FIRM/a,DAX,1,5,,,,,\n") == f + ":2: expected 10 fields, got 9");
    CHECK(book_refusal(H) == f + ": no positions");
    CHECK(book_refusal(H + "FIRM/a,X,1,5,,put,DAX,100,2027-01-01,0.2\nFIRM/b,X,1,5,,put,DAX,110,2027-01-01,0.2\n") ==
          f + ":3: field 'symbol': option 'X' appears with other terms (type, underlying, strike, expiry or vol) on an earlier line");
    SUBCASE("BOM, CRLF, quoted fields and JSON Lines are accepted") {
        CHECK(book_refusal("\xEF\xBB\xBFnode,symbol,quantity,price\r\n\"FIRM/a\",DAX,10,5000\r\n") == "");
        const auto j = write("rtrisk_test_positions.jsonl", "{\"node\":\"FIRM/a\",\"symbol\":\"DAX\",\"quantity\":10,\"price\":5000}\n"
                                                            "{\"node\":\"FIRM/b\",\"symbol\":\"X\",\"quantity\":-1,\"price\":50,\"type\":\"call\","
                                                            "\"underlying\":\"DAX\",\"strike\":5500,\"expiry\":\"2027-06-18\",\"vol\":0.2}\n");
        const auto b = load_book({j, data_dir + "/eu_stock_markets.csv", "", 200}, demo_market());
        CHECK(b.state.nodes().size() == 3);
        CHECK(b.state.positions().size() == 2);
        CHECK(b.state.contracts()[b.state.find_contract("X")].expiry == doctest::Approx(199.0 / 365)); // ACT/365F from 2026-12-01
        const auto bad = write("rtrisk_test_positions.jsonl", "{\"node\":\"FIRM/a\",\"symbol\":\"DAX\",\"quantity\":[1],\"price\":5000}\n");
        CHECK_THROWS_WITH_AS(load_book({bad, data_dir + "/eu_stock_markets.csv", "", 200}, demo_market()),
                             (bad + ":1: field 'quantity' must be a string or a number, got [1]").c_str(), book_error);
        std::remove(j.c_str());
    }
    SUBCASE("scenarios: the last 500, or every return of a shorter history; too short is an error") {
        std::string hist = "day,DAX\n";
        for (int i = 0; i < 151; ++i) hist += std::to_string(i) + "," + std::to_string(5000 + (i % 7) * 10) + "\n";
        write("rtrisk_test_history.csv", hist);
        write(f, H + "FIRM/a,DAX,10,5000,,,,,,\n");
        auto market = demo_market();
        market.dividends = {{"DAX", 0.02}}; // only DAX in this history
        CHECK(load_book({f, "rtrisk_test_history.csv", "", 0}, market).state.scenario_count() == 150);
        CHECK(load_book({data_dir + "/demo_book.csv", data_dir + "/eu_stock_markets.csv", data_dir + "/demo_proxies.csv", 0}, demo_market())
                  .state.scenario_count() == 500);
        CHECK_THROWS_WITH_AS(load_book({f, "rtrisk_test_history.csv", "", 200}, market),
                             "rtrisk_test_history.csv: 150 daily returns, fewer than the 200 scenarios asked (--scenarios)", book_error);
        write("rtrisk_test_history.csv", "day,DAX\n1,5000\n2,5010\n");
        CHECK_THROWS_WITH_AS(load_book({f, "rtrisk_test_history.csv", "", 0}, market),
                             "rtrisk_test_history.csv: 1 daily returns, fewer than the 100 needed for VaR 99 %", book_error);
        std::remove("rtrisk_test_history.csv");
    }
    SUBCASE("proxies") {
        const std::string P = "symbol,proxy,beta,price\n";
        CHECK(book_refusal(H + "FIRM/a,ACME,10,50,,,,,,\n", P + "ACME,DAX,1.2,\n") == "");
        CHECK(book_refusal(H + "FIRM/a,ACME,10,50,,,,,,\n", P + "ACME,NOPE,1.2,\n") ==
              "rtrisk_test_proxies.csv:2: field 'proxy': 'NOPE' is not a column of " + data_dir + "/eu_stock_markets.csv");
        CHECK(book_refusal(H + "FIRM/a,ACME,10,50,,,,,,\n", P + "ACME,DAX,x,\n") == "rtrisk_test_proxies.csv:2: field 'beta': 'x' is not a finite number");
        CHECK(book_refusal(H + "FIRM/a,ACME,10,50,,,,,,\n", P + "DAX,SMI,1,\n") == "rtrisk_test_proxies.csv:2: field 'symbol': 'DAX' has its own history column");
        // Its current price: the proxies file's, else the first linear position's entry price, never an option premium.
        CHECK(book_refusal(H + "FIRM/a,C1,1,7.5,,call,ACME,50,2027-06-18,0.3\n", P + "ACME,DAX,1.2,\n") ==
              f + ":2: field 'underlying': 'ACME' follows a proxy but has no price: give one in rtrisk_test_proxies.csv (no linear position holds it)");
        write("rtrisk_test_positions.csv", H + "FIRM/a,C1,1,7.5,,call,ACME,50,2027-06-18,0.3\nFIRM/b,ACME,10,48,,,,,,\n");
        write("rtrisk_test_proxies.csv", P + "ACME,DAX,1.2,\n");
        CHECK(load_book({f, data_dir + "/eu_stock_markets.csv", "rtrisk_test_proxies.csv", 200}, demo_market())
                  .state.spots()[static_cast<std::size_t>(4)] == 48);
        // A proxied symbol's scenarios are beta x its proxy's returns.
        write("rtrisk_test_positions.csv", H + "FIRM/a,ACME,10,50,,,,,,\n");
        write("rtrisk_test_proxies.csv", P + "ACME,DAX,1.5,60\n");
        const auto b = load_book({f, data_dir + "/eu_stock_markets.csv", "rtrisk_test_proxies.csv", 200}, demo_market());
        const auto u = b.state.find_underlying("ACME"), dax = b.state.find_underlying("DAX");
        CHECK(b.state.spots()[u] == 60);
        CHECK((b.state.scenarios().col(static_cast<Eigen::Index>(u)) - 1.5 * b.state.scenarios().col(static_cast<Eigen::Index>(dax))).cwiseAbs().maxCoeff() == 0);
        std::remove("rtrisk_test_proxies.csv");
    }
    std::remove(f.c_str());
}

TEST_CASE("the publish schedule: fixed rate without bursts, slower parts in half-slot refreshes at their rates, low latency on a ready client") {
    using clock = publish_schedule::clock;
    const auto t0 = clock::time_point{} + std::chrono::hours(1);
    using std::chrono::milliseconds;
    publish_schedule s(10, 2, false, t0);
    int published = 0, positions = 0, methods = 0, refreshes = 0, headline_with_positions = 0;
    std::vector<int> refresh_ms;
    for (int ms = 0; ms < 10'000; ms += 5) { // 10 s of polls every 5 ms
        const auto d = s.poll(t0 + milliseconds(ms), ms, true);
        published += d.publish;
        positions += d.publish && d.parts.positions;
        methods += d.publish && d.parts.var_methods;
        refreshes += d.refresh;
        headline_with_positions += d.publish && !d.refresh && d.parts.positions;
        CHECK((!d.refresh || (d.publish && d.parts.positions && !d.parts.var_methods)));
        if (d.refresh) refresh_ms.push_back(ms);
    }
    // 100 slots; positions with the first, then in a refresh of their own half a period after
    // every 5th slot (2 Hz): 500 + 50 ms, 1000 + 50 ms, ...
    CHECK(published == 119);
    CHECK(positions == 20);
    CHECK(headline_with_positions == 1);
    CHECK(refreshes == 19);
    CHECK(methods == 10);
    REQUIRE(refresh_ms.size() == 19);
    for (std::size_t i = 0; i < refresh_ms.size(); ++i) CHECK(refresh_ms[i] == 550 + 500 * static_cast<int>(i));
    // A refresh is due before the next slot: sleeping until next_due() does not miss it.
    publish_schedule half(10, 2, false, t0);
    for (int ms = 0; ms <= 500; ms += 100) CHECK(half.poll(t0 + milliseconds(ms), ms, false).publish);
    CHECK(half.next_due() == t0 + milliseconds(550));
    CHECK(half.next_slot() == t0 + milliseconds(600));
    // At positions_hz == publish_hz the parts ride in every slot, with no refresh.
    publish_schedule every(10, 10, false, t0);
    for (int ms = 0; ms < 1'000; ms += 5) {
        const auto d = every.poll(t0 + milliseconds(ms), ms, false);
        CHECK_FALSE(d.refresh);
        if (d.publish) CHECK(d.parts.positions);
    }
    // After a 3 s stall the next slot is one period later, not 30 publications at once.
    CHECK(s.poll(t0 + milliseconds(13'000), 0, false).publish);
    CHECK_FALSE(s.poll(t0 + milliseconds(13'001), 0, false).publish);
    CHECK(s.poll(t0 + milliseconds(13'100), 0, false).publish);
    publish_schedule fast(10, 2, true, t0);
    CHECK(fast.poll(t0, 1, false).publish); // the first slot
    CHECK(fast.poll(t0 + milliseconds(2), 2, true).publish);        // a ready client and a newer tick
    CHECK_FALSE(fast.poll(t0 + milliseconds(4), 2, true).publish);  // no newer tick
    CHECK_FALSE(fast.poll(t0 + milliseconds(5), 3, false).publish); // no ready client
    // Low-latency publications do not refresh the slower parts: those follow the fixed slots.
    int early_positions = 0, early_methods = 0;
    for (int ms = 6; ms < 100; ++ms) {
        const auto d = fast.poll(t0 + milliseconds(ms), ms, true);
        CHECK(d.publish);
        early_positions += d.parts.positions;
        early_methods += d.parts.var_methods;
    }
    CHECK(early_positions == 0);
    CHECK(early_methods == 0);
}

TEST_CASE("the simulator's drift and volatility are time-consistent (drift h mu, variance h sigma^2 per step)") {
    // One column of real returns (the DAX); h = 1/2000 day per step.
    const auto t = rtrisk_examples::read_csv(data_dir + "/eu_stock_markets.csv");
    const Eigen::MatrixXd R = rtrisk::returns_from_prices(t.values).leftCols(1);
    const double mu = R.mean(), var = (R.array() - mu).square().mean(), h = 1.0 / 2000;
    simulator sim({1000.0}, R, {}, 0, h, 5);
    std::vector<tick> b;
    double prev = 1000.0, sum = 0, sum2 = 0;
    const int steps = 400'000;
    for (int done = 0; done < steps; done += 10'000) {
        b.clear();
        sim.next(b, 10'000);
        REQUIRE(b.size() == 10'000);
        for (const auto& k : b) {
            const double r = k.price / prev - 1;
            prev = k.price;
            sum += r;
            sum2 += r * r;
        }
    }
    const double mean = sum / steps, v = sum2 / steps - mean * mean;
    // The mean step is h mu; its standard error is sqrt(h var / steps) (~3.4e-7 here), and a
    // drift scaled like the volatility (sqrt(h) mu, the old simulator) would be ~45 x h mu.
    CHECK(std::abs(mean - h * mu) <= 5 * std::sqrt(h * var / steps));
    CHECK(v == doctest::Approx(h * var).epsilon(0.05)); // sampling error of a variance over 4e5 fat-tailed draws
}

TEST_CASE("a catch-up delta equals applying every skipped delta in turn") {
    publisher pub(100);
    recent_publications recent;
    std::vector<publication_ptr> pubs;
    for (int v = 0; v < 6; ++v) {
        nlohmann::json d = {{"total_pnl", 10.0 * v}, {"var_99", 5.0 + (v % 2)}, {"constant", 1}, {"list", {v / 3}}};
        pubs.push_back(pub.next(d, 1000 + v, (100 + v) * 1000));
        recent.push(pubs.back());
    }
    // The client holds version 2: replay deltas 3..6 by hand.
    nlohmann::json state = nlohmann::json::parse(pubs[1]->snapshot_body);
    for (std::size_t i = 2; i < pubs.size(); ++i) {
        auto changes = nlohmann::json::parse(pubs[i]->delta_body);
        for (const auto& pt : changes["history_append"]) state["history"].push_back(pt);
        changes.erase("history_append");
        state.update(changes);
    }
    nlohmann::json caught = nlohmann::json::parse(pubs[1]->snapshot_body);
    auto body = recent.catch_up(2);
    REQUIRE(body);
    auto changes = nlohmann::json::parse(*body);
    for (const auto& pt : changes["history_append"]) caught["history"].push_back(pt);
    changes.erase("history_append");
    CHECK_FALSE(changes.contains("constant")); // never changed: not sent
    caught.update(changes);
    CHECK(caught == state);
    CHECK(caught == nlohmann::json::parse(pubs.back()->snapshot_body));
    CHECK(recent.catch_up(2) == body);            // shared by every client starting at version 2
    CHECK(recent.catch_up(6) == nullptr);         // already current
    for (int v = 0; v < 40; ++v) recent.push(pub.next({{"total_pnl", v}}, 0, 0));
    CHECK(recent.catch_up(2) == nullptr);         // too far behind: the caller sends a snapshot
}

TEST_CASE("a part left out of a snapshot keeps its last value in the publication") {
    publisher pub(10);
    auto a = pub.next({{"var_99", 1.0}, {"greeks", {1, 2}}}, 0, 0);
    auto b = pub.next({{"var_99", 2.0}}, 0, 0);
    const auto full = nlohmann::json::parse(b->snapshot_body);
    CHECK(full["greeks"] == nlohmann::json({1, 2}));
    CHECK_FALSE(nlohmann::json::parse(b->delta_body).contains("greeks"));
}

TEST_CASE("the wire's nodes are every node's figures rounded to cents, without top contributors, written as the JSON library would") {
    using nlohmann::json;
    engine eng(demo_book());
    auto snap = eng.snapshot();
    snap.nodes[1].path = "FIRM/\"quoted\"\\back\tslash"; // escaped by the library
    snap.nodes[2].vega = std::numeric_limits<double>::quiet_NaN(); // null, as nlohmann writes it
    const auto wire = json::parse(nodes_json(snap.nodes));
    REQUIRE(wire.size() == snap.nodes.size());
    for (std::size_t n = 0; n < snap.nodes.size(); ++n) {
        auto expected = detail::node_json(snap.nodes[n], detail::cents); // the report's encoding, rounded
        expected.erase("top_contributors");
        CHECK(wire[n] == json::parse(expected.dump())); // through text: a NaN is null on both sides
    }
    CHECK_FALSE(snap.nodes[0].top_contributors.empty()); // the snapshot still holds them: GET /api/risk reports them
    CHECK(wire[1]["path"] == snap.nodes[1].path);
    CHECK(wire[2]["vega"].is_null());
    publisher pub(10);
    const auto p = pub.next({{"var_99", 1.0}}, 0, 0, std::nullopt, {{"nodes", nodes_json(snap.nodes)}});
    CHECK(json::parse(p->snapshot_body)["nodes"] == wire);
    CHECK(json::parse(p->delta_body)["nodes"] == wire);
    CHECK_FALSE(json::parse(pub.next({{"var_99", 1.0}}, 0, 0, std::nullopt, {{"nodes", nodes_json(snap.nodes)}})->delta_body).contains("nodes"));
}

TEST_CASE("positions travel as columns; a delta carries only the rows that changed, and applied they give the new columns") {
    using nlohmann::json;
    const char* values[] = {"quantity", "price", "market_value", "pnl", "component_var", "delta"};
    const auto table = [](std::vector<std::string> nodes, std::vector<double> pnl) {
        std::vector<position_risk> rows;
        for (std::size_t r = 0; r < nodes.size(); ++r) rows.push_back({nodes[r], "S" + std::to_string(r), "linear", 1, 1.0000004, 1, pnl[r], 1, 1});
        return position_columns_of(rows);
    };
    // The client's side of docs/protocol.md: patch the changed rows, append the new ones.
    const auto patch = [&](json held, const json& rows) {
        const std::size_t old = held["node"].size();
        for (auto it = held.begin(); it != held.end(); ++it) {
            const auto& col = rows.at(it.key());
            if (std::find(std::begin(values), std::end(values), it.key()) != std::end(values)) {
                for (std::size_t i = 0; i < rows["index"].size(); ++i) {
                    const auto r = rows["index"][i].get<std::size_t>();
                    if (r < old) (*it)[r] = col[i];
                    else it->push_back(col[i]);
                }
            } else {
                for (const auto& v : col) it->push_back(v);
            }
        }
        return held;
    };
    const auto whole = [](const position_columns& c) { return json::parse(columns_json(c)); };
    publisher pub(10);
    const auto t1 = table({"A", "A", "B", "C"}, {1, 2, 3, 4});
    const auto p1 = pub.next({{"var_99", 1.0}}, 0, 0, t1);
    const auto s1 = json::parse(p1->snapshot_body)["positions"];
    CHECK(s1 == whole(t1));
    CHECK(s1["node"] == json({"A", "A", "B", "C"}));
    CHECK(s1["price"][0] == 1.0); // rounded to 1e-6 as the wire shows prices
    const auto t2 = table({"A", "A", "B", "C"}, {1, 20, 3, 40.004}); // rows 1 and 3 changed
    const auto p2 = pub.next({{"var_99", 1.0}}, 0, 0, t2);
    auto d2 = json::parse(p2->delta_body);
    CHECK_FALSE(d2.contains("positions"));
    REQUIRE(d2.contains("positions_rows"));
    CHECK(d2["positions_rows"]["index"] == json({1, 3}));
    CHECK(d2["positions_rows"]["pnl"] == json({20.0, 40.0})); // cents
    CHECK(d2["positions_rows"]["node"] == json::array()); // node, symbol, type: appended rows only
    CHECK(d2["positions_rows"]["count"] == 4);
    CHECK(patch(s1, d2["positions_rows"]) == whole(t2));
    CHECK(p2->changed == std::vector<std::string>{"positions"}); // a catch-up delta sends it whole
    CHECK(json::parse(p2->snapshot_body)["positions"] == whole(t2));
    const auto t3 = table({"A", "A", "B", "C", "D\"q"}, {1, 20, 3, 40, 5}); // a new row (a trade opened a position), a name to escape
    auto d3 = json::parse(pub.next({{"var_99", 1.0}}, 0, 0, t3)->delta_body);
    CHECK(d3["positions_rows"]["index"] == json({4}));
    CHECK(d3["positions_rows"]["node"] == json({"D\"q"}));
    CHECK(patch(whole(t2), d3["positions_rows"]) == whole(t3));
    CHECK_FALSE(json::parse(pub.next({{"var_99", 1.0}}, 0, 0, t3)->delta_body).contains("positions_rows")); // nothing changed
    CHECK(json::parse(pub.next({{"var_99", 2.0}}, 0, 0)->snapshot_body)["positions"] == whole(t3)); // not refreshed: kept
    const auto t4 = table({"A", "B", "B", "C", "D"}, {1, 20, 3, 40, 5}); // an old row's node changed: sent whole
    auto d4 = json::parse(pub.next({{"var_99", 2.0}}, 0, 0, t4)->delta_body);
    CHECK_FALSE(d4.contains("positions_rows"));
    CHECK(d4["positions"] == whole(t4));
    const auto t5 = table({"A", "B"}, {1, 20}); // fewer rows: sent whole
    CHECK(json::parse(pub.next({{"var_99", 2.0}}, 0, 0, t5)->delta_body)["positions"] == whole(t5));
}

TEST_CASE("a what-if equals the risk of the book with the trades booked, computed offline, and changes nothing") {
    engine eng(demo_book());
    const auto& st = eng.state();
    const auto before = eng.snapshot();
    const double dax = st.spots()[st.find_underlying("DAX")];
    // a linear trade on an existing position, an option trade at a price off its model value,
    // a trade opening a position at a new node, and two trades on one position
    const std::vector<what_if_trade> trades{{"FIRM/Equities/Europe/alice", "DAX", 15, std::nullopt},
                                            {"FIRM/Derivatives/Index/erin", "DAX 5200 P 2027-03-19", -4, 60.0},
                                            {"FIRM/Equities/UK/newbie", "SMI", -30, std::nullopt},
                                            {"FIRM/Equities/Europe/alice", "DAX", -5, dax * 1.01}};
    const auto answer = eng.what_if(trades);
    // the book after: the same trades applied to a copy (a trade moves no price here)
    engine after = eng;
    for (const auto& t : trades) {
        tick k;
        k.instrument = eng.symbol_index().at(t.symbol);
        k.quantity = t.quantity;
        k.price = t.price.value_or(st.unit_greeks(k.instrument).price);
        k.node = t.node;
        k.sets_spot = false;
        after.apply(k);
    }
    const auto& sa = after.state();
    const auto totals = sa.node_totals();
    std::set<std::string> expected{"FIRM", "FIRM/Equities", "FIRM/Equities/Europe", "FIRM/Equities/Europe/alice", "FIRM/Derivatives",
                                   "FIRM/Derivatives/Index", "FIRM/Derivatives/Index/erin", "FIRM/Equities/UK", "FIRM/Equities/UK/newbie"};
    std::set<std::string> got;
    std::size_t depth = 99;
    for (const auto& r : answer) {
        CAPTURE(r.path);
        got.insert(r.path);
        CHECK(r.depth <= depth); // deepest first
        depth = r.depth;
        const auto n = sa.find_node(r.path);
        REQUIRE(n != rtrisk::book_state::npos);
        const Eigen::VectorXd offline = offline_pnl(sa, n); // full revaluation of the positions below n
        CHECK(r.var_99_after == doctest::Approx(rtrisk::historical_var(offline, 0.99)).epsilon(1e-9));
        CHECK(r.es_975_after == doctest::Approx(rtrisk::historical_es(offline, 0.975)).epsilon(1e-9));
        CHECK(r.gross_exposure_after == doctest::Approx(totals[n].gross_exposure).epsilon(1e-12));
        CHECK(r.net_delta_after == doctest::Approx(totals[n].net_delta).epsilon(1e-12));
        CHECK(r.vega_after == doctest::Approx(totals[n].vega).epsilon(1e-12));
        CHECK(r.pnl_after == doctest::Approx(totals[n].pnl).epsilon(1e-9));
        CHECK(r.exists == (r.path != "FIRM/Equities/UK/newbie"));
        if (r.exists) {
            const auto& b = *std::find_if(before.nodes.begin(), before.nodes.end(), [&](const node_risk& x) { return x.path == r.path; });
            CHECK(r.var_99_before == b.var_99);
            CHECK(r.es_975_before == b.es_975);
            CHECK(r.gross_exposure_before == doctest::Approx(b.gross_exposure).epsilon(1e-12));
        } else {
            CHECK(r.var_99_before == 0);
        }
    }
    CHECK(got == expected);
    // nothing changed
    const auto again = eng.snapshot();
    for (std::size_t n = 0; n < again.nodes.size(); ++n) CHECK(again.nodes[n].var_99 == before.nodes[n].var_99);
    CHECK(st.positions().size() == eng.state().positions().size());
}

TEST_CASE("what-if refusals name the trade and the field") {
    engine eng(demo_book());
    const auto refusal = [&](what_if_trade t) {
        try {
            eng.what_if(std::vector<what_if_trade>{{"FIRM/Equities/Europe/alice", "DAX", 1, std::nullopt}, std::move(t)});
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(refusal({"FIRM/x", "NOPE", 1, std::nullopt}).starts_with("trades[1].symbol: unknown symbol 'NOPE'"));
    CHECK(refusal({"OTHER/x", "DAX", 1, std::nullopt}).starts_with("trades[1].node: 'OTHER/x' is not under the book's root"));
    CHECK(refusal({"FIRM//x", "DAX", 1, std::nullopt}).starts_with("trades[1].node:"));
    CHECK(refusal({"", "DAX", 1, std::nullopt}).starts_with("trades[1].node:"));
    CHECK(refusal({"FIRM/x", "DAX", 0, std::nullopt}).starts_with("trades[1].quantity: 0"));
    CHECK(refusal({"FIRM/x", "DAX", std::nan(""), std::nullopt}).starts_with("trades[1].quantity:"));
    CHECK(refusal({"FIRM/x", "DAX", 1, -5.0}).starts_with("trades[1].price: -5"));
    CHECK(refusal({"FIRM/x", "DAX", 1e9, std::nullopt}) == "accepted");
    // 300 trades of 1e9 DAX (~5,000 each) at one node: a position worth more than 1e15
    const std::vector<what_if_trade> many(300, what_if_trade{"FIRM/x", "DAX", 1e9, std::nullopt});
    CHECK_THROWS_WITH_AS(eng.what_if(many), doctest::Contains("bounds 1e12 and 1e15"), std::invalid_argument);
    const std::vector<what_if_trade> too_many(engine::max_what_if_trades + 1, what_if_trade{"FIRM/x", "DAX", 1, std::nullopt});
    CHECK_THROWS_WITH_AS(eng.what_if(too_many), doctest::Contains("more than 1000 trades"), std::invalid_argument);
}

TEST_CASE("a node's detail: Greeks and stress of its positions, the tail scenarios at its VaR, the histogram, the top contributors") {
    engine eng(demo_book());
    const auto& st = eng.state();
    const std::string path = "FIRM/Derivatives";
    const auto d = eng.detail_of(path);
    const auto n = st.find_node(path);
    const Eigen::VectorXd offline = offline_pnl(st, n);
    CHECK(d.var_99 == doctest::Approx(rtrisk::historical_var(offline, 0.99)).epsilon(1e-9));
    CHECK(d.scenarios == 400);
    // the tail: the worst scenarios, worst first, down to the VaR's; their P&L are the node's
    std::vector<double> sorted(offline.data(), offline.data() + offline.size());
    std::sort(sorted.begin(), sorted.end());
    const auto rank = rtrisk::detail::quantile_position(sorted.size(), 0.01, rtrisk::quantile_method::linear);
    REQUIRE(d.tail.size() == rank.hi + 1);
    for (std::size_t i = 0; i < d.tail.size(); ++i) {
        CHECK(d.tail[i].pnl == doctest::Approx(sorted[i]).epsilon(1e-9));
        CHECK(d.tail[i].pnl == doctest::Approx(offline(static_cast<Eigen::Index>(d.tail[i].scenario))).epsilon(1e-9));
    }
    // VaR 99 is the linear interpolation between the two tail scenarios at its rank
    CHECK(-((1 - rank.frac) * d.tail[rank.lo].pnl + rank.frac * d.tail[rank.hi].pnl) == doctest::Approx(d.var_99).epsilon(1e-9));
    // labels: the history's first column on the day each return ends (the history's last 400 rows)
    CHECK(d.tail[0].label == std::to_string(1860 - 400 + 1 + d.tail[0].scenario));
    // histogram: every scenario once, edges spanning min to max
    CHECK(std::accumulate(d.bin_counts.begin(), d.bin_counts.end(), std::size_t{0}) == 400);
    CHECK(d.bin_edges.front() == doctest::Approx(sorted.front()));
    CHECK(d.bin_edges.back() == doctest::Approx(sorted.back()));
    // the options under the node with their own Greeks (q m x unit Greeks); Greeks by underlying add them up
    CHECK(d.options.size() == 8);
    double vega = 0;
    for (const auto& o : d.options) {
        CHECK(o.node.starts_with(path + "/"));
        const auto c = st.find_contract(o.symbol);
        const double m = st.positions()[st.find_position(st.find_node(o.node), c)].multiplier;
        CHECK(o.vega == doctest::Approx(o.quantity * m * st.unit_greeks(c).vega).epsilon(1e-12));
        CHECK(o.dollar_delta == doctest::Approx(o.quantity * m * st.unit_greeks(c).delta * st.spots()[st.contracts()[c].underlying]).epsilon(1e-12));
        vega += o.vega;
    }
    double vega_by_u = 0;
    for (const auto& g : d.greeks) vega_by_u += g.vega;
    CHECK(vega_by_u == doctest::Approx(vega).epsilon(1e-9));
    CHECK(vega == doctest::Approx(eng.snapshot().nodes[n].vega).epsilon(1e-9));
    // top contributors: at most 10, largest first, positions under the node
    CHECK(d.top_contributors.size() == 8);
    for (std::size_t i = 1; i < d.top_contributors.size(); ++i) CHECK(d.top_contributors[i - 1].component_var >= d.top_contributors[i].component_var);
    CHECK_THROWS_WITH_AS(eng.detail_of("FIRM/none"), "node: no node 'FIRM/none' in the book", std::invalid_argument);
}

TEST_CASE("a node's backtest: its positions revalued on the last 250 days of the history against the VaR of the window before each") {
    engine eng(demo_book());
    const auto& book = eng.book();
    const auto& st = eng.state();
    std::string path = "FIRM/Derivatives/Index/erin"; // options only: full revaluation
    SUBCASE("options only") {}
    SUBCASE("the whole book: stocks, proxied underlyings and options") { path = "FIRM"; }
    CAPTURE(path);
    const auto under = [&](const std::string& node) { return node == path || node.starts_with(path + "/"); };
    const auto b = eng.backtest_of(path);
    REQUIRE(b.days.size() == 250);
    CHECK(b.window == 400);
    // independently: the history's last 650 returns as a scenario matrix, the node's positions
    // fully revalued in it (stress.hpp), VaR by the core's historical_var on each window
    const Eigen::Index N = book.history_returns.rows(), rows = 650;
    rtrisk::scenario_matrix<double> R(rows, static_cast<Eigen::Index>(st.underlyings().size()));
    R.leftCols(static_cast<Eigen::Index>(book.history_columns)) = book.history_returns.bottomRows(rows);
    for (const auto& p : book.proxies) R.col(static_cast<Eigen::Index>(p.underlying)) = p.beta * book.history_returns.col(static_cast<Eigen::Index>(p.proxy)).tail(rows);
    rtrisk::derivatives_book db(st.rate());
    for (std::size_t u = 0; u < st.underlyings().size(); ++u) db.add_underlying(st.underlyings()[u], st.spots()[u], st.dividends()[u]);
    for (const auto& p : st.positions()) {
        if (!under(st.nodes()[p.node].path)) continue;
        const auto& c = st.contracts()[p.contract];
        if (c.is_option) db.add_option(c.underlying, c.kind, c.strike, c.expiry, c.vol, p.quantity, p.multiplier);
        else db.add_linear(c.underlying, p.quantity, p.multiplier);
    }
    REQUIRE(db.holdings().size() > 0);
    const Eigen::VectorXd pnl = rtrisk::full_revaluation_pnl<double>(db, R);
    std::size_t exceptions = 0;
    for (std::size_t d = 0; d < 250; ++d) {
        CAPTURE(d);
        const Eigen::VectorXd window = pnl.segment(static_cast<Eigen::Index>(d), 400);
        const double var = rtrisk::historical_var(window, 0.99);
        CHECK(b.days[d].var_99 == doctest::Approx(var).epsilon(1e-9));
        CHECK(b.days[d].pnl == doctest::Approx(pnl(400 + static_cast<Eigen::Index>(d))).epsilon(1e-9));
        CHECK(b.days[d].exception == (pnl(400 + static_cast<Eigen::Index>(d)) < -var));
        exceptions += b.days[d].exception;
    }
    CHECK(b.days.back().label == "1860"); // the history's last day
    CHECK(b.days.front().label == std::to_string(1860 - 249));
    CHECK(b.exceptions == exceptions);
    CHECK(b.kupiec_p == doctest::Approx(rtrisk::kupiec(exceptions, 250, 0.99).p_value));
    CHECK(b.traffic_light == rtrisk::to_string(rtrisk::traffic_light(exceptions, 250, 0.99)));
    // stressed VaR (Basel 2.5): the worst 250-day window of the whole history, by brute force over
    // every window of the same positions fully revalued on every history day
    rtrisk::scenario_matrix<double> all(N, static_cast<Eigen::Index>(st.underlyings().size()));
    all.leftCols(static_cast<Eigen::Index>(book.history_columns)) = book.history_returns;
    for (const auto& p : book.proxies) all.col(static_cast<Eigen::Index>(p.underlying)) = p.beta * book.history_returns.col(static_cast<Eigen::Index>(p.proxy));
    const Eigen::VectorXd full = rtrisk::full_revaluation_pnl<double>(db, all);
    double worst = -1e300;
    Eigen::Index first = 0;
    for (Eigen::Index f = 0; f + 250 <= N; ++f) {
        const double v = rtrisk::historical_var(Eigen::VectorXd(full.segment(f, 250)), 0.99);
        if (v > worst) worst = v, first = f;
    }
    REQUIRE(b.stressed);
    CHECK(b.stressed->var_99 == doctest::Approx(worst).epsilon(1e-9));
    CHECK(b.stressed->window == 250);
    CHECK(b.stressed->start == book.return_labels[static_cast<std::size_t>(first)]);
    CHECK(b.stressed->end == book.return_labels[static_cast<std::size_t>(first + 249)]);
    // the last year is one of the windows (the engine's P&L and the batch revaluation agree to rounding)
    CHECK(b.stressed->var_99 >= rtrisk::historical_var(Eigen::VectorXd(full.tail(250)), 0.99) * (1 - 1e-9));
    CHECK_THROWS_WITH_AS(eng.backtest_of("FIRM/none"), "node: no node 'FIRM/none' in the book", std::invalid_argument);
}

TEST_CASE("the root's VaR by the scenario-weighting methods equals the core's functions on its scenario P&L") {
    engine eng(demo_book());
    eng.state().set_spot(0, eng.state().spots()[0] * 1.02);
    const auto snap = eng.snapshot();
    REQUIRE(snap.var_methods);
    const auto pnl = eng.state().pnl(0);
    const auto& m = *snap.var_methods;
    CHECK(m.historical == snap.nodes[0].var_99);
    REQUIRE(m.ewma);
    CHECK(*m.ewma == doctest::Approx(rtrisk::ewma_var(pnl, 0.99, live_ewma_decay)).epsilon(1e-14));
    REQUIRE(m.filtered_historical);
    CHECK(*m.filtered_historical == doctest::Approx(rtrisk::filtered_historical_var(pnl, 0.99, live_ewma_decay)).epsilon(1e-14));
    REQUIRE(m.age_weighted);
    CHECK(*m.age_weighted == rtrisk::age_weighted_var(pnl, 0.99, live_age_decay));
    const auto wire = to_wire(snap);
    CHECK(std::abs(wire["var_methods"]["ewma"].get<double>() - *m.ewma) <= 0.005); // cents
    // 100 scenarios leave 70 after the filter's 30 seed days: too few for VaR 99, so absent (null on the wire)
    engine few(demo_book(100));
    const auto s100 = few.snapshot();
    CHECK_FALSE(s100.var_methods->filtered_historical.has_value());
    CHECK(s100.var_methods->ewma.has_value());
    CHECK(to_wire(s100)["var_methods"]["filtered_historical"].is_null());
}

TEST_CASE("P&L explain since the start of the day: delta and gamma on the opening Greeks, trades apart, a new UTC day starts again") {
    engine eng(demo_book());
    const auto& st = eng.state();
    const auto start = eng.snapshot();
    const double pnl0 = start.nodes[0].pnl;
    const auto dax = eng.symbol_index().at("DAX");
    const std::int64_t day1 = 20'000 * engine::us_per_day + 9 * 3'600'000'000LL; // 09:00 UTC on a day
    const double s0 = st.spots()[st.contracts()[dax].underlying];
    const auto units_before = st.positions_of(dax).empty() ? 0.0 : 0.0;
    (void)units_before;
    std::vector<tick> batch{{day1, dax, s0 * 1.03, 0, 1, "", true}, {day1 + 1000, eng.symbol_index().at("SMI"), st.spots()[1] * 0.98, 0, 2, "", true}};
    eng.apply_batch(batch, [](const tick&, const std::exception& e) { FAIL(e.what()); });
    eng.apply({day1 + 2000, eng.symbol_index().at("CAC"), st.spots()[2] * 1.01, 10, 3, "FIRM/Equities/Europe/bob", true}); // a trade
    const auto s = eng.snapshot();
    REQUIRE(s.explain);
    REQUIRE(s.explain->size() == s.nodes.size());
    CHECK(s.explain_since_us == 0); // the day the engine started in
    const auto& root = (*s.explain)[0];
    CHECK(root.actual == doctest::Approx(s.nodes[0].pnl - pnl0).epsilon(1e-12)); // every P&L change since the start
    CHECK(root.actual == doctest::Approx(root.delta + root.gamma + root.vega + root.theta + root.trading + root.unexplained).epsilon(1e-12));
    CHECK(root.vega == 0);
    CHECK(root.theta == 0);
    CHECK(std::abs(root.unexplained) < 0.02 * std::abs(root.delta)); // 3 % moves: delta-gamma explains the options to ~1 %
    // each node is the sum of its positions' explains (book_state::explain_position)
    for (std::size_t n = 0; n < s.nodes.size(); ++n) {
        double actual = 0, delta = 0;
        for (std::size_t p = 0; p < st.positions().size(); ++p) {
            bool below = false;
            for (std::size_t k = st.positions()[p].node; k != rtrisk::book_state::npos; k = st.nodes()[k].parent) below = below || k == n;
            if (!below) continue;
            actual += st.explain_position(p).actual;
            delta += st.explain_position(p).delta;
        }
        CHECK((*s.explain)[n].actual == doctest::Approx(actual).epsilon(1e-12));
        CHECK((*s.explain)[n].delta == doctest::Approx(delta).epsilon(1e-12));
    }
    // the trade's P&L is trading, not delta: 10 CAC bought at the price it moved to has none yet
    const auto bob = st.find_node("FIRM/Equities/Europe/bob");
    CHECK((*s.explain)[bob].trading == doctest::Approx(0.0).epsilon(1e-9));
    // the next UTC day: the explain starts again from the state before its first tick
    const double pnl_day2 = s.nodes[0].pnl;
    eng.apply_batch(std::vector<tick>{{day1 + engine::us_per_day, dax, s0 * 1.01, 0, 4, "", true}},
                    [](const tick&, const std::exception& e) { FAIL(e.what()); });
    const auto s2 = eng.snapshot();
    CHECK(s2.explain_since_us == (day1 / engine::us_per_day + 1) * engine::us_per_day);
    // a refused tick or trade of a later day changes nothing, the explain's start included
    const std::int64_t day3 = day1 + 2 * engine::us_per_day;
    const auto option = eng.symbol_index().at("DAX 5200 P 2027-03-19");
    CHECK_THROWS_AS(eng.apply({day3, option, 50.0, 0, 5, "", true}), std::invalid_argument); // an option has no price tick
    CHECK_THROWS_AS(eng.apply({day3, dax, 5000.0, 1, 6, "BANK/x", true}), std::invalid_argument); // another root
    std::size_t refused = 0;
    eng.apply_batch(std::vector<tick>{{day3, option, 50.0, 0, 7, "", true}}, [&](const tick&, const std::exception&) { ++refused; });
    CHECK(refused == 1);
    CHECK(eng.explain_since_us() == s2.explain_since_us);
    CHECK((*s2.explain)[0].actual == doctest::Approx(s2.nodes[0].pnl - pnl_day2).epsilon(1e-12));
    const auto wire = to_wire(s2);
    CHECK(wire["explain"]["path"][0] == "FIRM");
    CHECK(wire["explain"]["since_us"] == s2.explain_since_us);
    CHECK(std::abs(wire["explain"]["actual"][0].get<double>() - (*s2.explain)[0].actual) <= 0.005); // cents
    // a node's detail lists its positions' explains, largest |actual| first
    const auto d = eng.detail_of("FIRM");
    REQUIRE(!d.explain.empty());
    CHECK(d.explain.size() <= engine::explain_movers);
    for (std::size_t i = 1; i < d.explain.size(); ++i) CHECK(std::abs(d.explain[i - 1].explain.actual) >= std::abs(d.explain[i].explain.actual));
}

TEST_CASE("risk by factor columns: groups per label, components summing to the root's VaR, labels one per instrument") {
    engine eng(demo_book());
    const auto s = eng.snapshot();
    REQUIRE(s.factors);
    std::set<std::string> factors;
    for (const auto& g : *s.factors) factors.insert(g.factor);
    CHECK(factors == std::set<std::string>{"sector", "country", "currency"});
    for (const auto& f : factors) {
        double comp = 0, delta = 0;
        std::size_t count = 0;
        for (const auto& g : *s.factors) {
            if (g.factor != f) continue;
            comp += g.component_var;
            delta += g.net_delta;
            count += g.positions_count;
            CHECK(g.var_99 > 0);
        }
        CHECK(comp == doctest::Approx(s.nodes[0].var_99).epsilon(1e-9)); // Euler
        CHECK(delta == doctest::Approx(s.nodes[0].net_delta).epsilon(1e-9));
        CHECK(count == s.nodes[0].positions_count);
    }
    // the EUR group's VaR is the VaR of the EUR instruments' positions, from the core's batch revaluation
    const auto& st = eng.state();
    const auto& book = eng.book();
    std::size_t cur = 0;
    while (book.factors[cur].name != "currency") ++cur;
    rtrisk::derivatives_book b(st.rate());
    for (std::size_t u = 0; u < st.underlyings().size(); ++u) b.add_underlying(st.underlyings()[u], st.spots()[u], st.dividends()[u]);
    for (const auto& p : st.positions()) {
        if (book.factors[cur].label_of_contract[p.contract] != "EUR") continue;
        const auto& c = st.contracts()[p.contract];
        if (c.is_option) b.add_option(c.underlying, c.kind, c.strike, c.expiry, c.vol, p.quantity, p.multiplier);
        else b.add_linear(c.underlying, p.quantity, p.multiplier);
    }
    const Eigen::VectorXd eur = rtrisk::full_revaluation_pnl<double>(b, st.scenarios());
    const auto g = std::find_if(s.factors->begin(), s.factors->end(), [](const factor_group& x) { return x.factor == "currency" && x.group == "EUR"; });
    REQUIRE(g != s.factors->end());
    CHECK(g->var_99 == doctest::Approx(rtrisk::historical_var(eur, 0.99)).epsilon(1e-9));
    CHECK(to_wire(s)["factors"].size() == s.factors->size());
    // refusals name the line and the field
    const std::string head = "node,symbol,quantity,price,sector\n";
    CHECK(book_refusal(head + "FIRM/a,DAX,1,5000,Index\nFIRM/b,DAX,2,5000,Banks\n") ==
          "rtrisk_test_positions.csv:3: field 'sector': 'Banks' differs from 'Index' given to 'DAX' at rtrisk_test_positions.csv:2");
    CHECK(book_refusal(head + "FIRM/a,DAX,1,5000," + std::string(65, 'x') + "\n").find("field 'sector'") != std::string::npos);
    // a book without factor columns publishes none
    const auto p = write("rtrisk_test_positions.csv", "node,symbol,quantity,price\nFIRM/a,DAX,1,5000\n");
    engine plain(load_book({p, data_dir + "/eu_stock_markets.csv", "", 200}, demo_market()));
    CHECK(plain.snapshot().factors->empty());
    // positions without a label group as (none)
    const auto q = write("rtrisk_test_positions.csv", "node,symbol,quantity,price,country\nFIRM/a,DAX,1,5000,DE\nFIRM/a,SMI,1,7000,\n");
    engine labelled(load_book({q, data_dir + "/eu_stock_markets.csv", "", 200}, demo_market()));
    const auto lf = *labelled.snapshot().factors;
    REQUIRE(lf.size() == 2);
    CHECK(lf[1].group == unlabelled);
}
