#include <doctest/doctest.h>

#include <rtrisk/returns.hpp>

#include <cmath>
#include <limits>

TEST_CASE_TEMPLATE("returns from prices", Real, float, double) {
    rtrisk::scenario_matrix<Real> prices(3, 2);
    prices << 100, 50, 110, 40, 99, 60;
    const auto simple = rtrisk::returns_from_prices(prices);
    REQUIRE(simple.rows() == 2);
    CHECK(simple(0, 0) == doctest::Approx(0.10));
    CHECK(simple(1, 0) == doctest::Approx(99.0 / 110.0 - 1));
    CHECK(simple(0, 1) == doctest::Approx(-0.20));
    CHECK(simple(1, 1) == doctest::Approx(0.50));
    const auto logr = rtrisk::returns_from_prices(prices, rtrisk::return_kind::log);
    CHECK(logr(0, 0) == doctest::Approx(std::log(1.1)));
    CHECK(logr(1, 1) == doctest::Approx(std::log(1.5)));
}

TEST_CASE("portfolio P&L is R x, one portfolio or many") {
    rtrisk::scenario_matrix<double> R(3, 2);
    R << 0.01, -0.02, 0.03, 0.00, -0.05, 0.04;
    rtrisk::vector<double> x(2);
    x << 1000, 500;
    const auto pnl = rtrisk::portfolio_pnl(R, x);
    CHECK(pnl(0) == doctest::Approx(10 - 10));
    CHECK(pnl(1) == doctest::Approx(30));
    CHECK(pnl(2) == doctest::Approx(-50 + 20));
    rtrisk::scenario_matrix<double> X(2, 2);
    X << 1000, -1, 500, 2;
    const auto many = rtrisk::portfolio_pnl_many(R, X);
    CHECK(many(2, 0) == doctest::Approx(pnl(2)));
    CHECK(many(2, 1) == doctest::Approx(0.05 + 0.08));
}

TEST_CASE("returns and P&L reject bad input with the value and its place") {
    rtrisk::scenario_matrix<double> prices(2, 2);
    prices << 100, 50, 0, 40;
    CHECK_THROWS_WITH_AS(rtrisk::returns_from_prices(prices), "price 0 at row 1, column 0 is not finite and positive",
                         std::invalid_argument);
    prices(1, 0) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(rtrisk::returns_from_prices(prices), "price nan at row 1, column 0 is not finite and positive",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::returns_from_prices(prices.topRows(1)), "returns need at least 2 rows of prices, got 1",
                         std::invalid_argument);
    rtrisk::scenario_matrix<double> R = rtrisk::scenario_matrix<double>::Constant(4, 3, 0.01);
    rtrisk::vector<double> x = rtrisk::vector<double>::Ones(2);
    CHECK_THROWS_WITH_AS(rtrisk::portfolio_pnl(R, x), "scenario matrix row has 3 elements but exposures has 2",
                         std::invalid_argument);
    x = rtrisk::vector<double>::Ones(3);
    R(2, 1) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(rtrisk::portfolio_pnl(R, x), "scenarios contain inf at row 2, column 1", std::invalid_argument);
    R(2, 1) = 0;
    x(0) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(rtrisk::portfolio_pnl(R, x), "exposures contain nan at row 0, column 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::portfolio_pnl(rtrisk::scenario_matrix<double>(0, 3), x),
                         "scenario matrix is empty (0 x 3)", std::invalid_argument);
}
