#include <doctest/doctest.h>

#include <rtrisk/var.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {
// P&L -50, -49, ..., 49, shuffled with a fixed seed.
template <class Real>
std::vector<Real> ramp_pnl() {
    std::vector<Real> pnl(100);
    for (int k = 0; k < 100; ++k) pnl[k] = static_cast<Real>(k - 50);
    std::shuffle(pnl.begin(), pnl.end(), std::mt19937(7));
    return pnl;
}
// Standard normal quantiles, from R's qnorm (and Python's statistics.NormalDist.inv_cdf).
constexpr double z95 = 1.6448536269514715;
constexpr double z99 = 2.3263478740408408;
} // namespace

TEST_CASE_TEMPLATE("historical VaR on a hand-built sample", Real, float, double) {
    const auto pnl = ramp_pnl<Real>();
    const double tol = sizeof(Real) == 4 ? 1e-6 : 1e-12;
    // Type 7: h = 99 (1 - c). c = 0.95: h = 4.95, Q = -46 + 0.95 = -45.05. c = 0.99: h = 0.99, Q = -49.01.
    CHECK(rtrisk::historical_var(pnl, 0.95) == doctest::Approx(45.05).epsilon(tol));
    CHECK(rtrisk::historical_var(pnl, 0.99) == doctest::Approx(49.01).epsilon(tol));
    SUBCASE("other quantile definitions are selectable") {
        CHECK(rtrisk::historical_var(pnl, 0.95, rtrisk::quantile_method::lower) == doctest::Approx(46.0));
        CHECK(rtrisk::historical_var(pnl, 0.95, rtrisk::quantile_method::higher) == doctest::Approx(45.0));
        // inverted_cdf: smallest x(k) with (k + 1) / 100 >= 0.05, k = 4: x = -46.
        CHECK(rtrisk::historical_var(pnl, 0.95, rtrisk::quantile_method::inverted_cdf) == doctest::Approx(46.0));
    }
    SUBCASE("VaR is negative when the whole tail is a gain") {
        std::vector<Real> gains(100);
        for (int k = 0; k < 100; ++k) gains[k] = static_cast<Real>(k + 1);
        CHECK(rtrisk::historical_var(gains, 0.99) < 0);
    }
}

TEST_CASE_TEMPLATE("gaussian VaR equals the closed form", Real, float, double) {
    // 50 x (-1) and 50 x (+3): mean 1, population sd 2, sample sd 2 sqrt(100/99).
    std::vector<Real> pnl;
    for (int k = 0; k < 50; ++k) {
        pnl.push_back(-1);
        pnl.push_back(3);
    }
    const double tol = sizeof(Real) == 4 ? 1e-6 : 1e-12;
    CHECK(rtrisk::gaussian_var(pnl, 0.99) == doctest::Approx(-1.0 + 2.0 * z99).epsilon(tol));
    CHECK(rtrisk::gaussian_var(pnl, 0.95) == doctest::Approx(-1.0 + 2.0 * z95).epsilon(tol));
    CHECK(rtrisk::gaussian_var(pnl, 0.99, rtrisk::moment_divisor::sample) ==
          doctest::Approx(-1.0 + 2.0 * std::sqrt(100.0 / 99.0) * z99).epsilon(tol));
    CHECK(rtrisk::normal_var(Real(0), Real(1), 0.99) == doctest::Approx(z99).epsilon(tol));
}

