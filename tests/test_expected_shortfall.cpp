#include <doctest/doctest.h>

#include <rtrisk/expected_shortfall.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

namespace {
template <class Real>
std::vector<Real> ramp_pnl() {
    std::vector<Real> pnl(100);
    for (int k = 0; k < 100; ++k) pnl[k] = static_cast<Real>(k - 50);
    std::shuffle(pnl.begin(), pnl.end(), std::mt19937(11));
    return pnl;
}
// phi(z_c) / (1 - c) for the standard normal, from Python's statistics.NormalDist.
constexpr double es_factor_975 = 2.3378027922014155;
constexpr double es_factor_99 = 2.665214220345806;
} // namespace

TEST_CASE_TEMPLATE("historical ES on a hand-built sample", Real, float, double) {
    const auto pnl = ramp_pnl<Real>();
    // c = 0.95: quantile -45.05, the tail is {-50, ..., -46}, mean -48.
    CHECK(rtrisk::historical_es(pnl, 0.95) == doctest::Approx(48.0));
    // c = 0.99: quantile -49.01, the tail is {-50}.
    CHECK(rtrisk::historical_es(pnl, 0.99) == doctest::Approx(50.0));
    CHECK(rtrisk::historical_es(pnl, 0.95) >= rtrisk::historical_var(pnl, 0.95));
}

TEST_CASE_TEMPLATE("gaussian ES equals the closed form", Real, float, double) {
    std::vector<Real> pnl; // mean 1, population sd 2
    for (int k = 0; k < 50; ++k) {
        pnl.push_back(-1);
        pnl.push_back(3);
    }
    const double tol = sizeof(Real) == 4 ? 1e-6 : 1e-12;
    CHECK(rtrisk::gaussian_es(pnl, 0.975) == doctest::Approx(-1.0 + 2.0 * es_factor_975).epsilon(tol));
    CHECK(rtrisk::gaussian_es(pnl, 0.99) == doctest::Approx(-1.0 + 2.0 * es_factor_99).epsilon(tol));
}

TEST_CASE("Cornish-Fisher ES with zero skewness and kurtosis is the gaussian ES") {
    rtrisk::moments m{0.002, 0.015, 0.0, 0.0, 100};
    for (double c : {0.9, 0.95, 0.975, 0.99})
        CHECK(rtrisk::cornish_fisher_es(m, c) == doctest::Approx(rtrisk::normal_es(m.mean, m.std_dev, c)).epsilon(1e-13));
}

// Independent check of the closed form: integrate z f(z) up to the Cornish-Fisher quantile h,
// f the Edgeworth density phi(z) [1 + S/6 He3(z) + K/24 He4(z) + S^2/72 He6(z)] (Boudt et al.
// 2008, eq. 6), by composite Simpson on [-14, h] with 200,000 intervals (error ~1e-12).
TEST_CASE("Cornish-Fisher ES matches numerical integration of the Edgeworth density") {
    const double S = -0.4, K = 1.8, alpha = 0.025;
    const double z = -1.9599639845400536;
    const double h = rtrisk::detail::cornish_fisher_quantile(z, S, K);
    auto f = [&](double x) {
        const double he3 = x * x * x - 3 * x, he4 = x * x * x * x - 6 * x * x + 3;
        const double he6 = std::pow(x, 6) - 15 * std::pow(x, 4) + 45 * x * x - 15;
        const double phi = std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi);
        return x * phi * (1 + S / 6 * he3 + K / 24 * he4 + S * S / 72 * he6);
    };
    const int n = 200'000;
    const double a = -14.0, step = (h - a) / n;
    double sum = f(a) + f(h);
    for (int i = 1; i < n; ++i) sum += f(a + i * step) * (i % 2 ? 4 : 2);
    const double tail_mean = sum * step / 3 / alpha;
    const double mu = 0.001, sd = 0.02;
    rtrisk::moments m{mu, sd, S, K, 100};
    CHECK(tail_mean < h);
    CHECK(rtrisk::cornish_fisher_es(m, 1 - alpha) == doctest::Approx(-mu - sd * tail_mean).epsilon(1e-9));
}

