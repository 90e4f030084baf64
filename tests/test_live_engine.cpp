// The streaming engine (examples/live/engine.hpp, hub.hpp): ticks from a file produce exactly the risk the
// core computes offline for the same final state, and malformed lines are rejected by number.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>

#include "live/engine.hpp"
#include "live/hub.hpp"

using namespace rtrisk_live;

namespace {
engine_config small_config() {
    engine_config c;
    c.data_path = std::string(RTRISK_DATA_DIR) + "/eu_stock_markets.csv";
    c.synthetic = 12;
    c.scenarios = 400;
    return c;
}
} // namespace

TEST_CASE("ticks replayed from a file give the risk computed offline from the final state") {
    engine eng(small_config());
    const auto symbols = eng.symbols();
    const std::string path = "rtrisk_live_ticks_test.csv";
    std::map<std::string, double> last;
    {
        std::ofstream f(path);
        f << "symbol,price,quantity\n";
        std::mt19937_64 gen(3);
        std::uniform_int_distribution<std::size_t> pick(0, symbols.size() - 1);
        std::uniform_real_distribution<double> move(0.98, 1.02);
        std::map<std::string, double> px;
        for (std::size_t i = 0; i < symbols.size(); ++i) px[symbols[i]] = eng.state().book().prices()[i];
        for (int k = 0; k < 20'000; ++k) {
            const auto& s = symbols[pick(gen)];
            px[s] *= move(gen);
            if (k % 97 == 0) f << s << "," << px[s] << ",5\n"; // a trade of 5 units
            else f << s << "," << px[s] << "\n";
            last[s] = px[s];
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
    // Every instrument's final price is the last one in the file (std::ofstream wrote 6 significant digits).
    for (const auto& [s, p] : last) CHECK(eng.state().book().prices()[eng.symbol_index().at(s)] == doctest::Approx(p).epsilon(1e-5));

    // Offline: the core from scratch on the final book: R x plus every option repriced per scenario.
    const auto& book = eng.state().book();
    const auto x = book.exposures();
    Eigen::VectorXd offline = rtrisk::portfolio_pnl(eng.state().scenarios(), rtrisk::as_vector<double>(x));
    const auto& opts = eng.options();
    const auto n_idx = static_cast<Eigen::Index>(opts.underlyings().size());
    const rtrisk::scenario_matrix<double> R_idx = eng.state().scenarios().leftCols(n_idx);
    offline += rtrisk::full_revaluation_pnl(opts, R_idx);
    const auto snap = eng.snapshot(true);
    // The snapshot rounds to cents: compare to 0.005 currency.
    CHECK(std::abs(snap["var_99"].get<double>() - rtrisk::historical_var(offline, 0.99)) <= 0.005);
    CHECK(std::abs(snap["es_975"].get<double>() - rtrisk::historical_es(offline, 0.975)) <= 0.005);
    CHECK(std::abs(snap["net_exposure"].get<double>() - book.net_exposure()) <= 0.005);
    double comp = 0;
    for (const auto& p : snap["positions"]) comp += p["component_var"].get<double>();
    CHECK(comp == doctest::Approx(snap["var_99"].get<double>()).epsilon(1e-6)); // Euler: components sum to the VaR (cent rounding)
    std::remove(path.c_str());
}

TEST_CASE("a malformed or unknown tick line is rejected with its line number; the rest are applied") {
    engine eng(small_config());
    const std::string path = "rtrisk_live_bad_ticks.ndjson";
    {
        std::ofstream f(path);
        f << R"({"symbol": "DAX", "price": 5000.5})" << "\n"
          << R"({"symbol": "NOPE", "price": 1})" << "\n"
          << R"({"symbol": "SMI", "price": -3})" << "\n"
          << R"({"symbol": "SMI" "price": 3})" << "\n"
          << R"({"symbol": "CAC", "price": 4000.25})" << "\n";
    }
    file_source src(path, eng.symbol_index());
    std::vector<tick> batch;
    while (src.next(batch, 100)) {
        for (const auto& t : batch) eng.apply(t);
        batch.clear();
    }
    std::vector<std::string> rejects;
    CHECK(src.take_rejects(rejects) == 3);
    REQUIRE(rejects.size() == 3);
    CHECK(rejects[0] == path + ":2: unknown symbol 'NOPE'");
    CHECK(rejects[1].find(":3: price") != std::string::npos);
    CHECK(rejects[2].find(":4: malformed JSON tick") != std::string::npos);
    CHECK(src.take_rejects(rejects) == 0); // taken once
    CHECK(eng.ticks() == 2);
    CHECK(eng.state().book().prices()[eng.symbol_index().at("CAC")] == 4000.25);
    std::remove(path.c_str());
}

TEST_CASE("a catch-up delta equals applying every skipped delta in turn") {
    publisher pub(100);
    recent_publications recent;
    std::vector<publication_ptr> pubs;
    for (int v = 0; v < 6; ++v) {
        nlohmann::json d = {{"total_pnl", 10.0 * v}, {"var_99", 5.0 + (v % 2)}, {"constant", 1}, {"list", {v / 3}}};
        pubs.push_back(pub.next(d, 1000 + v, 100 + v));
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
