#include <doctest/doctest.h>

#include <rtrisk/garch.hpp>

#include <cmath>
#include <random>
#include <vector>

namespace {
// A GARCH(1,1) path with Gaussian innovations, started at the unconditional variance.
std::vector<double> simulate_garch(std::size_t t, double omega, double alpha, double beta, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<double> r(t);
    double v = omega / (1 - alpha - beta);
    for (auto& x : r) {
        x = std::sqrt(v) * nd(gen);
        v = omega + alpha * x * x + beta * v;
    }
    return r;
}
} // namespace

TEST_CASE("GARCH(1,1) fit: the likelihood is at its maximum, and a long simulated path gives back its parameters") {
    const double omega = 2e-6, alpha = 0.1, beta = 0.85; // unconditional variance 4e-5: 0.63 % a day
    const auto r = simulate_garch(20000, omega, alpha, beta, 31);
    const auto g = rtrisk::fit_garch11(r);
    // Bollerslev's asymptotic standard errors at T = 20,000 are about 0.007 for alpha and 0.01 for
    // beta at these values: four of them bound the estimate
    CHECK(std::abs(g.alpha - alpha) < 0.03);
    CHECK(std::abs(g.beta - beta) < 0.04);
    double ms = 0;
    for (const double x : r) ms += x * x;
    ms /= static_cast<double>(r.size());
    CHECK(g.omega == doctest::Approx(ms * (1 - g.alpha - g.beta)).epsilon(1e-12)); // variance targeting
    const auto ll = [&](double a, double b) { return rtrisk::detail::garch_log_likelihood(std::span<const double>(r), ms * (1 - a - b), a, b, ms); };
    CHECK(g.log_likelihood == doctest::Approx(ll(g.alpha, g.beta)).epsilon(1e-14));
    // a maximum: no better point nearby, nor at the true parameters
    CHECK(g.log_likelihood >= ll(alpha, beta));
    for (const double da : {-1e-3, 0.0, 1e-3}) {
        for (const double db : {-1e-3, 0.0, 1e-3}) CHECK(g.log_likelihood >= ll(g.alpha + da, g.beta + db) - 1e-9);
    }
}

TEST_CASE("GARCH(1,1) fit is scale-free: P&L in currency gives the same alpha and beta, omega scaled") {
    const auto r = simulate_garch(3000, 1e-6, 0.07, 0.9, 32);
    std::vector<double> pnl(r.size());
    for (std::size_t t = 0; t < r.size(); ++t) pnl[t] = r[t] * 2.5e6;
    const auto a = rtrisk::fit_garch11(r), b = rtrisk::fit_garch11(pnl);
    // Both fits run on the same standardised series up to rounding; Nelder-Mead stops once its
    // simplex spans 1e-9 in the logit coordinates, so alpha and beta agree to about that, and
    // omega = s^2 (1 - alpha - beta) to that over the small 1 - alpha - beta (~0.03): 1e-6.
    CHECK(b.alpha == doctest::Approx(a.alpha).epsilon(1e-7));
    CHECK(b.beta == doctest::Approx(a.beta).epsilon(1e-7));
    CHECK(b.omega == doctest::Approx(a.omega * 2.5e6 * 2.5e6).epsilon(1e-6));
}

TEST_CASE("GARCH(1,1) fit refuses what it cannot fit, naming it") {
    CHECK_THROWS_WITH_AS(rtrisk::fit_garch11(std::vector<double>(29, 0.01)), "GARCH(1,1) fit needs at least 30 returns, got 29", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::fit_garch11(std::vector<double>(40, 0.0)), "GARCH(1,1) fit needs returns with a positive, finite mean square",
                         std::invalid_argument);
    std::vector<double> bad(40, 0.01);
    bad[3] = std::nan("");
    CHECK_THROWS_AS(rtrisk::fit_garch11(bad), std::invalid_argument);
}
