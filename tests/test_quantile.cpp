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

TEST_CASE("discontinuous definitions pick the order statistic of the exact position, for every confidence") {
    // VaR at confidence c takes the quantile of p = 1 - c, which is inexact in binary
    // (1 - 0.99 = 0.010000000000000009). The reference is exact integer arithmetic on
    // c = k / 1000: (n - 1) p = (n - 1)(1000 - k) / 1000 = q + rem / 1000. nearest rounds halves
    // to even as numpy.around; numpy.quantile(np.arange(251), 0.01, method="nearest") = 2.
    using rtrisk::detail::quantile_position;
    std::vector<double> x(251);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
    CHECK(quantile(x, 1.0 - 0.99, quantile_method::nearest) == 2.0);
    CHECK(quantile(x, 1.0 - 0.98, quantile_method::nearest) == 5.0); // 250 * 0.02 = 5 exactly
    CHECK(quantile(x, 0.99, quantile_method::nearest) == 248.0);     // 247.5: ties to even
    int ties = 0;
    for (std::size_t n = 2; n <= 1200; ++n) {
        for (std::size_t k : {500, 750, 800, 900, 950, 960, 975, 980, 990, 995, 998, 999}) {
            const std::size_t num = (n - 1) * (1000 - k), q = num / 1000, rem = num % 1000;
            const double p = 1.0 - static_cast<double>(k) / 1000.0;
            const std::size_t nearest = rem > 500 ? q + 1 : rem < 500 ? q : q + (q % 2);
            const std::size_t higher = rem > 0 ? q + 1 : q;
            ties += rem == 500;
            CAPTURE(n);
            CAPTURE(k);
            CHECK(quantile_position(n, p, quantile_method::nearest).lo == nearest);
            CHECK(quantile_position(n, p, quantile_method::lower).lo == q);
            CHECK(quantile_position(n, p, quantile_method::higher).lo == higher);
            const auto mid = quantile_position(n, p, quantile_method::midpoint);
            CHECK(mid.lo == q);
            CHECK(mid.hi == higher);
        }
    }
    CHECK(ties > 100); // the sweep does exercise the half-way case
}
