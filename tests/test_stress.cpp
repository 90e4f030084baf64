#include <doctest/doctest.h>

#include <rtrisk/monte_carlo.hpp>
#include <rtrisk/stress.hpp>
#include <rtrisk/var.hpp>

#include <cmath>
#include <random>

using rtrisk::option_kind;

namespace {
// The worked example of docs/options.md: a DAX book with a long put hedge and a short call.
rtrisk::derivatives_book example_book() {
    rtrisk::derivatives_book book(0.03);
    const auto dax = book.add_underlying("DAX", 5000.0, 0.02);
    const auto smi = book.add_underlying("SMI", 4000.0, 0.01);
    book.add_linear(dax, 10.0, 25.0);                                   // 10 futures x 25
    book.add_option(dax, option_kind::put, 4750.0, 0.25, 0.22, 10.0, 25.0);  // protective puts
    book.add_option(dax, option_kind::call, 5250.0, 0.25, 0.18, -10.0, 25.0); // covered calls
    book.add_option(smi, option_kind::call, 4000.0, 0.5, 0.20, 20.0, 10.0);
    return book;
}
} // namespace

TEST_CASE("a stress scenario reprices every position") {
    const auto book = example_book();
    const auto results = [&] {
        std::vector<rtrisk::stress_result> out;
        for (const auto& s : rtrisk::standard_scenarios()) out.push_back(rtrisk::apply(s, book));
        return out;
    }();
    REQUIRE(results.size() == 4);
    for (const auto& r : results) {
        double sum = 0;
        for (double v : r.pnl_by_holding) sum += v;
        CHECK(sum == doctest::Approx(r.pnl).epsilon(1e-12));
    }
    // The crash: futures lose 10 x 25 x 500 = 125,000 exactly; the put gains what BSM says.
    const auto& crash = results[0];
    CHECK(crash.pnl_by_holding[0] == doctest::Approx(-125000.0).epsilon(1e-14));
    const double put_after = rtrisk::bsm_price(option_kind::put, 4500.0, 4750.0, 0.25, 0.03, 0.02, 0.22);
    const double put_before = rtrisk::bsm_price(option_kind::put, 5000.0, 4750.0, 0.25, 0.03, 0.02, 0.22);
    CHECK(crash.pnl_by_holding[1] == doctest::Approx(250.0 * (put_after - put_before)).epsilon(1e-12));
    // The vol spike moves no spot: the futures do not move, the options do by more than vega x shift (convexity).
    const auto& spike = results[2];
    CHECK(spike.pnl_by_holding[0] == 0.0);
    CHECK(spike.pnl_by_holding[1] > 0.0);
    CHECK(spike.pnl_by_holding[2] < 0.0);
    SUBCASE("per-symbol moves override the market move; unknown symbols are named") {
        rtrisk::stress_scenario s{"smi_only", 0.0, {{"SMI", -0.15}}, 0.0, {}};
        const auto r = rtrisk::apply(s, book);
        CHECK(r.pnl_by_holding[0] == 0.0);
        CHECK(r.pnl_by_holding[3] < 0.0);
        s.symbol_moves = {{"CAC", -0.1}};
        CHECK_THROWS_WITH_AS(rtrisk::apply(s, book), "unknown underlying 'CAC'", std::out_of_range);
    }
}

TEST_CASE("the spot x vol grid equals scenario-by-scenario revaluation") {
    const auto book = example_book();
    std::vector<double> spot, vol;
    for (int i = -6; i <= 6; ++i) spot.push_back(0.05 * i);           // -30 % .. +30 % by 5 %
    for (double v : {-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0}) vol.push_back(v); // -50 % .. +100 %
    const auto grid = rtrisk::spot_vol_grid(book, spot, vol);
    REQUIRE(grid.shape()[0] == 13);
    REQUIRE(grid.shape()[1] == 7);
    for (std::size_t i = 0; i < spot.size(); ++i)
        for (std::size_t j = 0; j < vol.size(); ++j) {
            const double expected = book.pnl(std::vector<double>{spot[i], spot[i]}, vol[j]);
            // Sums of values ~1e5 then differences: 1e-12 relative to a 1e4 scale (1e-8 absolute).
            CHECK(grid(i, j) == doctest::Approx(expected).epsilon(1e-12).scale(1e4));
        }
    CHECK(grid(6, 2) == doctest::Approx(0.0).scale(1.0)); // no move, no shift: no P&L
    CHECK_THROWS_WITH_AS(rtrisk::spot_vol_grid(book, std::vector<double>{-1.0}, vol), "spot move -1 must be greater than -1",
                         std::invalid_argument);
}