TEST_CASE_TEMPLATE("Cornish-Fisher VaR", Real, float, double) {
    const double tol = sizeof(Real) == 4 ? 1e-6 : 1e-13;
    SUBCASE("with zero skewness and excess kurtosis it is the gaussian VaR") {
        rtrisk::basic_moments<Real> m{Real(0.001), Real(0.02), Real(0), Real(0), 100};
        for (double c : {0.9, 0.95, 0.99, 0.999})
            CHECK(rtrisk::cornish_fisher_var(m, c) == doctest::Approx(rtrisk::normal_var(m.mean, m.std_dev, c)).epsilon(tol));
    }
    SUBCASE("the expansion by hand") {
        // z = -2.3263478740408408, S = -0.5, K = 3:
        // z_cf = z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36
        const double z = -z99, S = -0.5, K = 3.0;
        const double zcf = z + (z * z - 1) * S / 6 + (z * z * z - 3 * z) * K / 24 - (2 * z * z * z - 5 * z) * S * S / 36;
        rtrisk::basic_moments<Real> m{Real(0), Real(1), Real(S), Real(K), 100};
        CHECK(rtrisk::cornish_fisher_var(m, 0.99) == doctest::Approx(-zcf).epsilon(tol));
        CHECK(-zcf > z99); // fat left tail: more VaR than the normal
    }
}

TEST_CASE("value_at_risk dispatches and scales by sqrt(horizon)") {
    const auto pnl = ramp_pnl<double>();
    rtrisk::var_options o;
    o.confidence = 0.95;
    const double one_day = rtrisk::value_at_risk(pnl, o);
    CHECK(one_day == doctest::Approx(45.05).epsilon(1e-12));
    o.horizon_days = 10;
    CHECK(rtrisk::value_at_risk(pnl, o) == doctest::Approx(45.05 * std::sqrt(10.0)).epsilon(1e-12));
    o.horizon_days = 1;
    o.method = rtrisk::var_method::gaussian;
    CHECK(rtrisk::value_at_risk(pnl, o) == doctest::Approx(rtrisk::gaussian_var(pnl, 0.95)).epsilon(1e-15));
    o.method = rtrisk::var_method::cornish_fisher;
    CHECK(rtrisk::value_at_risk(pnl, o) == doctest::Approx(rtrisk::cornish_fisher_var(pnl, 0.95)).epsilon(1e-15));
    SUBCASE("monte_carlo on a series converges to the gaussian VaR and is reproducible") {
        o.method = rtrisk::var_method::monte_carlo;
        o.paths = 200'000;
        const double mc = rtrisk::value_at_risk(pnl, o);
        CHECK(mc == rtrisk::value_at_risk(pnl, o)); // same seed, same number
        // Standard error of a normal quantile estimate: sd sqrt(p (1 - p) / n) / phi(z), with
        // sd = 28.87, p = 0.05, phi(1.645) = 0.1031: 0.137. Allow 5 standard errors.
        CHECK(std::abs(mc - rtrisk::gaussian_var(pnl, 0.95)) < 5 * 0.137);
        o.seed = 43;
        CHECK(rtrisk::value_at_risk(pnl, o) != mc);
    }
}

TEST_CASE("VaR rejects bad input with the value in the message") {
    const auto pnl = ramp_pnl<double>();
    CHECK_THROWS_WITH_AS(rtrisk::historical_var(pnl, 1.5), "confidence 1.5 is outside (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::historical_var(pnl, 0.0), "confidence 0 is outside (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::gaussian_var(pnl, -0.2), "confidence -0.2 is outside (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::historical_var(pnl, 0.999),
                         "historical VaR at confidence 0.999 needs at least 1000 scenarios, got 100",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::historical_var(std::vector<double>{}, 0.99), "P&L is empty", std::invalid_argument);
    auto bad = pnl;
    bad[3] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(rtrisk::historical_var(bad, 0.95), "P&L contains nan at index 3", std::invalid_argument);
    bad[3] = -std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(rtrisk::gaussian_var(bad, 0.95), "returns contains -inf at index 3", std::invalid_argument);
    rtrisk::var_options o;
    o.horizon_days = 0;
    CHECK_THROWS_WITH_AS(rtrisk::value_at_risk(pnl, o), "horizon_days 0 must be positive and finite",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::parse_var_method("parametric"),
                         "unknown VaR method 'parametric' (expected historical, gaussian, cornish_fisher or monte_carlo)",
                         std::invalid_argument);
}
