#pragma once
/// @file moments.hpp
/// Sample moments of a P&L or return series, as the parametric VaR/ES methods use them.
///
/// Conventions (as PerformanceAnalytics' VaR/ES): the standard deviation uses divisor n
/// (population) by default, n - 1 when `moment_divisor::sample` is chosen; skewness and excess
/// kurtosis are always the population (moment) estimators m3 / m2^1.5 and m4 / m2^2 - 3 with
/// m_k = (1/n) sum (x - mean)^k. Sums accumulate in at least double precision, on the data
/// scaled by a power of two, so the 4th power of 1e200 does not overflow: every moment is finite
/// for finite data, or (a standard deviation beyond the largest double) std::invalid_argument.

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "concepts.hpp"
#include "detail/check.hpp"

namespace rtrisk {

/// Divisor of the variance: n (population, the default) or n - 1 (sample, unbiased).
enum class moment_divisor { population, sample };

/// Mean, standard deviation, skewness and excess kurtosis of a series.
template <std::floating_point Real>
struct basic_moments {
    Real mean{};
    Real std_dev{};
    Real skewness{};        ///< m3 / m2^1.5 (population), 0 when m2 = 0
    Real excess_kurtosis{}; ///< m4 / m2^2 - 3 (population), 0 when m2 = 0
    std::size_t count{};
};
using moments = basic_moments<double>;

namespace detail {
template <class Real>
basic_moments<Real> compute_moments(std::span<const Real> x, moment_divisor divisor) {
    using acc = std::common_type_t<Real, double>;
    const std::size_t n = x.size();
    if (n < 2) throw std::invalid_argument("moments need at least 2 observations, got " + std::to_string(n));
    check_finite(x, "returns");
    // The sums run on x / s, s the power of two at or below max |x|, so no power up to the 4th
    // overflows (|x / s - mean| < 4) however large the data; dividing by a power of two is
    // exact, so the results are the same bits as the unscaled sums whenever those are finite.
    const auto [largest, at] = largest_magnitude(x);
    const acc s = largest > 0 ? std::ldexp(acc(1), std::ilogb(static_cast<acc>(largest))) : acc(1);
    acc sum = 0;
    for (Real v : x) sum += static_cast<acc>(v) / s;
    const acc nn = static_cast<acc>(n);
    const acc mean = sum / nn; // of x / s
    acc m2 = 0, m3 = 0, m4 = 0;
    for (Real v : x) {
        const acc d = static_cast<acc>(v) / s - mean;
        const acc d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    const acc sd = s * std::sqrt(m2 / (divisor == moment_divisor::population ? nn : nn - 1));
    m2 /= nn;
    m3 /= nn;
    m4 /= nn;
    basic_moments<Real> out;
    out.mean = static_cast<Real>(mean * s);
    out.std_dev = static_cast<Real>(sd);
    if (!std::isfinite(out.mean) || !std::isfinite(out.std_dev)) {
        throw std::invalid_argument("the standard deviation of returns overflows: values up to " + fmt(largest) +
                                    " (index " + std::to_string(at) + ") are too large; rescale them");
    }
    out.skewness = m2 > 0 ? static_cast<Real>(m3 / std::pow(m2, acc(1.5))) : Real(0);
    out.excess_kurtosis = m2 > 0 ? static_cast<Real>(m4 / (m2 * m2) - 3) : Real(0);
    out.count = n;
    return out;
}
} // namespace detail

/// Mean, standard deviation (divisor as chosen), population skewness and excess kurtosis.
/// Throws std::invalid_argument for fewer than 2 observations, a non-finite value, or a standard
/// deviation (in float: a mean) too large for the scalar type.
template <PnlRange R>
basic_moments<range_scalar_t<R>> sample_moments(const R& values, moment_divisor divisor = moment_divisor::population) {
    return detail::compute_moments(as_span(values), divisor);
}

} // namespace rtrisk
