#include <doctest/doctest.h>

#include <rtrisk/covariance.hpp>
#include <rtrisk/monte_carlo.hpp>
#include <rtrisk/var.hpp>

#include <cmath>
#include <vector>

TEST_CASE("Monte Carlo scenarios have the requested moments and are reproducible") {
    rtrisk::vector<double> mu(3);
    mu << 0.001, -0.0005, 0.0;
    rtrisk::scenario_matrix<double> cov(3, 3);
    cov << 4e-4, 1e-4, -5e-5,
           1e-4, 2.25e-4, 3e-5,
           -5e-5, 3e-5, 1e-4;
    const std::size_t paths = 400'000;
    const auto a = rtrisk::monte_carlo_scenarios(mu, cov, paths, 2024);
    REQUIRE(a.status == rtrisk::mc_status::success);
    REQUIRE(a.scenarios.rows() == static_cast<Eigen::Index>(paths));
    const auto b = rtrisk::monte_carlo_scenarios(mu, cov, paths, 2024);
    CHECK(a.scenarios == b.scenarios); // same seed, same numbers, bit for bit
    const auto c = rtrisk::monte_carlo_scenarios(mu, cov, paths, 2025);
    CHECK(a.scenarios != c.scenarios);
    // Sampling error of a mean: sd / sqrt(n) = 0.02 / 632 = 3.2e-5; of a covariance entry about
    // sqrt((s_ii s_jj + s_ij^2) / n) <= 4.5e-7. Allow 5 standard errors.
    const auto m = rtrisk::column_means(a.scenarios);
    for (int i = 0; i < 3; ++i) CHECK(std::abs(m(i) - mu(i)) < 5 * std::sqrt(cov(i, i) / paths));
    const auto s = rtrisk::covariance(a.scenarios);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) CHECK(std::abs(s(i, j) - cov(i, j)) < 5 * 4.5e-7);
}

TEST_CASE("covariance divisors") {
    rtrisk::scenario_matrix<double> R(4, 2);
    R << 1, 2, 3, 4, 5, 0, 7, 2; // col 0 mean 4, col 1 mean 2
    const auto pop = rtrisk::covariance(R);
    CHECK(pop(0, 0) == doctest::Approx((9 + 1 + 1 + 9) / 4.0));
    CHECK(pop(0, 1) == doctest::Approx((-3 * 0 + -1 * 2 + 1 * -2 + 3 * 0) / 4.0));
    const auto smp = rtrisk::covariance(R, rtrisk::moment_divisor::sample);
    CHECK(smp(0, 0) == doctest::Approx(20 / 3.0));
}

TEST_CASE("a covariance that is not positive definite comes back as a status") {
    rtrisk::vector<double> mu = rtrisk::vector<double>::Zero(2);
    rtrisk::scenario_matrix<double> cov(2, 2);
    cov << 1.0, 2.0, 2.0, 1.0; // eigenvalues 3 and -1
    const auto r = rtrisk::monte_carlo_scenarios(mu, cov, 10, 1);
    CHECK(r.status == rtrisk::mc_status::not_positive_definite);
    CHECK(r.scenarios.size() == 0);
}

TEST_CASE("Monte Carlo rejects malformed input with the value in the message") {
    rtrisk::vector<double> mu = rtrisk::vector<double>::Zero(2);
    rtrisk::scenario_matrix<double> cov(2, 2);
    cov << 1.0, 0.5, 0.4, 1.0;
    CHECK_THROWS_WITH_AS(rtrisk::monte_carlo_scenarios(mu, cov, 10, 1),
                         "covariance is not symmetric: 0.4 at (1, 0) vs 0.5", std::invalid_argument);
    cov(1, 0) = 0.5;
    CHECK_THROWS_WITH_AS(rtrisk::monte_carlo_scenarios(mu, cov, 0, 1), "monte_carlo paths must be positive, got 0",
                         std::invalid_argument);
    rtrisk::vector<double> mu3 = rtrisk::vector<double>::Zero(3);
    CHECK_THROWS_WITH_AS(rtrisk::monte_carlo_scenarios(mu3, cov, 10, 1), "mean has 3 elements but covariance row has 2",
                         std::invalid_argument);
}

TEST_CASE("more paths than fit in memory are refused up front, naming the estimate") {
    // 2 N + 3 numbers of 8 bytes per path (N = 2: 56 bytes); 1e15 paths need 5.6e16 bytes,
    // beyond any machine's physical memory. Before the check this was std::bad_alloc (or
    // std::length_error) from inside the simulation.
    const Eigen::Vector2d mu(0.0, 0.0);
    Eigen::Matrix2d cov;
    cov << 1e-4, 0.0, 0.0, 1e-4;
    CHECK_THROWS_WITH_AS(rtrisk::monte_carlo_scenarios(mu, cov, std::size_t(1'000'000'000'000'000), 1),
                         doctest::Contains("monte_carlo paths 1000000000000000 need 56000000 GB of working memory (56 bytes "
                                           "per path: 7 numbers: draws and scenarios of 2 instruments"),
                         std::invalid_argument);
    std::vector<double> pnl(100, 0.0);
    for (int i = 0; i < 100; ++i) pnl[i] = 0.001 * (i - 50);
    rtrisk::var_options o;
    o.method = rtrisk::var_method::monte_carlo;
    o.paths = std::size_t(1) << 62;
    CHECK_THROWS_WITH_AS(rtrisk::value_at_risk(pnl, o),
                         doctest::Contains("monte_carlo paths 4611686018427387904 need 73786976294.8 GB of working memory "
                                           "(16 bytes per path: the simulated P&L and the quantile's copy of it), more than the"),
                         std::invalid_argument);
}