TEST_CASE("Greeks aggregate per underlying") {
    const auto book = example_book();
    const auto g = book.greeks_by_underlying();
    const auto put = rtrisk::bsm(option_kind::put, 5000.0, 4750.0, 0.25, 0.03, 0.02, 0.22);
    const auto call = rtrisk::bsm(option_kind::call, 5000.0, 5250.0, 0.25, 0.03, 0.02, 0.18);
    CHECK(g[0].delta == doctest::Approx(250.0 + 250.0 * put.delta - 250.0 * call.delta).epsilon(1e-13));
    CHECK(g[0].dollar_delta == doctest::Approx(g[0].delta * 5000.0).epsilon(1e-15));
    CHECK(g[0].vega == doctest::Approx(250.0 * (put.vega - call.vega)).epsilon(1e-13));
    CHECK(book.total_greeks().vega == doctest::Approx(g[0].vega + g[1].vega).epsilon(1e-15));
}

TEST_CASE("full revaluation vs delta-gamma: equal for linear books, apart for options in large moves") {
    rtrisk::derivatives_book linear(0.0);
    linear.add_linear(linear.add_underlying("A", 100.0), 7.0, 3.0);
    rtrisk::scenario_matrix<double> R(3, 1);
    R << -0.2, 0.01, 0.15;
    CHECK((rtrisk::full_revaluation_pnl(linear, R) - rtrisk::delta_gamma_pnl(linear, R)).cwiseAbs().maxCoeff() < 1e-9);

    rtrisk::derivatives_book straddle(0.02); // long ATM straddle, 1 month
    const auto u = straddle.add_underlying("A", 100.0);
    straddle.add_option(u, option_kind::call, 100.0, 1.0 / 12, 0.2, 1.0);
    straddle.add_option(u, option_kind::put, 100.0, 1.0 / 12, 0.2, 1.0);
    rtrisk::scenario_matrix<double> small(1, 1), large(1, 1);
    small << 0.005;
    large << -0.25;
    const double full_small = rtrisk::full_revaluation_pnl(straddle, small)(0);
    const double dg_small = rtrisk::delta_gamma_pnl(straddle, small)(0);
    // Small move: the error is third order, O(r^3 S^3 speed) ~ 1e-4 of the P&L here.
    CHECK(dg_small == doctest::Approx(full_small).epsilon(1e-2));
    // A -25 % crash: gamma's quadratic overshoots the straddle's payoff, which is at most linear in S.
    const double full_large = rtrisk::full_revaluation_pnl(straddle, large)(0);
    const double dg_large = rtrisk::delta_gamma_pnl(straddle, large)(0);
    CHECK(dg_large > 2 * full_large);
}

TEST_CASE("historical VaR of an option book by full revaluation on real-looking scenarios") {
    const auto book = example_book();
    std::mt19937_64 gen(8);
    std::normal_distribution<double> nd(0.0, 0.012);
    rtrisk::scenario_matrix<double> R(500, 2);
    for (int t = 0; t < 500; ++t) {
        R(t, 0) = nd(gen);
        R(t, 1) = 0.5 * R(t, 0) + nd(gen);
    }
    const auto full = rtrisk::full_revaluation_pnl(book, R);
    const auto approx = rtrisk::delta_gamma_pnl(book, R);
    const double var_full = rtrisk::historical_var(full, 0.99);
    const double var_dg = rtrisk::historical_var(approx, 0.99);
    CHECK(var_full > 0);
    // Daily moves of ~1 %: delta-gamma is close, within 5 % of the full-revaluation VaR.
    CHECK(var_dg == doctest::Approx(var_full).epsilon(0.05));
}

