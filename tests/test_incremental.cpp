#include <doctest/doctest.h>

#include <rtrisk/expected_shortfall.hpp>
#include <rtrisk/incremental.hpp>
#include <rtrisk/var.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace {
template <class Real>
rtrisk::basic_incremental_state<Real> make_state(int t, int n, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> nd(0.0, 0.015);
    rtrisk::scenario_matrix<Real> R(t, n);
    for (int j = 0; j < n; ++j)
        for (int k = 0; k < t; ++k) R(k, j) = static_cast<Real>(nd(gen));
    rtrisk::basic_portfolio<Real> book;
    std::uniform_real_distribution<double> q(-100, 100), p(10, 200);
    for (int j = 0; j < n; ++j) {
        const Real price = static_cast<Real>(p(gen));
        book.add({"S" + std::to_string(j), static_cast<Real>(std::round(q(gen))), price, price, j % 10 == 0 ? Real(50) : Real(1)});
    }
    return rtrisk::basic_incremental_state<Real>(std::move(book), std::move(R));
}

// Full recomputation from the state's own book: R x with x rebuilt from quantities and prices.
template <class Real>
rtrisk::vector<Real> full_pnl(const rtrisk::basic_incremental_state<Real>& s) {
    const auto x = s.book().exposures();
    return rtrisk::portfolio_pnl(s.scenarios(), rtrisk::as_vector<Real>(x));
}

template <class Real>
double max_rel_error(std::span<const Real> a, const rtrisk::vector<Real>& b) {
    double scale = 0, err = 0;
    for (Eigen::Index k = 0; k < b.size(); ++k) scale = std::max(scale, std::abs(double(b(k))));
    for (std::size_t k = 0; k < a.size(); ++k) err = std::max(err, std::abs(double(a[k]) - double(b(k))));
    return err / scale;
}
} // namespace

TEST_CASE("incremental state equals a full recomputation after a million random ticks and trades") {
    auto s = make_state<double>(250, 100, 1);
    std::mt19937_64 gen(2);
    std::uniform_int_distribution<std::size_t> pick(0, 99);
    std::normal_distribution<double> move(0.0, 0.001);
    std::uniform_real_distribution<double> u(0, 1);
    for (int step = 0; step < 1'000'000; ++step) {
        const std::size_t i = pick(gen);
        const double price = s.book().prices()[i] * std::exp(move(gen));
        if (u(gen) < 0.05) {
            s.apply_trade(i, std::round(50 * move(gen) * 1000), price);
        } else {
            s.apply_tick(i, price);
        }
    }
    const auto full = full_pnl(s);
    // Each update adds ~1 ulp of error per scenario; after 1e6 random-signed updates the drift
    // is ~1e3 ulp ~ 1e-13 relative. The requirement is 1e-9.
    CHECK(max_rel_error(s.pnl(), full) < 1e-9);
    for (double c : {0.95, 0.99}) {
        CHECK(s.var(c) == doctest::Approx(rtrisk::historical_var(full, c)).epsilon(1e-9));
        CHECK(s.expected_shortfall(c) == doctest::Approx(rtrisk::historical_es(full, c)).epsilon(1e-9));
    }
    const auto both = s.tail(0.99, 0.975);
    CHECK(both.var == doctest::Approx(rtrisk::historical_var(full, 0.99)).epsilon(1e-9));
    CHECK(both.es == doctest::Approx(rtrisk::historical_es(full, 0.975)).epsilon(1e-9));
    s.reanchor();
    CHECK(max_rel_error(s.pnl(), full) < 1e-15 * 100); // same GEMV, same result up to rounding order
}

TEST_CASE("float state with periodic re-anchoring stays within float rounding") {
    auto s = make_state<float>(250, 50, 3);
    s.set_reanchor_interval(1000);
    std::mt19937_64 gen(4);
    std::uniform_int_distribution<std::size_t> pick(0, 49);
    std::normal_distribution<double> move(0.0, 0.001);
    for (int step = 0; step < 100'000; ++step) {
        const std::size_t i = pick(gen);
        s.apply_tick(i, static_cast<float>(s.book().prices()[i] * std::exp(move(gen))));
    }
    const auto full = full_pnl(s);
    // At most 1000 updates since the last anchor: ~sqrt(1000) ulp of float (6e-8) ~ 2e-6.
    CHECK(max_rel_error(s.pnl(), full) < 1e-4);
    CHECK(s.var(0.99) == doctest::Approx(rtrisk::historical_var(full, 0.99)).epsilon(1e-4));
}

