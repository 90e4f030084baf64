#include <doctest/doctest.h>

#include <rtrisk/decomposition.hpp>

#include <cmath>
#include <random>

namespace {
// 1,000 scenarios of 5 correlated, fat-tailed instruments from a fixed seed.
rtrisk::scenario_matrix<double> make_scenarios(int t = 1000, int n = 5) {
    std::mt19937_64 gen(99);
    std::student_t_distribution<double> st(4.0);
    rtrisk::scenario_matrix<double> R(t, n);
    for (int k = 0; k < t; ++k) {
        const double common = st(gen);
        for (int i = 0; i < n; ++i) R(k, i) = 0.01 * (0.6 * common + 0.8 * st(gen)) * (1 + 0.2 * i) + 0.0002 * i;
    }
    return R;
}
rtrisk::vector<double> make_exposures(int n = 5) {
    rtrisk::vector<double> x(n);
    for (int i = 0; i < n; ++i) x(i) = 1000.0 * (i + 1) * (i % 2 ? -0.5 : 1.0);
    return x;
}
} // namespace

TEST_CASE("component VaR and ES sum to the total (Euler allocation)") {
    const auto R = make_scenarios();
    const auto x = make_exposures();
    for (auto m : {rtrisk::var_method::historical, rtrisk::var_method::gaussian, rtrisk::var_method::monte_carlo}) {
        for (double c : {0.95, 0.99}) {
            rtrisk::var_options o;
            o.method = m;
            o.confidence = c;
            o.paths = 20'000;
            o.horizon_days = 10;
            CAPTURE(rtrisk::to_string(m));
            CAPTURE(c);
            // Sum of N products versus one quantile: rounding only, 1e-12 relative.
            CHECK(rtrisk::component_var(R, x, o).sum() == doctest::Approx(rtrisk::portfolio_var(R, x, o)).epsilon(1e-12));
            CHECK(rtrisk::component_es(R, x, o).sum() == doctest::Approx(rtrisk::portfolio_es(R, x, o)).epsilon(1e-12));
        }
    }
}

TEST_CASE("gaussian marginal VaR and ES are the derivatives (central finite differences)") {
    const auto R = make_scenarios();
    const auto x = make_exposures();
    rtrisk::var_options o;
    o.method = rtrisk::var_method::gaussian;
    o.confidence = 0.99;
    const auto mvar = rtrisk::marginal_var(R, x, o);
    o.method = rtrisk::var_method::gaussian;
    for (int i = 0; i < x.size(); ++i) {
        auto up = x, down = x;
        const double h = 1e-3 * std::abs(x(i));
        up(i) += h;
        down(i) -= h;
        // Central difference error is O(h^2 VaR''') ~ 1e-9 relative here; 1e-6 is ample.
        const double fd = (rtrisk::portfolio_var(R, up, o) - rtrisk::portfolio_var(R, down, o)) / (2 * h);
        CHECK(mvar(i) == doctest::Approx(fd).epsilon(1e-6));
        const double fd_es = (rtrisk::portfolio_es(R, up, o) - rtrisk::portfolio_es(R, down, o)) / (2 * h);
        CHECK(rtrisk::component_es(R, x, o)(i) / x(i) == doctest::Approx(fd_es).epsilon(1e-6));
    }
}

TEST_CASE("historical marginal VaR is minus the instrument returns at the quantile scenario") {
    // With the lower quantile there is no interpolation: one scenario k* sets the VaR, and
    // dVaR/dx_i = -R(k*, i) as long as k* stays the quantile scenario (small bumps).
    const auto R = make_scenarios();
    const auto x = make_exposures();
    rtrisk::var_options o;
    o.confidence = 0.99;
    o.quantile = rtrisk::quantile_method::lower;
    const auto mvar = rtrisk::marginal_var(R, x, o);
    for (int i = 0; i < x.size(); ++i) {
        auto up = x;
        const double h = 1e-6 * std::abs(x(i));
        up(i) += h;
        const double fd = (rtrisk::portfolio_var(R, up, o) - rtrisk::portfolio_var(R, x, o)) / h;
        CHECK(mvar(i) == doctest::Approx(fd).epsilon(1e-6));
    }
}

