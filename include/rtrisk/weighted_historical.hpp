#pragma once
/// @file weighted_historical.hpp
/// Historical simulation that does not weigh a quiet day three years ago like yesterday:
///
/// - Volatility-weighted (filtered) historical simulation, J. Hull and A. White, "Incorporating
///   volatility updating into the historical simulation method for value-at-risk", Journal of
///   Risk 1 (1998): each day's return r_t is rescaled by sigma_(T+1) / sigma_t, sigma_t the EWMA
///   volatility forecast for day t (ewma.hpp) and sigma_(T+1) the forecast for tomorrow. The
///   first seed_days returns only seed the volatility, so T - seed_days scenarios remain.
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
#include <span>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"
#include "ewma.hpp"
#include "var.hpp"

namespace rtrisk {

/// The filtered scenarios of one return series: r_t sigma_(T+1) / sigma_t for t = seed_days..T-1.
/// A day whose forecast volatility is 0 (only zero returns before it) keeps its return as is.
template <PnlRange R>
std::vector<range_scalar_t<R>> filtered_returns(const R& returns, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    using Real = range_scalar_t<R>;
    const auto r = as_span(returns);
    const auto v = ewma_variances(returns, decay, seed_days); // v[k]: forecast for day seed_days + k
    const Real tomorrow = std::sqrt(v.back());
    std::vector<Real> out;
    out.reserve(r.size() - seed_days);
    for (std::size_t t = seed_days; t < r.size(); ++t) {
        const Real s = std::sqrt(v[t - seed_days]);
        out.push_back(s > 0 ? r[t] * (tomorrow / s) : r[t]);
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

/// VaR and ES (positive losses) of `pnl` with age weights (Boudoukh, Richardson and Whitelaw).
template <PnlRange R>
basic_tail_risk<range_scalar_t<R>> age_weighted_tail(const R& pnl, double confidence, double decay) {
    using Real = range_scalar_t<R>;
    const auto x = as_span(pnl);
    detail::check_confidence(confidence);
    detail::check_finite(x, "pnl");
    const auto w = age_weights<double>(x.size(), decay);
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b] || (x[a] == x[b] && a < b); });
    const double alpha = 1 - confidence;
    double cumulative = 0, tail = 0;
    for (const auto i : order) {
        const double take = std::min(w[i], alpha - cumulative); // the part of this outcome's weight inside the tail
        tail += take * static_cast<double>(x[i]);
        cumulative += w[i];
        if (cumulative >= alpha) return {static_cast<Real>(-x[i]), static_cast<Real>(-tail / alpha)};
    }
    const auto best = order.back(); // rounding left the weights a hair short of alpha: the best outcome closes the tail
    return {static_cast<Real>(-x[best]), static_cast<Real>(-tail / alpha)};
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
