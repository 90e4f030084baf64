#pragma once
/// @file concepts.hpp
/// Concepts for the inputs of rtrisk's free functions.
///
/// A `PnlRange` is any contiguous one-dimensional sequence of floating-point values that offers
/// `data()` and `size()`: `std::vector<double>`, `std::span<const float>`, `std::array`,
/// `Eigen::VectorXd`, a column of a column-major Eigen matrix mapped as a vector, ... Every
/// function taking a `PnlRange` reads it through a `std::span<const Real>`, so one code path
/// serves C++, the engine and the Python bindings.

#include <concepts>
#include <cstddef>
#include <iterator>
#include <span>
#include <type_traits>
#include <utility>

namespace rtrisk {

namespace detail {
template <class R>
using data_value_t = std::remove_cvref_t<decltype(*std::data(std::declval<const R&>()))>;

/// True for types that are visibly two-dimensional (Eigen matrices with more than one column at
/// compile time), which must not be read as one flat sequence.
template <class R>
constexpr bool is_two_dimensional() {
    if constexpr (requires { R::ColsAtCompileTime; R::RowsAtCompileTime; }) {
        return R::ColsAtCompileTime != 1 && R::RowsAtCompileTime != 1;
    } else {
        return false;
    }
}
} // namespace detail

/// A contiguous, sized, one-dimensional range of floating-point numbers.
template <class R>
concept PnlRange = requires(const R& r) {
    std::data(r);
    std::size(r);
} && std::floating_point<detail::data_value_t<R>> && (!detail::is_two_dimensional<std::remove_cvref_t<R>>());

/// The scalar type of a PnlRange.
template <PnlRange R>
using range_scalar_t = detail::data_value_t<R>;

/// A read-only span over a PnlRange; the span lives as long as the range it views.
template <PnlRange R>
std::span<const range_scalar_t<R>> as_span(const R& r) {
    return {std::data(r), static_cast<std::size_t>(std::size(r))};
}

} // namespace rtrisk
