#include <doctest/doctest.h>

#include <rtrisk/stressed_var.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace {
/// numpy's percentile (linear, R type 7) by sorting a copy: an independent path to each window's VaR.
double sorted_var(std::vector<double> x, double confidence) {
    std::sort(x.begin(), x.end());
    const double h = (static_cast<double>(x.size()) - 1) * (1 - confidence);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const auto hi = std::min(lo + 1, x.size() - 1);
    return -(x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]));
}
} // namespace

TEST_CASE("stressed VaR is the largest window VaR, found where the stress was put, with its rows") {
    std::mt19937_64 gen(7);
    std::normal_distribution<double> calm(0.0, 0.01), crisis(-0.002, 0.04);
    std::vector<double> pnl;
    for (int t = 0; t < 1500; ++t) pnl.push_back(t >= 900 && t < 1100 ? crisis(gen) : calm(gen)); // 200 days of stress
    const auto s = rtrisk::stressed_var(pnl, 0.99, 250);
    // Brute force over every window, sorting each.
    double best = -1e300;
    std::size_t best_first = 0;
    for (std::size_t f = 0; f + 250 <= pnl.size(); ++f) {
        const double v = sorted_var(std::vector<double>(pnl.begin() + f, pnl.begin() + f + 250), 0.99);
        if (v > best) best = v, best_first = f;
    }
    CHECK(s.var == doctest::Approx(best).epsilon(1e-14));
    CHECK(s.first == best_first);
    CHECK(s.last == best_first + 249);
    CHECK(s.first >= 900 - 250); // the window overlaps the stress...
    CHECK(s.last < 1100 + 250);
    CHECK(s.var > 2 * rtrisk::historical_var(std::vector<double>(pnl.begin(), pnl.begin() + 250), 0.99)); // ...and sees it
    // The whole series as one window is the plain historical VaR.
    CHECK(rtrisk::stressed_var(pnl, 0.99, pnl.size()).var == doctest::Approx(rtrisk::historical_var(pnl, 0.99)).epsilon(1e-15));
}

TEST_CASE("stressed VaR: ties go to the earliest window; bad windows and input throw naming them") {
    const std::vector<double> flat(300, -0.01);
    const auto s = rtrisk::stressed_var(flat, 0.99, 100);
    CHECK(s.first == 0);
    CHECK(s.last == 99);
    CHECK(s.var == doctest::Approx(0.01));
    CHECK_THROWS_WITH_AS(rtrisk::stressed_var(flat, 0.99, 301), "stressed VaR window 301 must be between 1 and the 300 days of the P&L",
                         std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::stressed_var(flat, 0.99, 0), std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::stressed_var(flat, 1.5, 100), std::invalid_argument);
    std::vector<double> nan = flat;
    nan[150] = std::nan("");
    CHECK_THROWS_AS(rtrisk::stressed_var(nan, 0.99, 100), std::invalid_argument);
    const std::vector<float> f(300, -0.5f); // float too
    CHECK(rtrisk::stressed_var(f, 0.99, 100).var == doctest::Approx(0.5f));
    CHECK_THROWS_WITH_AS(rtrisk::stressed_var(f, 0.99, 50), "stressed VaR window at confidence 0.99 needs at least 100 scenarios, got 50",
                         std::invalid_argument); // a window too short for its tail
}
