#include <doctest/doctest.h>

#include <rtrisk/scenario_weighting.hpp>
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

namespace {
// The age-weighted tail by a full sort, the definition read literally: outcomes from the worst
// up, each adding its weight until the cumulative weight reaches alpha.
std::pair<double, double> age_tail_by_sort(const std::vector<double>& x, double confidence, double decay) {
    const auto w = rtrisk::age_weights(x.size(), decay);
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    const double alpha = 1 - confidence;
    double cumulative = 0, tail = 0;
    for (const auto i : order) {
        const double take = std::min(w[i], alpha - cumulative);
        tail += take * x[i];
        cumulative += w[i];
        if (cumulative >= alpha) return {-x[i], -tail / alpha};
    }
    return {-x[order.back()], -tail / alpha};
}
} // namespace

TEST_CASE("age-weighted tail by weighted selection equals the tail read from a full sort, ties and all") {
    std::mt19937_64 gen(23);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (const std::size_t t : {1u, 2u, 7u, 250u, 2500u}) {
        std::vector<double> x(t);
        for (auto& e : x) e = nd(gen);
        std::vector<double> ties(t);
        for (auto& e : ties) e = std::round(nd(gen) * 2); // few distinct values: many ties
        for (const auto* v : {&x, &ties}) {
            for (const double c : {0.5, 0.9, 0.95, 0.975, 0.99, 0.999}) {
                for (const double decay : {0.5, 0.94, 0.99, 0.9999}) {
                    const auto [var, es] = age_tail_by_sort(*v, c, decay);
                    const auto got = rtrisk::age_weighted_tail(*v, c, decay);
                    CHECK(got.var == var); // the same outcome
                    CHECK(got.es == doctest::Approx(es).epsilon(1e-13)); // the same terms, summed in another order
                }
            }
        }
    }
}

TEST_CASE("filtered historical simulation with a GARCH(1,1) filter rescales by the GARCH forecasts") {
    std::mt19937_64 gen(24);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<double> r(600);
    for (std::size_t t = 0; t < r.size(); ++t) r[t] = nd(gen) * (t < 570 ? 0.006 : 0.02);
    const rtrisk::garch11 g{2e-6, 0.08, 0.9, 0};
    const auto v = rtrisk::garch11_variances(r, g);
    REQUIRE(v.size() == 601);
    // the recursion by hand from the mean square
    double ms = 0;
    for (const double x : r) ms += x * x;
    ms /= 600;
    CHECK(v[0] == doctest::Approx(ms).epsilon(1e-15));
    CHECK(v[1] == doctest::Approx(2e-6 + 0.08 * r[0] * r[0] + 0.9 * ms).epsilon(1e-15));
    const auto f = rtrisk::garch_filtered_returns(r, g);
    REQUIRE(f.size() == 600);
    for (std::size_t t = 0; t < r.size(); ++t) CHECK(f[t] == doctest::Approx(r[t] * std::sqrt(v[600] / v[t])).epsilon(1e-14));
    CHECK(rtrisk::historical_var(f, 0.99) > 1.5 * rtrisk::historical_var(r, 0.99)); // today's regime (the last 30 days)
    CHECK_THROWS_WITH_AS(rtrisk::garch11_variances(r, rtrisk::garch11{1e-6, 0.5, 0.5, 0}),
                         "GARCH(1,1) parameters omega 1e-06, alpha 0.5, beta 0.5 need omega > 0, alpha >= 0, beta >= 0 and alpha + beta < 1",
                         std::invalid_argument);
}

TEST_CASE("weighted_tail dispatches to each method's own functions") {
    std::mt19937_64 gen(25);
    std::normal_distribution<double> nd(0.0, 1000.0);
    std::vector<double> pnl(500);
    for (auto& e : pnl) e = nd(gen);
    const std::span<const double> s(pnl);
    using rtrisk::scenario_weighting;
    const auto e = rtrisk::weighted_tail(s, {scenario_weighting::ewma, 0.97}, 0.99, 0.975);
    CHECK(e.var == doctest::Approx(rtrisk::ewma_var(pnl, 0.99, 0.97)).epsilon(1e-15));
    CHECK(e.es == doctest::Approx(rtrisk::ewma_es(pnl, 0.975, 0.97)).epsilon(1e-15));
    const auto f = rtrisk::weighted_tail(s, {scenario_weighting::filtered_historical, 0.94}, 0.99, 0.975);
    CHECK(f.var == doctest::Approx(rtrisk::filtered_historical_var(pnl, 0.99)).epsilon(1e-15));
    CHECK(f.es == doctest::Approx(rtrisk::filtered_historical_es(pnl, 0.975)).epsilon(1e-15));
    const auto a = rtrisk::weighted_tail(s, {scenario_weighting::age_weighted, 0.99}, 0.99, 0.975);
    CHECK(a.var == rtrisk::age_weighted_var(pnl, 0.99, 0.99));
    CHECK(a.es == doctest::Approx(rtrisk::age_weighted_es(pnl, 0.975, 0.99)).epsilon(1e-15));
    rtrisk::weighting gw{scenario_weighting::filtered_historical, 0.94, rtrisk::volatility_filter::garch11};
    const auto fit = rtrisk::fit_garch11(pnl);
    const auto gf = rtrisk::garch_filtered_returns(pnl, fit);
    CHECK(rtrisk::weighted_tail(s, gw, 0.99, 0.99).var == doctest::Approx(rtrisk::historical_var(gf, 0.99)).epsilon(1e-15));
    CHECK(rtrisk::parse_scenario_weighting("age_weighted") == scenario_weighting::age_weighted);
    CHECK_THROWS_WITH_AS(rtrisk::parse_scenario_weighting("ewma2"),
                         "unknown scenario-weighting method 'ewma2' (expected ewma, filtered_historical or age_weighted)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::parse_volatility_filter("arch"), "unknown volatility filter 'arch' (expected ewma or garch)", std::invalid_argument);
}

TEST_CASE("the weighting methods in float agree with double to float precision") {
    std::mt19937_64 gen(26);
    std::normal_distribution<double> nd(0.0, 0.01);
    std::vector<double> d(800);
    for (auto& e : d) e = nd(gen);
    const std::vector<float> f(d.begin(), d.end());
    for (const auto m : {rtrisk::scenario_weighting::ewma, rtrisk::scenario_weighting::filtered_historical, rtrisk::scenario_weighting::age_weighted}) {
        for (const auto filter : {rtrisk::volatility_filter::ewma, rtrisk::volatility_filter::garch11}) {
            const rtrisk::weighting w{m, 0.97, filter, rtrisk::fit_garch11(d)}; // the same GARCH parameters on both sides
            const auto a = rtrisk::weighted_tail(std::span<const float>(f), w, 0.99, 0.975);
            const auto b = rtrisk::weighted_tail(std::span<const double>(d), w, 0.99, 0.975);
            CHECK(a.var == doctest::Approx(b.var).epsilon(1e-5)); // float holds 7 digits; sums over 800 terms
            CHECK(a.es == doctest::Approx(b.es).epsilon(1e-5));
        }
    }
    const auto gf = rtrisk::fit_garch11(f), gd = rtrisk::fit_garch11(d);
    CHECK(gf.alpha + gf.beta == doctest::Approx(gd.alpha + gd.beta).epsilon(1e-3));
}
