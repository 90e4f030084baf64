#pragma once
/// @file stressed_var.hpp
/// Stressed VaR (Basel Committee, "Revisions to the Basel II market risk framework", 2009,
/// paragraph 718 (Lxxvi)): the current portfolio's VaR calibrated to a period of significant
/// stress, here the `window` consecutive days of a long history on which the historical VaR of
/// the portfolio's P&L is largest.
///
/// Conventions: the P&L (or returns) series is in time order; the VaR of a window is
/// historical_var on its P&L with the quantile definition asked for (linear interpolation by
/// default, as historical_var); windows slide by one day; ties go to the earliest window. The
/// result names the window by its first and last rows (both included). O(T x window).

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"
#include "var.hpp"

namespace rtrisk {

/// The stressed VaR and the rows [first, last] of its window.
template <std::floating_point Real>
struct basic_stressed_var {
    Real var{};
    std::size_t first = 0, last = 0;
};

/// @param pnl the current portfolio's P&L (or returns) over a long history, oldest first
/// @param confidence in (0, 1); @param window days per window, at least the tail needs and at most pnl's length
///
///     auto s = rtrisk::stressed_var(pnl, 0.99, 250);   // s.var, s.first, s.last
template <PnlRange R>
basic_stressed_var<range_scalar_t<R>> stressed_var(const R& pnl, double confidence = 0.99, std::size_t window = 250,
                                                   quantile_method method = quantile_method::linear) {
    using Real = range_scalar_t<R>;
    const auto x = as_span(pnl);
    detail::check_confidence(confidence);
    detail::check_finite(x, "P&L");
    if (window == 0 || window > x.size()) {
        throw std::invalid_argument("stressed VaR window " + std::to_string(window) + " must be between 1 and the " +
                                    std::to_string(x.size()) + " days of the P&L");
    }
    detail::check_tail_size(window, confidence, "stressed VaR window");
    basic_stressed_var<Real> best;
    std::vector<Real> scratch(window);
    for (std::size_t first = 0; first + window <= x.size(); ++first) {
        scratch.assign(x.begin() + static_cast<std::ptrdiff_t>(first), x.begin() + static_cast<std::ptrdiff_t>(first + window));
        const Real v = -detail::select_quantile(std::span<Real>(scratch), 1.0 - confidence, method);
        if (first == 0 || v > best.var) best = {v, first, first + window - 1};
    }
    return best;
}

} // namespace rtrisk
