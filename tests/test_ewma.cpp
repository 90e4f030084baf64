#include <doctest/doctest.h>

#include <rtrisk/ewma.hpp>

#include <cmath>
#include <random>
#include <vector>

#include <boost/math/distributions/normal.hpp>

TEST_CASE("EWMA variance: Hull's worked example, and the recursion from its seed") {
    // J. Hull, Options, Futures and Other Derivatives, "The EWMA model": lambda 0.94, yesterday's
    // volatility 1 %, yesterday's return 2 %: today's variance 0.94 x 0.0001 + 0.06 x 0.0004 = 0.000118.
    std::vector<double> r(30);
    for (std::size_t t = 0; t < r.size(); ++t) r[t] = t % 2 ? 0.01 : -0.01; // seed: mean square 0.0001, volatility 1 %
    r.push_back(0.02);
    const auto v = rtrisk::ewma_variances(r, 0.94);
    REQUIRE(v.size() == 2);
    CHECK(v[0] == doctest::Approx(0.0001).epsilon(1e-14));
    CHECK(v[1] == doctest::Approx(0.000118).epsilon(1e-14));
    CHECK(rtrisk::ewma_volatility(r, 0.94) == doctest::Approx(std::sqrt(0.000118)).epsilon(1e-14)); // 1.086 %

    // the recursion written out: sum of (1 - l) l^k r^2 over the days after the seed, plus l^n seed
    std::mt19937_64 gen(11);
    std::normal_distribution<double> nd(0.0, 0.012);
    std::vector<double> x(500);
    for (auto& e : x) e = nd(gen);
    const double l = 0.97;
    double seed = 0;
    for (std::size_t t = 0; t < 30; ++t) seed += x[t] * x[t] / 30;
    double expected = std::pow(l, 470) * seed;
    for (std::size_t t = 30; t < 500; ++t) expected += (1 - l) * std::pow(l, static_cast<double>(499 - t)) * x[t] * x[t];
    CHECK(rtrisk::ewma_variances(x, l).back() == doctest::Approx(expected).epsilon(1e-12));
    CHECK(rtrisk::ewma_variances(x, l).size() == 471);
}

TEST_CASE("EWMA covariance: its diagonal is each column's EWMA variance and x' Sigma x the portfolio's") {
    std::mt19937_64 gen(12);
    std::normal_distribution<double> nd(0.0, 0.01);
    rtrisk::scenario_matrix<double> R(300, 3);
    for (Eigen::Index t = 0; t < R.rows(); ++t) {
        const double common = nd(gen);
        for (Eigen::Index i = 0; i < 3; ++i) R(t, i) = common + nd(gen) * static_cast<double>(i + 1);
    }
    const auto cov = rtrisk::ewma_covariance(R, 0.94);
    for (Eigen::Index i = 0; i < 3; ++i) {
        const Eigen::VectorXd col = R.col(i);
        CHECK(cov(i, i) == doctest::Approx(rtrisk::ewma_variances(col).back()).epsilon(1e-12));
    }
    CHECK((cov - cov.transpose()).cwiseAbs().maxCoeff() <= 1e-14 * cov.cwiseAbs().maxCoeff()); // symmetric to rounding
    Eigen::Vector3d x(1e6, -4e5, 2.5e5);
    const Eigen::VectorXd pnl = R * x;
    CHECK(x.dot(cov * x) == doctest::Approx(rtrisk::ewma_variances(pnl).back()).epsilon(1e-12));
}

TEST_CASE("EWMA VaR and ES are the normal ones at the forecast volatility, mean 0") {
    std::mt19937_64 gen(13);
    std::normal_distribution<double> nd(0.0, 0.01);
    std::vector<double> x(250);
    for (auto& e : x) e = nd(gen);
    const double s = rtrisk::ewma_volatility(x);
    const boost::math::normal_distribution<double> n01;
    const double z = boost::math::quantile(n01, 0.01);
    CHECK(rtrisk::ewma_var(x, 0.99) == doctest::Approx(-z * s).epsilon(1e-14));
    const double z975 = boost::math::quantile(n01, 0.025);
    CHECK(rtrisk::ewma_es(x, 0.975) == doctest::Approx(s * boost::math::pdf(n01, z975) / 0.025).epsilon(1e-14));
}

TEST_CASE("EWMA refuses what it cannot estimate, naming the value") {
    std::vector<double> x(40, 0.01);
    CHECK_THROWS_WITH_AS(rtrisk::ewma_variances(x, 1.0), "decay 1 must be in (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::ewma_variances(x, 0.0), "decay 0 must be in (0, 1)", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::ewma_variances(x, 0.94, 41), "EWMA needs at least seed_days = 41 observations, got 40", std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::ewma_variances(x, 0.94, 0), std::invalid_argument);
    x[3] = std::nan("");
    CHECK_THROWS_AS(rtrisk::ewma_variances(x), std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::ewma_var(std::vector<double>(40, 0.01), 1.5), std::invalid_argument);
}
