#include <doctest/doctest.h>

#include <rtrisk/backtest.hpp>

#include <cmath>
#include <vector>

TEST_CASE("Kupiec POF statistic") {
    SUBCASE("hand-checked: 8 exceptions in 250 days at 99%") {
        // LR = -2 [242 ln 0.99 + 8 ln 0.01] + 2 [242 ln(242/250) + 8 ln(8/250)] = 7.73355...
        // (evaluated independently with Python's math.log).
        const double expected = -2 * (242 * std::log(0.99) + 8 * std::log(0.01)) +
                                2 * (242 * std::log(242.0 / 250) + 8 * std::log(8.0 / 250));
        const auto t = rtrisk::kupiec(8, 250, 0.99);
        CHECK(t.statistic == doctest::Approx(expected).epsilon(1e-12));
        CHECK(t.statistic == doctest::Approx(7.7335507244945).epsilon(1e-10));
        // chi-square(1) upper tail of 7.7336: 0.00542 (= erfc(sqrt(7.7336 / 2)))
        CHECK(t.p_value == doctest::Approx(std::erfc(std::sqrt(expected / 2))).epsilon(1e-10));
        CHECK(t.rejected(0.05));
    }
    SUBCASE("non-rejection regions of Jorion, Value at Risk (3rd ed.), Table 6-3, p = 0.01, 95% test") {
        // T = 252: N < 7; T = 510: 1 < N < 11; T = 1000: 4 < N < 17.
        CHECK_FALSE(rtrisk::kupiec(6, 252, 0.99).rejected());
        CHECK(rtrisk::kupiec(7, 252, 0.99).rejected());
        CHECK(rtrisk::kupiec(1, 510, 0.99).rejected());
        CHECK_FALSE(rtrisk::kupiec(2, 510, 0.99).rejected());
        CHECK_FALSE(rtrisk::kupiec(10, 510, 0.99).rejected());
        CHECK(rtrisk::kupiec(11, 510, 0.99).rejected());
        CHECK(rtrisk::kupiec(4, 1000, 0.99).rejected());
        CHECK_FALSE(rtrisk::kupiec(5, 1000, 0.99).rejected());
        CHECK_FALSE(rtrisk::kupiec(16, 1000, 0.99).rejected());
        CHECK(rtrisk::kupiec(17, 1000, 0.99).rejected());
    }
    SUBCASE("zero exceptions: LR = -2 n ln(1 - p)") {
        CHECK(rtrisk::kupiec(0, 250, 0.99).statistic == doctest::Approx(-2 * 250 * std::log(0.99)).epsilon(1e-12));
    }
}

TEST_CASE("Christoffersen tests on a hand-counted sequence") {
    // 0 0 1 1 0 0 0 1 0 0: transitions 00:4 01:2 10:2 11:1 (9 transitions).
    const std::vector<std::uint8_t> hits{0, 0, 1, 1, 0, 0, 0, 1, 0, 0};
    const auto c = rtrisk::count_transitions(hits);
    CHECK(c.n00 == 4);
    CHECK(c.n01 == 2);
    CHECK(c.n10 == 2);
    CHECK(c.n11 == 1);
    // pi01 = 2/6, pi11 = 1/3, pi = 3/9 = 1/3: the hit probability does not depend on yesterday,
    // so the independence statistic is exactly 0.
    CHECK(rtrisk::christoffersen_independence(hits).statistic == doctest::Approx(0.0).epsilon(1e-12));
    // Clustered hits: 0 0 0 0 1 1 1 0 0 0 : 00:5 01:1 11:2 10:1 -> pi01 = 1/6, pi11 = 2/3, pi = 1/3.
    const std::vector<std::uint8_t> clustered{0, 0, 0, 0, 1, 1, 1, 0, 0, 0};
    const double ll0 = 6 * std::log(2.0 / 3) + 3 * std::log(1.0 / 3);
    const double ll1 = 5 * std::log(5.0 / 6) + std::log(1.0 / 6) + std::log(1.0 / 3) + 2 * std::log(2.0 / 3);
    const auto ind = rtrisk::christoffersen_independence(clustered);
    CHECK(ind.statistic == doctest::Approx(-2 * (ll0 - ll1)).epsilon(1e-12));
    const auto cc = rtrisk::christoffersen_conditional_coverage(clustered, 0.99);
    CHECK(cc.statistic == doctest::Approx(ind.statistic + rtrisk::kupiec(3, 10, 0.99).statistic).epsilon(1e-12));
    // chi-square(2) upper tail is exp(-x / 2).
    CHECK(cc.p_value == doctest::Approx(std::exp(-cc.statistic / 2)).epsilon(1e-10));
}

TEST_CASE("Basel traffic light for 250 days at 99%: green 0-4, yellow 5-9, red 10+") {
    for (std::size_t x = 0; x <= 4; ++x) CHECK(rtrisk::traffic_light(x) == rtrisk::traffic_light_zone::green);
    for (std::size_t x = 5; x <= 9; ++x) CHECK(rtrisk::traffic_light(x) == rtrisk::traffic_light_zone::yellow);
    for (std::size_t x = 10; x <= 30; ++x) CHECK(rtrisk::traffic_light(x) == rtrisk::traffic_light_zone::red);
    CHECK(std::string(rtrisk::to_string(rtrisk::traffic_light(7))) == "yellow");
}

TEST_CASE("exceptions from P&L and VaR series") {
    const std::vector<double> pnl{-1.0, -3.0, 2.0, -2.5, -2.0};
    const std::vector<double> var{2.0, 2.0, 2.0, 2.0, 2.0};
    const auto hits = rtrisk::var_exceptions(pnl, var);
    CHECK(hits == std::vector<std::uint8_t>{0, 1, 0, 1, 0}); // a loss equal to VaR is not an exception
}

TEST_CASE("backtests reject bad input with the value in the message") {
    CHECK_THROWS_WITH_AS(rtrisk::kupiec(11, 10, 0.99), "kupiec: exceptions 11 exceed observations 10",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::kupiec(1, 10, 99.0), "confidence 99 is outside (0, 1)", std::invalid_argument);
    const std::vector<std::uint8_t> bad{0, 2, 1};
    CHECK_THROWS_WITH_AS(rtrisk::christoffersen_independence(bad), "hit sequence holds 2 at index 1; expected 0 or 1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::var_exceptions(std::vector<double>{1, 2}, std::vector<double>{1}),
                         "P&L has 2 elements but VaR has 1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::traffic_light(3, 0), "traffic_light: observations must be positive, got 0",
                         std::invalid_argument);
}
