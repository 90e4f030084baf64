#include <doctest/doctest.h>

#include <rtrisk/portfolio_risk.hpp>

#include <cmath>
#include <random>

TEST_CASE("portfolio VaR equals the series VaR of R x for the scenario methods") {
    std::mt19937_64 gen(5);
    std::normal_distribution<double> nd(0.0, 0.01);
    rtrisk::scenario_matrix<double> R(500, 4);
    for (int k = 0; k < R.rows(); ++k)
        for (int i = 0; i < 4; ++i) R(k, i) = nd(gen);
    rtrisk::vector<double> x(4);
    x << 100, -50, 25, 10;
    const auto pnl = rtrisk::portfolio_pnl(R, x);
    rtrisk::var_options o;
    for (auto m : {rtrisk::var_method::historical, rtrisk::var_method::gaussian, rtrisk::var_method::cornish_fisher}) {
        o.method = m;
        CHECK(rtrisk::portfolio_var(R, x, o) == doctest::Approx(rtrisk::value_at_risk(pnl, o)).epsilon(1e-14));
        CHECK(rtrisk::portfolio_es(R, x, o) == doctest::Approx(rtrisk::expected_shortfall(pnl, o)).epsilon(1e-14));
    }
    SUBCASE("monte_carlo converges to the gaussian VaR of the same covariance") {
        o.method = rtrisk::var_method::monte_carlo;
        o.paths = 200'000;
        const double mc = rtrisk::portfolio_var(R, x, o);
        o.method = rtrisk::var_method::gaussian;
        const double g = rtrisk::portfolio_var(R, x, o);
        // Quantile standard error sd sqrt(p (1 - p) / n) / phi(z) = 0.0155 sd at p = 0.01, n = 2e5;
        // VaR / sd is about 2.33, so 5 standard errors are 3.4% of the VaR.
        CHECK(mc == doctest::Approx(g).epsilon(0.034));
    }
}

TEST_CASE("monte_carlo portfolio VaR reports a covariance that is not positive definite") {
    rtrisk::scenario_matrix<double> R(100, 2);
    for (int k = 0; k < 100; ++k) R(k, 0) = R(k, 1) = 0.001 * (k % 7 - 3); // identical columns: singular
    rtrisk::vector<double> x(2);
    x << 1, 1;
    rtrisk::var_options o;
    o.method = rtrisk::var_method::monte_carlo;
    o.confidence = 0.95;
    CHECK_THROWS_WITH_AS(rtrisk::portfolio_var(R, x, o),
                         "monte_carlo: the covariance of the 2 instruments is not positive definite", std::domain_error);
}

TEST_CASE("many portfolios at once: each the VaR and ES of its own column, by every method") {
    std::mt19937_64 gen(7);
    std::normal_distribution<double> nd(0.0, 0.01);
    rtrisk::scenario_matrix<double> R(400, 5);
    for (int k = 0; k < R.rows(); ++k)
        for (int i = 0; i < R.cols(); ++i) R(k, i) = nd(gen) * (1 + i);
    rtrisk::scenario_matrix<double> X(5, 7);
    for (int i = 0; i < X.rows(); ++i)
        for (int p = 0; p < X.cols(); ++p) X(i, p) = nd(gen) * 1e4;
    rtrisk::var_options o;
    o.paths = 20'000;
    for (auto m : {rtrisk::var_method::historical, rtrisk::var_method::gaussian, rtrisk::var_method::cornish_fisher, rtrisk::var_method::monte_carlo}) {
        CAPTURE(rtrisk::to_string(m));
        o.method = m;
        const auto vars = rtrisk::portfolio_var_many(R, X, o);
        const auto ess = rtrisk::portfolio_es_many(R, X, o);
        REQUIRE(vars.size() == X.cols());
        for (Eigen::Index p = 0; p < X.cols(); ++p) { // one portfolio at a time (monte_carlo: the same seed, the same paths)
            const rtrisk::vector<double> x = X.col(p);
            CHECK(vars(p) == doctest::Approx(rtrisk::portfolio_var(R, x, o)).epsilon(1e-12));
            CHECK(ess(p) == doctest::Approx(rtrisk::portfolio_es(R, x, o)).epsilon(1e-12));
        }
    }
    rtrisk::scenario_matrix<double> wrong(4, 2);
    wrong.setOnes();
    CHECK_THROWS_AS(rtrisk::portfolio_var_many(R, wrong, o), std::invalid_argument);
}
