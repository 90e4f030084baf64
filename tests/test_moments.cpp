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

TEST_CASE("moments of huge values are finite: the sums run on data scaled by a power of two") {
    // x = 1e200 * {1, 2, 3, 4, 10}: the 4th power (1e800) overflows a double, the moments do not.
    // Scaling is exact, so mean and std are 1e200 times the hand values above; skewness and excess
    // kurtosis are scale-free (same as for {1, 2, 3, 4, 10}). Tolerance: 1e-14, a few roundings.
    const std::vector<double> x{1e200, 2e200, 3e200, 4e200, 10e200};
    const auto m = rtrisk::sample_moments(x);
    CHECK(m.mean == doctest::Approx(4e200).epsilon(1e-14));
    CHECK(m.std_dev == doctest::Approx(std::sqrt(10.0) * 1e200).epsilon(1e-14));
    CHECK(m.skewness == doctest::Approx(36.0 / std::pow(10.0, 1.5)).epsilon(1e-14));
    CHECK(m.excess_kurtosis == doctest::Approx(278.8 / 100.0 - 3.0).epsilon(1e-14));
    // Power-of-two scaling leaves ordinary data bit for bit as before (the unscaled sums).
    const std::vector<double> y{0.013, -0.021, 0.004, 0.0, -0.007, 0.019};
    double mean = 0;
    for (double v : y) mean += v;
    mean /= 6;
    double m2 = 0;
    for (double v : y) m2 += (v - mean) * (v - mean);
    CHECK(rtrisk::sample_moments(y).std_dev == std::sqrt(m2 / 6));
}

TEST_CASE("a standard deviation beyond the largest double is an error naming the value") {
    // sd = sqrt(2) 1.7e308 with divisor n - 1 = 1 (population: 1.7e308 exactly, still finite).
    const std::vector<double> x{-1.7e308, 1.7e308};
    CHECK(rtrisk::sample_moments(x).std_dev == doctest::Approx(1.7e308));
    CHECK_THROWS_WITH_AS(rtrisk::sample_moments(x, rtrisk::moment_divisor::sample),
                         "the standard deviation of returns overflows: values up to 1.7e+308 (index 0) are too large; rescale them",
                         std::invalid_argument);
}
