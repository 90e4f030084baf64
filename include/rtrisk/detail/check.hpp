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

/// Throws std::invalid_argument unless the two sizes agree.
inline void check_same_size(std::size_t a, std::size_t b, std::string_view what_a, std::string_view what_b) {
    if (a != b) {
        throw std::invalid_argument(std::string(what_a) + " has " + std::to_string(a) + " elements but " +
                                    std::string(what_b) + " has " + std::to_string(b));
    }
}

} // namespace rtrisk::detail
