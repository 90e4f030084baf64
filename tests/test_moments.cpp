#include <doctest/doctest.h>

#include <rtrisk/moments.hpp>

#include <cmath>
#include <vector>

// Hand-computed: x = {1, 2, 3, 4, 10}, mean 4; deviations -3 -2 -1 0 6;
// m2 = (9+4+1+0+36)/5 = 10, m3 = (-27-8-1+0+216)/5 = 36, m4 = (81+16+1+0+1296)/5 = 278.8.
TEST_CASE_TEMPLATE("sample moments by hand", Real, float, double) {
    const std::vector<Real> x{1, 2, 3, 4, 10};
    const double tol = sizeof(Real) == 4 ? 1e-6 : 1e-14;
    const auto pop = rtrisk::sample_moments(x);
    CHECK(pop.mean == doctest::Approx(4.0).epsilon(tol));
    CHECK(pop.std_dev == doctest::Approx(std::sqrt(10.0)).epsilon(tol));
    CHECK(pop.skewness == doctest::Approx(36.0 / std::pow(10.0, 1.5)).epsilon(tol));
    CHECK(pop.excess_kurtosis == doctest::Approx(278.8 / 100.0 - 3.0).epsilon(tol));
    const auto smp = rtrisk::sample_moments(x, rtrisk::moment_divisor::sample);
    CHECK(smp.std_dev == doctest::Approx(std::sqrt(50.0 / 4.0)).epsilon(tol));
    CHECK(smp.skewness == doctest::Approx(pop.skewness).epsilon(tol)); // skewness is always population
}

TEST_CASE("moments reject short or non-finite input") {
    CHECK_THROWS_WITH_AS(rtrisk::sample_moments(std::vector<double>{1.0}), "moments need at least 2 observations, got 1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::sample_moments(std::vector<double>{1.0, INFINITY}), "returns contains inf at index 1",
                         std::invalid_argument);
}
