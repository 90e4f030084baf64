// weighted_decomposition.hpp: component VaR/ES under the weighting methods sum to the figures of
// weighted_tail, and are Euler derivatives where the figure is differentiable in the exposures.
#include <doctest/doctest.h>

#include <rtrisk/weighted_decomposition.hpp>

#include <random>

namespace {
struct book {
    rtrisk::scenario_matrix<double> R;
    rtrisk::vector<double> x;
};
book make_book(std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> nd(0.0, 1.0);
    const int T = 600, N = 8;
    book b{rtrisk::scenario_matrix<double>(T, N), rtrisk::vector<double>(N)};
    for (int t = 0; t < T; ++t) {
        const double vol = t < 450 ? 0.008 : 0.02; // a calm, then a stressed regime
        const double common = nd(gen);
        for (int j = 0; j < N; ++j) b.R(t, j) = vol * (0.6 * common + 0.8 * nd(gen));
    }
    std::uniform_real_distribution<double> u(-2e6, 5e6);
    for (int j = 0; j < N; ++j) b.x(j) = u(gen);
    return b;
}
double figure(const book& b, const rtrisk::vector<double>& x, const rtrisk::weighting& w, double c, bool var) {
    const rtrisk::vector<double> pnl = rtrisk::portfolio_pnl(b.R, x);
    const auto t = rtrisk::weighted_tail(std::span<const double>(pnl.data(), static_cast<std::size_t>(pnl.size())), w, c, c);
    return var ? t.var : t.es;
}
} // namespace

TEST_CASE("weighted components sum to the weighted VaR and ES of every method") {
    const auto b = make_book(61);
    using rtrisk::scenario_weighting;
    const auto g = rtrisk::fit_garch11(rtrisk::vector<double>(rtrisk::portfolio_pnl(b.R, b.x)));
    for (const rtrisk::weighting w : {rtrisk::weighting{scenario_weighting::ewma, 0.94}, rtrisk::weighting{scenario_weighting::ewma, 0.97},
                                      rtrisk::weighting{scenario_weighting::age_weighted, 0.99},
                                      rtrisk::weighting{scenario_weighting::filtered_historical, 0.94},
                                      rtrisk::weighting{scenario_weighting::filtered_historical, 0.94, rtrisk::volatility_filter::garch11, g}}) {
        for (const double c : {0.95, 0.99}) {
            CAPTURE(rtrisk::to_string(w.method));
            CAPTURE(c);
            CHECK(rtrisk::weighted_component_var(b.R, b.x, w, c).sum() == doctest::Approx(figure(b, b.x, w, c, true)).epsilon(1e-10));
            CHECK(rtrisk::weighted_component_es(b.R, b.x, w, c).sum() == doctest::Approx(figure(b, b.x, w, c, false)).epsilon(1e-10));
        }
    }
}

TEST_CASE("EWMA and age-weighted components are Euler's: x_i times the derivative of the figure (central differences)") {
    const auto b = make_book(62);
    using rtrisk::scenario_weighting;
    for (const rtrisk::weighting w : {rtrisk::weighting{scenario_weighting::ewma, 0.94}, rtrisk::weighting{scenario_weighting::age_weighted, 0.98}}) {
        for (const bool var : {true, false}) {
            const auto comp = var ? rtrisk::weighted_component_var(b.R, b.x, w, 0.99) : rtrisk::weighted_component_es(b.R, b.x, w, 0.99);
            for (Eigen::Index i = 0; i < b.x.size(); ++i) {
                // a relative step small enough that the age-weighted tail keeps its scenarios
                const double h = 1e-7 * std::abs(b.x(i));
                rtrisk::vector<double> up = b.x, down = b.x;
                up(i) += h;
                down(i) -= h;
                const double derivative = (figure(b, up, w, 0.99, var) - figure(b, down, w, 0.99, var)) / (2 * h);
                CAPTURE(i);
                CHECK(comp(i) == doctest::Approx(b.x(i) * derivative).epsilon(1e-5)); // central differences: ~h^2 and rounding / h
            }
        }
    }
}

TEST_CASE("weighted decomposition refuses what the methods refuse") {
    const auto b = make_book(63);
    CHECK_THROWS_AS(rtrisk::weighted_component_var(b.R.topRows(20), b.x, rtrisk::weighting{}, 0.99), std::invalid_argument); // fewer rows than the seed
    CHECK_THROWS_AS(rtrisk::weighted_component_var(b.R, b.x.head(3), rtrisk::weighting{}, 0.99), std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::weighted_component_es(b.R, b.x, rtrisk::weighting{rtrisk::scenario_weighting::age_weighted, 1.5}, 0.99), std::invalid_argument);
}