TEST_CASE("ES is never below VaR") {
    std::mt19937_64 gen(3);
    std::student_t_distribution<double> t(3.0);
    std::vector<double> pnl(2000);
    for (auto& v : pnl) v = 0.01 * t(gen) - 0.0005;
    for (double c : {0.9, 0.95, 0.975, 0.99}) {
        CAPTURE(c);
        CHECK(rtrisk::historical_es(pnl, c) >= rtrisk::historical_var(pnl, c));
        CHECK(rtrisk::gaussian_es(pnl, c) >= rtrisk::gaussian_var(pnl, c));
        CHECK(rtrisk::cornish_fisher_es(pnl, c) >= rtrisk::cornish_fisher_var(pnl, c));
    }
    // Where the Edgeworth tail mean lies above h, the operational ES is the modified VaR.
    for (double S : {-2.0, -1.0, 0.0, 1.0, 2.0}) {
        for (double K : {0.0, 3.0, 10.0, 30.0}) {
            rtrisk::moments m{0.0, 1.0, S, K, 100};
            CHECK(rtrisk::cornish_fisher_es(m, 0.95) >= rtrisk::cornish_fisher_var(m, 0.95) - 1e-15);
        }
    }
}

TEST_CASE("expected_shortfall dispatches and scales; bad input is named") {
    const auto pnl = ramp_pnl<double>();
    rtrisk::var_options o;
    o.confidence = 0.95;
    o.horizon_days = 4;
    CHECK(rtrisk::expected_shortfall(pnl, o) == doctest::Approx(96.0));
    CHECK_THROWS_WITH_AS(rtrisk::historical_es(pnl, 1.0), "confidence 1 is outside (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::historical_es(pnl, 0.995),
                         "historical ES at confidence 0.995 needs at least 200 scenarios, got 100", std::invalid_argument);
}

TEST_CASE("VaR and ES are finite for every method on huge P&L, or an error naming the value") {
    // P&L -50e200 .. 49e200: the variance (1e403) and the 4th moment overflow unscaled. The
    // figures are 1e200 times those of -50 .. 49 (scaling by 1e200 is not exact in binary, so
    // agreement is to 1e-13 rather than bitwise).
    std::vector<double> small(100), huge(100);
    for (int k = 0; k < 100; ++k) {
        small[k] = k - 50;
        huge[k] = (k - 50) * 1e200;
    }
    rtrisk::var_options o;
    o.confidence = 0.95;
    for (auto m : {rtrisk::var_method::historical, rtrisk::var_method::gaussian, rtrisk::var_method::cornish_fisher,
                   rtrisk::var_method::monte_carlo}) {
        o.method = m;
        o.paths = 2000;
        CAPTURE(rtrisk::to_string(m));
        const double v = rtrisk::value_at_risk(huge, o), e = rtrisk::expected_shortfall(huge, o);
        CHECK(std::isfinite(v));
        CHECK(std::isfinite(e));
        CHECK(v == doctest::Approx(1e200 * rtrisk::value_at_risk(small, o)).epsilon(1e-13));
        CHECK(e == doctest::Approx(1e200 * rtrisk::expected_shortfall(small, o)).epsilon(1e-13));
    }
    // A figure beyond the largest double: the 10-day scaling of a 1e308 loss.
    std::vector<double> edge(100, 1.0);
    for (int k = 17; k < 27; ++k) edge[k] = -1.5e308; // the 1 % tail: VaR 1.5e308, x sqrt(10) overflows
    o.method = rtrisk::var_method::historical;
    o.confidence = 0.99;
    o.horizon_days = 10;
    CHECK_THROWS_WITH_AS(rtrisk::value_at_risk(edge, o),
                         "VaR overflows (inf): the P&L reaches 1.5e+308 at index 17; rescale it", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::expected_shortfall(edge, o),
                         "ES overflows (inf): the P&L reaches 1.5e+308 at index 17; rescale it", std::invalid_argument);
}
