#include <doctest/doctest.h>

#include <rtrisk/quantile.hpp>

#include <vector>

using rtrisk::quantile;
using rtrisk::quantile_method;

// Reference values: Hyndman & Fan (1996) definitions worked by hand on x = 1..10, and equal to
// numpy 1.24's np.percentile(np.arange(1, 11), q, method=...) at q = 10, 25, 95. Tolerance
// 1e-12: one interpolation in double.
TEST_CASE_TEMPLATE("quantile definitions on 1..10", Real, float, double) {
    std::vector<Real> x{7, 3, 10, 1, 5, 2, 9, 4, 8, 6}; // shuffled: the function must select
    const double tol = sizeof(Real) == 4 ? 1e-6 : 1e-12;
    struct row {
        quantile_method m;
        double q10, q25, q95;
    };
    const row rows[] = {
        {quantile_method::linear, 1.9, 3.25, 9.55},
        {quantile_method::inverted_cdf, 1.0, 3.0, 10.0},
        {quantile_method::interpolated_inverted_cdf, 1.0, 2.5, 9.5},
        {quantile_method::hazen, 1.5, 3.0, 10.0},
        {quantile_method::weibull, 1.1, 2.75, 10.0},
        {quantile_method::median_unbiased, 1.0 + 11.0 / 30.0, 2.0 + 11.0 / 12.0, 10.0},
        {quantile_method::normal_unbiased, 1.4, 2.9375, 10.0},
        {quantile_method::lower, 1.0, 3.0, 9.0},
        {quantile_method::higher, 2.0, 4.0, 10.0},
        {quantile_method::nearest, 2.0, 3.0, 10.0},
        {quantile_method::midpoint, 1.5, 3.5, 9.5},
    };
    for (const auto& r : rows) {
        CAPTURE(static_cast<int>(r.m));
        CHECK(quantile(x, 0.10, r.m) == doctest::Approx(r.q10).epsilon(tol));
        CHECK(quantile(x, 0.25, r.m) == doctest::Approx(r.q25).epsilon(tol));
        CHECK(quantile(x, 0.95, r.m) == doctest::Approx(r.q95).epsilon(tol));
    }
    SUBCASE("the input is not reordered") {
        const std::vector<Real> before = x;
        (void)quantile(x, 0.5);
        CHECK(x == before);
    }
    SUBCASE("extremes are the minimum and the maximum") {
        CHECK(quantile(x, 0.0) == Real(1));
        CHECK(quantile(x, 1.0) == Real(10));
    }
}

TEST_CASE("quantile rejects bad input with the value in the message") {
    std::vector<double> x{1, 2, 3};
    CHECK_THROWS_WITH_AS(quantile(x, 1.5), "probability 1.5 is outside [0, 1]", std::invalid_argument);
    CHECK_THROWS_WITH_AS(quantile(std::vector<double>{}, 0.5), "values is empty", std::invalid_argument);
    std::vector<double> bad{1, std::numeric_limits<double>::quiet_NaN(), 3};
    CHECK_THROWS_WITH_AS(quantile(bad, 0.5), "values contains nan at index 1", std::invalid_argument);
}