TEST_CASE("ticks by symbol and bad input") {
    auto s = make_state<double>(100, 3, 5);
    const double before = s.var(0.95);
    s.apply_tick("S1", s.book().prices()[1] * 2);
    CHECK(s.var(0.95) != before);
    CHECK_THROWS_WITH_AS(s.apply_tick("NOPE", 1.0), "unknown symbol 'NOPE'", std::out_of_range);
    CHECK_THROWS_WITH_AS(s.apply_tick(1, std::nan("")), "price of 'S1' nan is not finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(s.var(1.2), "confidence 1.2 is outside (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(s.var(0.995), "historical VaR at confidence 0.995 needs at least 200 scenarios, got 100",
                         std::invalid_argument);
    rtrisk::portfolio book;
    book.add({"A", 1, 1, 1});
    CHECK_THROWS_WITH_AS(rtrisk::incremental_state(book, rtrisk::scenario_matrix<double>::Zero(10, 2)),
                         "scenario matrix row has 2 elements but portfolio has 1", std::invalid_argument);
}

TEST_CASE("incremental state: scenario-weighting methods on the live P&L, and a day roll equals a state built on the rolled window") {
    auto s = make_state<double>(300, 20, 41);
    std::mt19937_64 gen(42);
    std::normal_distribution<double> move(0.0, 0.01);
    for (int k = 0; k < 200; ++k) {
        const auto i = static_cast<std::size_t>(k % 20);
        s.apply_tick(i, s.book().prices()[i] * std::exp(move(gen)));
    }
    using rtrisk::scenario_weighting;
    const std::vector<rtrisk::weighting> methods{{scenario_weighting::ewma, 0.94},
                                                 {scenario_weighting::filtered_historical, 0.97},
                                                 {scenario_weighting::filtered_historical, 0.94, rtrisk::volatility_filter::garch11},
                                                 {scenario_weighting::age_weighted, 0.99}};
    // each method on the full recomputation's P&L (rows in order): the free functions
    const auto check_against_full = [&](const rtrisk::incremental_state& st, const rtrisk::vector<double>& full_ordered) {
        const std::vector<double> ref(full_ordered.data(), full_ordered.data() + full_ordered.size());
        for (auto w : methods) {
            // a GARCH fit is an optimisation: compare at the same parameters (fitted to the reference)
            if (w.filter == rtrisk::volatility_filter::garch11) w.garch = rtrisk::fit_garch11(ref);
            const auto got = st.weighted_tail(w, 0.99, 0.975);
            const auto want = rtrisk::weighted_tail(std::span<const double>(ref), w, 0.99, 0.975);
            CHECK(got.var == doctest::Approx(want.var).epsilon(1e-9));
            CHECK(got.es == doctest::Approx(want.es).epsilon(1e-9));
        }
    };
    check_against_full(s, full_pnl(s));
    // age weighting is not plain historical: recent days count more
    CHECK(s.weighted_tail(methods[3], 0.99, 0.975).var != doctest::Approx(s.var(0.99)).epsilon(1e-6));

    // roll 120 days: the newest row is each new day; the window is the last 300 days
    rtrisk::scenario_matrix<double> window = s.scenarios();
    std::normal_distribution<double> day(0.0, 0.03); // a stressed regime
    for (int d = 0; d < 120; ++d) {
        std::vector<double> r(20);
        for (auto& e : r) e = day(gen);
        s.roll_day(r);
        const Eigen::Index rows = window.rows();
        window.topRows(rows - 1) = window.bottomRows(rows - 1).eval();
        for (int j = 0; j < 20; ++j) window(rows - 1, j) = r[static_cast<std::size_t>(j)];
    }
    CHECK(s.newest_row() == (299 + 120) % 300);
    const auto x = s.book().exposures();
    const rtrisk::vector<double> full = rtrisk::portfolio_pnl(window, rtrisk::as_vector<double>(x));
    const auto ordered = s.chronological_pnl();
    for (Eigen::Index k = 0; k < full.size(); ++k) CHECK(ordered[static_cast<std::size_t>(k)] == doctest::Approx(full(k)).epsilon(1e-12));
    check_against_full(s, full);
    CHECK(s.var(0.99) == doctest::Approx(rtrisk::historical_var(full, 0.99)).epsilon(1e-12));
    // the stressed days weigh most: the age-weighted VaR moved above the plain one
    CHECK(s.weighted_tail(methods[3], 0.99, 0.975).var > s.var(0.99));
    // ticks after a roll still update every row
    s.apply_tick(std::size_t{3}, s.book().prices()[3] * 1.05);
    const rtrisk::vector<double> after = rtrisk::portfolio_pnl(window, rtrisk::as_vector<double>(s.book().exposures()));
    const auto ordered_after = s.chronological_pnl();
    for (Eigen::Index k = 0; k < after.size(); ++k) CHECK(ordered_after[static_cast<std::size_t>(k)] == doctest::Approx(after(k)).epsilon(1e-12));

    CHECK_THROWS_WITH_AS(s.roll_day(std::vector<double>(19, 0.0)), doctest::Contains("day's returns"), std::invalid_argument);
    std::vector<double> bad(20, 0.0);
    bad[4] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(s.roll_day(bad), std::invalid_argument);
}

TEST_CASE("float32 scenarios: half the bytes, P&L in double; equal to a double state on the rounded returns, and within float rounding of the exact one") {
    auto exact = make_state<double>(500, 60, 71);
    const rtrisk::scenario_matrix<float> Rf = exact.scenarios().cast<float>();
    rtrisk::incremental_state_f32 narrow(exact.book(), Rf);
    rtrisk::incremental_state rounded(exact.book(), Rf.cast<double>()); // the same returns, stored in double
    CHECK(sizeof(narrow.scenarios()(0, 0)) * 2 == sizeof(exact.scenarios()(0, 0)));
    std::mt19937_64 gen(72);
    std::uniform_int_distribution<std::size_t> pick(0, 59);
    std::normal_distribution<double> move(0.0, 0.002);
    for (int k = 0; k < 20'000; ++k) {
        const auto i = pick(gen);
        const double price = exact.book().prices()[i] * std::exp(move(gen));
        for (auto* s : {&exact, &rounded}) s->apply_tick(i, price);
        narrow.apply_tick(i, price);
    }
    // every product and sum in double: the narrow state is the double state on the rounded returns
    for (std::size_t t = 0; t < 500; ++t) CHECK(narrow.pnl()[t] == doctest::Approx(rounded.pnl()[t]).epsilon(1e-12));
    CHECK(narrow.var(0.99) == doctest::Approx(rounded.var(0.99)).epsilon(1e-12));
    // against the exact returns: each return off by at most 2^-24 relative
    CHECK(narrow.var(0.99) == doctest::Approx(exact.var(0.99)).epsilon(1e-6));
    CHECK(narrow.expected_shortfall(0.975) == doctest::Approx(exact.expected_shortfall(0.975)).epsilon(1e-6));
    const rtrisk::weighting age{rtrisk::scenario_weighting::age_weighted, 0.98};
    CHECK(narrow.weighted_tail(age, 0.99, 0.975).es == doctest::Approx(exact.weighted_tail(age, 0.99, 0.975).es).epsilon(1e-6));
    // a re-anchor is the full recomputation in double from the float matrix
    const auto before = std::vector<double>(narrow.pnl().begin(), narrow.pnl().end());
    narrow.reanchor();
    for (std::size_t t = 0; t < 500; ++t) CHECK(narrow.pnl()[t] == doctest::Approx(before[t]).epsilon(1e-12));
    const auto full = rtrisk::portfolio_pnl_as<double>(Rf, rtrisk::as_vector<double>(narrow.exposures()));
    for (std::size_t t = 0; t < 500; ++t) CHECK(narrow.pnl()[t] == full(static_cast<Eigen::Index>(t)));
    // a day roll stores the new day in float
    std::vector<double> day(60, 0.0123456789);
    narrow.roll_day(day);
    CHECK(narrow.scenarios()(static_cast<Eigen::Index>(narrow.newest_row()), 0) == 0.0123456789f);
}

TEST_CASE("portfolio_pnl_as: float scenarios, double sums, either layout, equal to the double product of the rounded matrix") {
    std::mt19937_64 gen(73);
    std::normal_distribution<double> nd(0.0, 0.02);
    rtrisk::scenario_matrix<float> R(300, 40);
    for (Eigen::Index j = 0; j < 40; ++j)
        for (Eigen::Index t = 0; t < 300; ++t) R(t, j) = static_cast<float>(nd(gen));
    rtrisk::vector<double> x(40);
    for (auto& e : x) e = nd(gen) * 1e6;
    const rtrisk::vector<double> want = R.cast<double>() * x;
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Rr = R;
    const auto a = rtrisk::portfolio_pnl_as<double>(R, x), b = rtrisk::portfolio_pnl_as<double>(Rr, x);
    for (Eigen::Index t = 0; t < 300; ++t) {
        CHECK(a(t) == doctest::Approx(want(t)).epsilon(1e-13));
        CHECK(b(t) == doctest::Approx(want(t)).epsilon(1e-13));
    }
    R(5, 7) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(rtrisk::portfolio_pnl_as<double>(R, x), std::invalid_argument);
}
