#pragma once
/// @file weighted_historical.hpp
/// Historical simulation that does not weigh a quiet day three years ago like yesterday:
///
/// - Volatility-weighted (filtered) historical simulation, J. Hull and A. White, "Incorporating
///   volatility updating into the historical simulation method for value-at-risk", Journal of
///   Risk 1 (1998): each day's return r_t is rescaled by sigma_(T+1) / sigma_t, sigma_t the EWMA
///   volatility forecast for day t (ewma.hpp) and sigma_(T+1) the forecast for tomorrow. The
///   first seed_days returns only seed the volatility, so T - seed_days scenarios remain. A
///   GARCH(1,1) filter (Barone-Adesi et al., garch.hpp) may replace the EWMA one.
/// - Age-weighted historical simulation, J. Boudoukh, M. Richardson and R. Whitelaw, "The best
///   of both worlds", Risk 11 (1998): the scenario i days old (i = 1 the last row) has weight
///   (1 - lambda) lambda^(i-1) / (1 - lambda^T); the weights sum to 1. VaR is minus the P&L at
///   which the cumulative weight of the outcomes from the worst up reaches 1 - c (no
///   interpolation between outcomes); ES is minus the weighted mean of the tail of probability
///   1 - c, the outcome at the VaR contributing only the weight that completes it.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"
#include "ewma.hpp"
#include "garch.hpp"
#include "var.hpp"

