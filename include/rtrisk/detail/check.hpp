#pragma once
/// @file detail/check.hpp
/// Input validation shared by the public headers. Every failed check throws an exception whose
/// message names the offending value, e.g. "confidence 1.3 is outside (0, 1)".

#include <cmath>
#include <cstddef>
#include <iomanip>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace rtrisk::detail {

/// Formats a number for an error message: 12 significant digits, so 0.99 prints as 0.99.
template <class T>
std::string fmt(T value) {
    std::ostringstream os;
    os << std::setprecision(12) << value;
    return os.str();
}

/// Throws std::invalid_argument unless 0 < confidence < 1.
inline void check_confidence(double confidence, std::string_view what = "confidence") {
    if (!(confidence > 0.0 && confidence < 1.0)) {
        throw std::invalid_argument(std::string(what) + " " + fmt(confidence) + " is outside (0, 1)");
    }
}

/// Throws std::invalid_argument unless 0 < confidence < 1 and its tail probability 1 - c is
/// below 1 in binary (a confidence under ~1.1e-16 has 1 - c == 1: no finite normal quantile,
/// and a backtest's null probability of a non-exception is 0).
inline void check_tail_probability(double confidence, std::string_view what = "confidence") {
    check_confidence(confidence, what);
    if (!(1.0 - confidence < 1.0)) {
        throw std::invalid_argument(std::string(what) + " " + fmt(confidence) + " is too close to 0: its tail probability 1 - c rounds to 1");
    }
}

/// Throws std::invalid_argument naming the first non-finite element of `values` and its index.
template <class Real>
void check_finite(std::span<const Real> values, std::string_view what) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            throw std::invalid_argument(std::string(what) + " contains " + fmt(values[i]) + " at index " +
                                        std::to_string(i));
        }
    }
}

/// Throws std::invalid_argument if `values` is empty.
template <class Real>
void check_not_empty(std::span<const Real> values, std::string_view what) {
    if (values.empty()) throw std::invalid_argument(std::string(what) + " is empty");
}

/// Throws std::invalid_argument unless `value` is finite.
template <class Real>
void check_finite_value(Real value, std::string_view what) {
    if (!std::isfinite(value)) throw std::invalid_argument(std::string(what) + " " + fmt(value) + " is not finite");
}

/// The largest |x_i| and its index (for messages about values too large to handle).
template <class Real>
std::pair<Real, std::size_t> largest_magnitude(std::span<const Real> x) {
    std::size_t at = 0;
    for (std::size_t i = 1; i < x.size(); ++i)
        if (std::abs(x[i]) > std::abs(x[at])) at = i;
    return {x.empty() ? Real(0) : std::abs(x[at]), at};
}

/// The power of two at or below max |x| (1 when every x is 0): x divided by it lies in (-2, 2),
/// where squares and sums of squares neither overflow nor lose the large values to underflow,
/// and dividing or multiplying by it is exact (scale-free algorithms run on x / s).
template <class Real>
Real power_of_two_scale(std::span<const Real> x) {
    const Real largest = largest_magnitude(x).first;
    return largest > 0 && std::isfinite(largest) ? std::ldexp(Real(1), std::ilogb(largest)) : Real(1);
}

/// Returns `result` if finite; else throws std::invalid_argument saying that `what` overflowed
/// and naming the largest |value| of its input. Finite inputs can still give an infinite risk
/// figure (1e308 - (-1e308)); a result is a number or an error, never inf or NaN.
template <class Real>
Real finite_result(Real result, std::string_view what, std::span<const Real> input, std::string_view input_name) {
    if (std::isfinite(result)) return result;
    const auto [largest, at] = largest_magnitude(input);
    throw std::invalid_argument(std::string(what) + " overflows (" + fmt(result) + "): " + std::string(input_name) +
                                " reaches " + fmt(largest) + " at index " + std::to_string(at) + "; rescale it");
}

/// Physical memory in bytes (POSIX sysconf), or 2^40 (1 TiB) where the platform does not say.
inline double physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return static_cast<double>(pages) * static_cast<double>(page);
#endif
    return 1099511627776.0;
}

/// Throws std::invalid_argument unless `paths` Monte Carlo paths fit in memory. A run holds
/// `numbers_per_path` numbers of `bytes` bytes per path at once (`why` says which); the limit is
/// the machine's physical memory, so an impossible request fails here, by name, rather than as
/// std::bad_alloc or std::length_error from deep inside.
inline void check_paths(std::size_t paths, double numbers_per_path, std::size_t bytes, std::string_view why) {
    if (paths == 0) throw std::invalid_argument("monte_carlo paths must be positive, got 0");
    const double per_path = numbers_per_path * static_cast<double>(bytes);
    const double need = static_cast<double>(paths) * per_path, have = physical_memory_bytes();
    if (need > have) {
        throw std::invalid_argument("monte_carlo paths " + std::to_string(paths) + " need " + fmt(need / 1e9) +
                                    " GB of working memory (" + fmt(per_path) + " bytes per path: " + std::string(why) +
                                    "), more than the " + fmt(have / 1e9) + " GB of physical memory; at most " +
                                    std::to_string(static_cast<std::size_t>(have / per_path)) + " paths fit");
    }
}

/// Throws std::invalid_argument unless the two sizes agree.
inline void check_same_size(std::size_t a, std::size_t b, std::string_view what_a, std::string_view what_b) {
    if (a != b) {
        throw std::invalid_argument(std::string(what_a) + " has " + std::to_string(a) + " elements but " +
                                    std::string(what_b) + " has " + std::to_string(b));
    }
}

} // namespace rtrisk::detail
