#pragma once
/// @file quantile.hpp
/// Sample quantiles by selection (O(n) expected, std::nth_element), with the definitions of
/// Hyndman & Fan (1996), "Sample quantiles in statistical packages", The American Statistician
/// 50(4), and the names numpy uses for them.
///
/// The default, `quantile_method::linear`, is R's `quantile(type = 7)` and numpy's default
/// `percentile`/`quantile`: with the sample sorted as x(0) <= ... <= x(n-1), h = (n - 1) p and
/// Q(p) = x(floor h) + (h - floor h) (x(floor h + 1) - x(floor h)).

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"

namespace rtrisk {

/// Quantile definitions. Numbers in brackets are Hyndman & Fan's types.
enum class quantile_method {
    linear,          ///< [7] R's default, numpy's default: h = (n - 1) p
    inverted_cdf,    ///< [1] the smallest x(k) with (k + 1) / n >= p, no interpolation
    interpolated_inverted_cdf, ///< [4] h = n p - 1
    hazen,           ///< [5] h = n p - 1/2
    weibull,         ///< [6] h = (n + 1) p - 1
    median_unbiased, ///< [8] h = (n + 1/3) p - 2/3
    normal_unbiased, ///< [9] h = (n + 1/4) p - 5/8
    lower,           ///< x(floor((n - 1) p))
    higher,          ///< x(ceil((n - 1) p))
    nearest,         ///< x(round((n - 1) p)), ties to even as numpy, decided on the exact position
    midpoint,        ///< mean of lower and higher
};

namespace detail {

/// Where a quantile sits among the order statistics (0-based): Q = (1 - frac) x(lo) + frac x(hi).
struct order_position {
    std::size_t lo;
    std::size_t hi;
    double frac;
};

/// `x` rounded to the nearest integer when it is within 1e-12 (relative) of it, else `x`.
/// Tail probabilities arrive as 1 - c, which is inexact in binary (1 - 0.95 = 0.05000000000000004),
/// so n (1 - c) = 5.0000000000000004 must still count as the whole number 5 for the
/// discontinuous definitions, as numpy's percentile(x, 5) does.
inline double snap_to_integer(double x) {
    const double r = std::nearbyint(x);
    return std::abs(x - r) <= 1e-12 * std::max(1.0, std::abs(x)) ? r : x;
}

/// The position x = m p + k (m = n or n - 1, k a small offset) rounded to the nearest integer
/// when it is within what binary rounding can move it from its decimal value, else `x`. The tail
/// probability p = 1 - c is off by at most 2^-54 (eps / 4) for p <= 1/2 (c in [1/2, 1) is within
/// 2^-54 of its decimal, and 1 - c is exact there), 3 2^-55 (3 eps / 8) above (c and the rounding
/// of 1 - c); the product adds ulp(x) / 2. Wider would move positions that are not whole
/// numbers (2812 (1 - 0.991642958748222) = 23.49999999999974 is not the tie 23.5).
inline double snap_position(double x, double m, double p) {
    const double r = std::nearbyint(x);
    constexpr double eps = std::numeric_limits<double>::epsilon();
    return std::abs(x - r) <= eps * (m * (p > 0.5 ? 0.375 : 0.25) + 2.0 * std::abs(x) + 2.0) ? r : x;
}

/// The position m p rounded to the nearest multiple of 1/2 when within rounding of it (as
/// snap_position): a position that is a tie k + 1/2 in exact arithmetic stays a tie after the
/// rounding of 1 - c (250 (1 - 0.99) = 2.5000000000000022 is the tie 2.5 of
/// numpy.quantile(x, 0.01)).
inline double snap_to_half(double x, double m, double p) { return snap_position(2.0 * x, 2.0 * m, p) / 2.0; }

/// Rounds to the nearest integer, halves to even (numpy.around), whatever the FP rounding mode.
inline double round_half_even(double x) {
    const double r = std::round(x); // halves away from zero
    return std::abs(x - std::trunc(x)) == 0.5 ? 2.0 * std::round(x / 2.0) : r;
}

/// The order statistics a quantile of probability p of n values needs. Requires n >= 1.
inline order_position quantile_position(std::size_t n, double p, quantile_method method) {
    const double last = static_cast<double>(n - 1);
    const double nd = static_cast<double>(n);
    auto clamp_h = [&](double h) { return std::clamp(snap_position(h, nd + 1.0, p), 0.0, last); };
    auto continuous = [&](double h) {
        h = clamp_h(h);
        const double f = std::floor(h);
        const auto lo = static_cast<std::size_t>(f);
        return order_position{lo, std::min(lo + 1, n - 1), h - f};
    };
    switch (method) {
    case quantile_method::linear: return continuous(last * p);
    case quantile_method::interpolated_inverted_cdf: return continuous(nd * p - 1.0);
    case quantile_method::hazen: return continuous(nd * p - 0.5);
    case quantile_method::weibull: return continuous((nd + 1.0) * p - 1.0);
    case quantile_method::median_unbiased: return continuous((nd + 1.0 / 3.0) * p - 2.0 / 3.0);
    case quantile_method::normal_unbiased: return continuous((nd + 0.25) * p - 0.625);
    case quantile_method::inverted_cdf: {
        const double np = snap_position(nd * p, nd, p);
        const double f = std::floor(np);
        double k = (np - f > 0.0) ? f : f - 1.0; // numpy: index ceil(n p) - 1
        const auto idx = static_cast<std::size_t>(clamp_h(k));
        return {idx, idx, 0.0};
    }
    case quantile_method::lower: {
        const auto idx = static_cast<std::size_t>(clamp_h(std::floor(snap_position(last * p, last, p))));
        return {idx, idx, 0.0};
    }
    case quantile_method::higher: {
        const auto idx = static_cast<std::size_t>(clamp_h(std::ceil(snap_position(last * p, last, p))));
        return {idx, idx, 0.0};
    }
    case quantile_method::nearest: {
        // numpy: around((n - 1) p), halves to even. The tie is decided on the exact position, so
        // the neighbour does not depend on how 1 - c rounded (and is the same for every confidence).
        const auto idx = static_cast<std::size_t>(clamp_h(round_half_even(snap_to_half(last * p, last, p))));
        return {idx, idx, 0.0};
    }
    case quantile_method::midpoint: {
        const double h = snap_position(last * p, last, p);
        const auto lo = static_cast<std::size_t>(std::floor(h));
        const auto hi = static_cast<std::size_t>(clamp_h(std::ceil(h)));
        return {lo, hi, lo == hi ? 0.0 : 0.5};
    }
    }
    throw std::invalid_argument("unknown quantile_method " + std::to_string(static_cast<int>(method)));
}

/// Quantile of `scratch` by selection; reorders `scratch`. Requires a non-empty span.
template <class Real>
Real select_quantile(std::span<Real> scratch, double p, quantile_method method) {
    const order_position pos = quantile_position(scratch.size(), p, method);
    auto lo_it = scratch.begin() + static_cast<std::ptrdiff_t>(pos.lo);
    std::nth_element(scratch.begin(), lo_it, scratch.end());
    const Real lo = *lo_it;
    if (pos.hi == pos.lo || pos.frac == 0.0) return lo;
    // After nth_element every element right of lo_it is >= lo, so x(lo + 1) is their minimum.
    const Real hi = *std::min_element(lo_it + 1, scratch.end());
    return lo + static_cast<Real>(pos.frac) * (hi - lo);
}

/// Mean of the values <= q: the tail mean behind historical ES (q at least the minimum, so
/// the tail holds one value or more). Accumulates in double for float input.
template <class Real>
Real tail_mean(std::span<const Real> values, Real q) {
    using acc = std::common_type_t<Real, double>;
    acc sum = 0;
    std::size_t count = 0;
    for (const Real v : values) {
        if (v <= q) {
            sum += v;
            ++count;
        }
    }
    return static_cast<Real>(sum / static_cast<acc>(count));
}

} // namespace detail

/// Sample quantile of probability p in [0, 1] of a non-empty range with no NaN, by selection
/// (O(n) expected; the input is copied, not reordered).
///
///     std::vector<double> x{3, 1, 2, 4};
///     rtrisk::quantile(x, 0.5);   // 2.5, as numpy.percentile(x, 50)
template <PnlRange R>
range_scalar_t<R> quantile(const R& values, double p, quantile_method method = quantile_method::linear) {
    using Real = range_scalar_t<R>;
    const auto x = as_span(values);
    detail::check_not_empty(x, "values");
    detail::check_finite(x, "values");
    if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("probability " + detail::fmt(p) + " is outside [0, 1]");
    std::vector<Real> scratch(x.begin(), x.end());
    return detail::select_quantile(std::span<Real>(scratch), p, method);
}

} // namespace rtrisk