namespace rtrisk {

/// The filtered scenarios of one return series: r_t sigma_(T+1) / sigma_t for t = seed_days..T-1.
/// A day whose forecast volatility is 0 (only zero returns before it) keeps its return as is.
template <PnlRange R>
std::vector<range_scalar_t<R>> filtered_returns(const R& returns, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    using Real = range_scalar_t<R>;
    const auto r = as_span(returns);
    // The ratios sigma_(T+1) / sigma_t are scale-free: from the variances of r / s (any scale).
    const auto v = detail::checked_scaled_ewma(r, decay, seed_days).variances; // v[k]: day seed_days + k
    const Real tomorrow = std::sqrt(v.back());
    std::vector<Real> out;
    out.reserve(r.size() - seed_days);
    for (std::size_t t = seed_days; t < r.size(); ++t) {
        const Real s = std::sqrt(v[t - seed_days]);
        out.push_back(s > 0 ? r[t] * (tomorrow / s) : r[t]);
    }
    return out;
}

/// The filtered scenarios under a GARCH(1,1) filter (Barone-Adesi, Giannopoulos and Vosper;
/// garch.hpp): r_t sigma_T / sigma_t for t = 0..T-1, sigma_t the GARCH forecast for day t and
/// sigma_T the forecast for tomorrow; every return is a scenario (the recursion starts at the
/// returns' mean square). A day whose forecast is 0 keeps its return as is.
template <PnlRange R>
std::vector<range_scalar_t<R>> garch_filtered_returns(const R& returns, const garch11& g) {
    using Real = range_scalar_t<R>;
    const auto r = as_span(returns);
    detail::check_finite(r, "returns");
    // The ratios sigma_T / sigma_t are scale-free: from the variances of r / k under omega / k^2
    // (k a power of two), so the recursion neither overflows nor underflows.
    const Real k = detail::power_of_two_scale(r);
    std::vector<Real> x(r.size());
    for (std::size_t t = 0; t < r.size(); ++t) x[t] = r[t] / k;
    garch11 scaled = g;
    scaled.omega = g.omega / static_cast<double>(k) / static_cast<double>(k); // k^2 alone over- or underflows at the extremes
    const auto v = garch11_variances(x, scaled);
    const Real tomorrow = std::sqrt(v.back());
    std::vector<Real> out(r.size());
    for (std::size_t t = 0; t < r.size(); ++t) {
        const Real s = std::sqrt(v[t]);
        out[t] = s > 0 ? r[t] * (tomorrow / s) : r[t];
    }
    return out;
}

/// Filtered historical VaR of a P&L or return series (historical VaR of filtered_returns).
template <PnlRange R>
range_scalar_t<R> filtered_historical_var(const R& pnl, double confidence, double decay = riskmetrics_decay,
                                          std::size_t seed_days = ewma_seed_days) {
    return historical_var(filtered_returns(pnl, decay, seed_days), confidence);
}

/// Filtered historical ES of a P&L or return series (historical ES of filtered_returns).
template <PnlRange R>
range_scalar_t<R> filtered_historical_es(const R& pnl, double confidence, double decay = riskmetrics_decay,
                                         std::size_t seed_days = ewma_seed_days) {
    return historical_es(filtered_returns(pnl, decay, seed_days), confidence);
}

/// The age weights of T scenarios in row order (the last row the newest): element t is
/// (1 - lambda) lambda^(T-1-t) / (1 - lambda^T).
template <std::floating_point Real = double>
std::vector<Real> age_weights(std::size_t scenarios, double decay) {
    detail::check_decay(decay);
    if (scenarios == 0) throw std::invalid_argument("age weights need at least one scenario");
    std::vector<Real> w(scenarios);
    const double norm = (1 - decay) / -std::expm1(static_cast<double>(scenarios) * std::log(decay)); // (1 - l) / (1 - l^T)
    double p = 1;                                                                                   // lambda^(age - 1)
    for (std::size_t i = scenarios; i-- > 0;) {
        w[i] = static_cast<Real>(norm * p);
        p *= decay;
    }
    return w;
}

namespace detail {
/// The age-weighted tail of `x` with weights `w` (same length, summing to 1) at tail
/// probability alpha, by weighted selection: partition around a pivot, keep the side where the
/// cumulative weight from the worst up reaches alpha. O(T) expected; `scratch` is overwritten.
template <std::floating_point Real>
basic_tail_risk<Real> weighted_tail_at(std::span<const Real> x, std::span<const double> w, double alpha,
                                       std::vector<std::pair<Real, double>>& scratch) {
    scratch.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) scratch[i] = {x[i], w[i]};
    auto first = scratch.begin(), last = scratch.end();
    double cumulative = 0, tail = 0; // weight and weighted sum of the outcomes already known to lie below
    std::uint64_t state = 0x9E3779B97F4A7C15ull; // xorshift pivots: expected O(T) whatever the order
    Real best = x[0];
    for (;;) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        const Real pivot = (first + static_cast<std::ptrdiff_t>(state % static_cast<std::uint64_t>(last - first)))->first;
        const auto mid = std::partition(first, last, [&](const auto& e) { return e.first < pivot; });
        const auto high = std::partition(mid, last, [&](const auto& e) { return !(pivot < e.first); });
        double below = 0, below_sum = 0, at = 0;
        for (auto it = first; it != mid; ++it) below += it->second, below_sum += it->second * static_cast<double>(it->first);
        for (auto it = mid; it != high; ++it) at += it->second;
        if (cumulative + below >= alpha && mid != first) { // the quantile lies strictly below the pivot
            last = mid;
            continue;
        }
        cumulative += below;
        tail += below_sum;
        if (cumulative + at >= alpha || high == last) { // the pivot's outcomes complete the tail (or rounding left it short)
            tail += std::min(at, alpha - cumulative) * static_cast<double>(pivot);
            best = pivot;
            break;
        }
        cumulative += at;
        tail += at * static_cast<double>(pivot);
        first = high;
    }
    return {static_cast<Real>(-best), static_cast<Real>(-tail / alpha)};
}
} // namespace detail

/// VaR and ES (positive losses) of `pnl` with age weights (Boudoukh, Richardson and Whitelaw),
/// O(T) expected by weighted selection.
template <PnlRange R>
basic_tail_risk<range_scalar_t<R>> age_weighted_tail(const R& pnl, double confidence, double decay) {
    using Real = range_scalar_t<R>;
    const auto x = as_span(pnl);
    detail::check_confidence(confidence);
    detail::check_finite(x, "pnl");
    const auto w = age_weights<double>(x.size(), decay);
    std::vector<std::pair<Real, double>> scratch;
    return detail::weighted_tail_at(x, std::span<const double>(w), 1 - confidence, scratch);
}

/// Age-weighted historical VaR.
template <PnlRange R>
range_scalar_t<R> age_weighted_var(const R& pnl, double confidence, double decay) {
    return age_weighted_tail(pnl, confidence, decay).var;
}

/// Age-weighted historical ES.
template <PnlRange R>
range_scalar_t<R> age_weighted_es(const R& pnl, double confidence, double decay) {
    return age_weighted_tail(pnl, confidence, decay).es;
}

} // namespace rtrisk
