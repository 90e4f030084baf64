#include <doctest/doctest.h>

#include <rtrisk/weighted_historical.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

TEST_CASE("filtered historical simulation rescales each day by tomorrow's volatility over that day's (Hull and White)") {
    std::mt19937_64 gen(21);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<double> r(400);
    for (std::size_t t = 0; t < r.size(); ++t) r[t] = nd(gen) * (t < 300 ? 0.005 : 0.02); // calm, then stressed
    const auto v = rtrisk::ewma_variances(r);
    const auto f = rtrisk::filtered_returns(r);
    REQUIRE(f.size() == 370);
    for (std::size_t t = 30; t < r.size(); ++t) CHECK(f[t - 30] == doctest::Approx(r[t] * std::sqrt(v.back() / v[t - 30])).epsilon(1e-14));
    // after a volatility jump the filtered VaR reflects today's regime, plain historical VaR barely
    const double plain = rtrisk::historical_var(r, 0.99), filtered = rtrisk::filtered_historical_var(r, 0.99);
    CHECK(filtered > 1.5 * plain);
    CHECK(filtered == doctest::Approx(rtrisk::historical_var(f, 0.99)).epsilon(1e-15));
    CHECK(rtrisk::filtered_historical_es(r, 0.975) == doctest::Approx(rtrisk::historical_es(f, 0.975)).epsilon(1e-15));
}

TEST_CASE("age weights: (1 - l) l^(i-1) / (1 - l^T), the newest last, summing to 1") {
    const auto w = rtrisk::age_weights(250, 0.98);
    CHECK(w.back() == doctest::Approx(0.02 / (1 - std::pow(0.98, 250))).epsilon(1e-14));
    CHECK(w[248] == doctest::Approx(w.back() * 0.98).epsilon(1e-14));
    CHECK(w.front() == doctest::Approx(w.back() * std::pow(0.98, 249)).epsilon(1e-12));
    CHECK(std::accumulate(w.begin(), w.end(), 0.0) == doctest::Approx(1.0).epsilon(1e-14));
    CHECK_THROWS_WITH_AS(rtrisk::age_weights(10, 1.0), "decay 1 must be in (0, 1)", std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::age_weights(0, 0.9), std::invalid_argument);
}

TEST_CASE("age-weighted VaR and ES: a worked example by hand") {
    // 5 days, lambda 0.5: weights by age 1..5 are 0.5^(i-1) x 0.5 / (1 - 0.5^5) = 16/31, 8/31,
    // 4/31, 2/31, 1/31 (the newest first). P&L in row order (oldest first): -10, -4, 3, -7, 1.
    // Sorted: -10 (age 5, 1/31), -7 (age 2, 8/31), -4 (age 4, 2/31), 1 (age 1), 3 (age 3).
    const std::vector<double> pnl{-10, -4, 3, -7, 1};
    // c = 0.9, alpha = 0.1: -10 holds 0.0323, -7 brings the total to 0.29 >= 0.1: VaR 7;
    // ES = -(1/31 x -10 + (0.1 - 1/31) x -7) / 0.1
    const auto t = rtrisk::age_weighted_tail(pnl, 0.9, 0.5);
    CHECK(t.var == doctest::Approx(7.0));
    CHECK(t.es == doctest::Approx((10.0 / 31 + (0.1 - 1.0 / 31) * 7) / 0.1).epsilon(1e-14));
    // c = 0.98, alpha = 0.02 < 1/31: the worst outcome alone
    CHECK(rtrisk::age_weighted_var(pnl, 0.98, 0.5) == doctest::Approx(10.0));
    CHECK(rtrisk::age_weighted_es(pnl, 0.98, 0.5) == doctest::Approx(10.0));
    // c = 0.6, alpha = 0.4: -10, -7 (9/31 = 0.29), -4 (11/31 = 0.355), 1 (27/31): VaR -1 (a gain)
    CHECK(rtrisk::age_weighted_var(pnl, 0.6, 0.5) == doctest::Approx(-1.0));
}

TEST_CASE("age weighting tends to equal weights as the decay tends to 1") {
    std::mt19937_64 gen(22);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<double> x(1000);
    for (auto& e : x) e = nd(gen);
    // equal weights 1/T: the VaR is the outcome at which k/T first reaches 1 - c (alpha 0.0095:
    // the 10th worst, half of it in the tail), away from a k/T boundary the weights' 1e-6 drift could cross
    std::vector<double> sorted = x;
    std::sort(sorted.begin(), sorted.end());
    CHECK(rtrisk::age_weighted_var(x, 0.9905, 1 - 1e-9) == doctest::Approx(-sorted[9]).epsilon(1e-12));
    double tail = 0.5 * sorted[9];
    for (int i = 0; i < 9; ++i) tail += sorted[static_cast<std::size_t>(i)];
    CHECK(rtrisk::age_weighted_es(x, 0.9905, 1 - 1e-9) == doctest::Approx(-tail / 9.5).epsilon(1e-5));
}