TEST_CASE("incremental VaR is the VaR with minus without the position") {
    const auto R = make_scenarios();
    const auto x = make_exposures();
    for (auto m : {rtrisk::var_method::historical, rtrisk::var_method::gaussian, rtrisk::var_method::cornish_fisher}) {
        rtrisk::var_options o;
        o.method = m;
        o.confidence = 0.975;
        const auto inc = rtrisk::incremental_var(R, x, o);
        const double total = rtrisk::portfolio_var(R, x, o);
        for (int i = 0; i < x.size(); ++i) {
            auto without = x;
            without(i) = 0;
            CHECK(inc(i) == doctest::Approx(total - rtrisk::portfolio_var(R, without, o)).epsilon(1e-12));
        }
    }
}

TEST_CASE("decomposition rejects what it does not offer, with the reason") {
    const auto R = make_scenarios();
    const auto x = make_exposures();
    rtrisk::var_options o;
    o.method = rtrisk::var_method::cornish_fisher;
    CHECK_THROWS_WITH_AS(rtrisk::component_var(R, x, o),
                         "risk decomposition by cornish_fisher is not offered; use historical, gaussian or monte_carlo",
                         std::invalid_argument);
    o.method = rtrisk::var_method::historical;
    o.confidence = 0.9999;
    CHECK_THROWS_WITH_AS(rtrisk::component_var(R, x, o),
                         "historical VaR at confidence 0.9999 needs at least 10000 scenarios, got 1000",
                         std::invalid_argument);
}

TEST_CASE("decomposition of huge returns: finite (gaussian standardises first) or an error naming the value") {
    // Returns of order 1e200: Sigma x (1e400) overflows, Sigma x / sigma_p does not. The
    // components are 1e200 times those of the same returns at order 1 (to 1e-12: the scaling by
    // 1e200 is inexact and the two paths round differently) and still sum to the VaR.
    std::mt19937_64 gen(3);
    std::normal_distribution<double> n01;
    Eigen::MatrixXd r(300, 3);
    for (Eigen::Index i = 0; i < r.size(); ++i) r.data()[i] = 0.01 * n01(gen);
    const Eigen::Vector3d x(0.5, 0.3, 0.2);
    rtrisk::var_options o;
    o.method = rtrisk::var_method::gaussian;
    const Eigen::MatrixXd big = r * 1e200;
    const auto c = rtrisk::component_var(big, x, o), c1 = rtrisk::component_var(r, x, o);
    for (Eigen::Index i = 0; i < 3; ++i) CHECK(c(i) == doctest::Approx(1e200 * c1(i)).epsilon(1e-12));
    CHECK(c.sum() == doctest::Approx(rtrisk::portfolio_var(big, x, o)).epsilon(1e-12));
    // Monte Carlo needs the covariance itself, which overflows: an error naming the largest return.
    o.method = rtrisk::var_method::monte_carlo;
    o.paths = 1000;
    Eigen::Index row = 0, col = 0;
    const double largest = big.cwiseAbs().maxCoeff(&row, &col);
    CHECK_THROWS_WITH_AS(rtrisk::component_var(big, x, o),
                         ("the covariance of the scenarios overflows: returns up to " + rtrisk::detail::fmt(largest) +
                          " (row " + std::to_string(row) + ", column " + std::to_string(col) + ") are too large; rescale them")
                             .c_str(),
                         std::invalid_argument);
    // Finite returns and exposures whose product overflows: the P&L names its scenario.
    Eigen::MatrixXd edge = r;
    edge(5, 0) = 1e300;
    const Eigen::Vector3d bigx(1e10, 1.0, 1.0);
    o.method = rtrisk::var_method::historical;
    CHECK_THROWS_WITH_AS(rtrisk::portfolio_var(edge, bigx, o),
                         "portfolio P&L overflows (inf) in scenario 5: returns x exposures exceed the largest double; rescale them",
                         std::invalid_argument);
}