TEST_CASE("historical replay: the worst days and a compounded period") {
    const auto book = example_book();
    std::mt19937_64 gen(9);
    std::normal_distribution<double> nd(0.0, 0.015);
    rtrisk::scenario_matrix<double> R(300, 2);
    for (Eigen::Index i = 0; i < R.size(); ++i) R.data()[i] = nd(gen);
    const auto pnl = rtrisk::full_revaluation_pnl(book, R);
    const auto worst = rtrisk::worst_days(book, R, 5);
    REQUIRE(worst.size() == 5);
    // Replaying the worst day gives the minimum scenario P&L; the list is in worsening order.
    CHECK(rtrisk::apply(worst[0], book).pnl == doctest::Approx(pnl.minCoeff()).epsilon(1e-12));
    for (std::size_t k = 1; k < worst.size(); ++k)
        CHECK(rtrisk::apply(worst[k - 1], book).pnl <= rtrisk::apply(worst[k], book).pnl);
    Eigen::Index argmin = 0;
    pnl.minCoeff(&argmin);
    CHECK(worst[0].name == "day " + std::to_string(argmin));
    // A period compounds: (1 + r1)(1 + r2)(1 + r3) - 1.
    const auto period = rtrisk::period_scenario(book, R, 10, 12, "three days");
    CHECK(period.symbol_moves.at("DAX") ==
          doctest::Approx((1 + R(10, 0)) * (1 + R(11, 0)) * (1 + R(12, 0)) - 1).epsilon(1e-15));
    CHECK_THROWS_WITH_AS(rtrisk::period_scenario(book, R, 250, 300, "x"), "period rows 250..300 are outside 0..299",
                         std::out_of_range);
}

TEST_CASE("group moves sit between the market move and per-symbol moves") {
    rtrisk::derivatives_book book(0.0);
    const auto a = book.add_underlying("A", 100.0, 0.0, "banks");
    const auto b = book.add_underlying("B", 50.0, 0.0, "banks");
    const auto c = book.add_underlying("C", 20.0, 0.0, "tech");
    for (auto u : {a, b, c}) book.add_linear(u, 1.0);
    rtrisk::stress_scenario s;
    s.name = "bank run";
    s.market_move = -0.02;
    s.group_moves = {{"banks", -0.30}};
    s.symbol_moves = {{"B", -0.50}};
    const auto r = rtrisk::apply(s, book);
    CHECK(r.pnl_by_holding[0] == doctest::Approx(-30.0));  // group move
    CHECK(r.pnl_by_holding[1] == doctest::Approx(-25.0));  // symbol move wins over its group
    CHECK(r.pnl_by_holding[2] == doctest::Approx(-0.4));   // market move
}

TEST_CASE("Monte Carlo VaR of an option book reprices every simulated scenario") {
    const auto book = example_book();
    rtrisk::vector<double> mu = rtrisk::vector<double>::Zero(2);
    rtrisk::scenario_matrix<double> cov(2, 2);
    cov << 1.44e-4, 0.6e-4, 0.6e-4, 1.0e-4;
    const auto mc = rtrisk::monte_carlo_scenarios(mu, cov, 20'000, 11);
    REQUIRE(mc.status == rtrisk::mc_status::success);
    const auto full = rtrisk::full_revaluation_pnl(book, mc.scenarios);
    const auto dg = rtrisk::delta_gamma_pnl(book, mc.scenarios);
    // Same seed, same VaR; daily-size moves keep delta-gamma within 5 % of full revaluation.
    CHECK(rtrisk::historical_var(full, 0.99) == rtrisk::historical_var(rtrisk::full_revaluation_pnl(book, mc.scenarios), 0.99));
    CHECK(rtrisk::historical_var(dg, 0.99) == doctest::Approx(rtrisk::historical_var(full, 0.99)).epsilon(0.05));
}
