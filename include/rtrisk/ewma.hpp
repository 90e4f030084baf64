#pragma once
/// @file ewma.hpp
/// EWMA (exponentially weighted moving average) volatility and covariance, and the parametric
/// VaR/ES on them: RiskMetrics (J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed.,
/// 1996, section 5.2.1; J. Hull, Options, Futures and Other Derivatives, "Estimating volatility:
/// the EWMA model").
///
/// Conventions:
/// - zero mean, as RiskMetrics: sigma^2_t = lambda sigma^2_(t-1) + (1 - lambda) r^2_(t-1), the
///   variance forecast for day t from the returns before it; decay lambda in (0, 1), 0.94 the
///   RiskMetrics daily value;
/// - seed: the mean of the squared returns of the first `seed_days` observations (30 by
///   default) is the forecast for the day after them; the recursion then runs over the rest;
/// - covariance alike: Sigma_t = lambda Sigma_(t-1) + (1 - lambda) r_(t-1) r_(t-1)', seeded with
///   the mean of r r' over the first seed_days rows. Since the recursion is linear in r r', the
///   EWMA variance of a portfolio's P&L R x equals x' Sigma x;
/// - VaR and ES are those of a normal distribution with mean 0 and the forecast volatility for
///   the day after the last observation (positive losses in the units of the returns).

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"
#include "expected_shortfall.hpp"
#include "returns.hpp"
#include "var.hpp"

namespace rtrisk {

/// The RiskMetrics daily decay.
inline constexpr double riskmetrics_decay = 0.94;
/// Observations whose mean square seeds the recursion.
inline constexpr std::size_t ewma_seed_days = 30;

namespace detail {
inline void check_decay(double decay) {
    if (!(decay > 0 && decay < 1)) throw std::invalid_argument("decay " + fmt(decay) + " must be in (0, 1)");
}
inline void check_seed(std::size_t seed_days, std::size_t observations) {
    if (seed_days == 0) throw std::invalid_argument("seed_days must be at least 1");
    if (observations < seed_days) {
        throw std::invalid_argument("EWMA needs at least seed_days = " + std::to_string(seed_days) + " observations, got " +
                                    std::to_string(observations));
    }
}
} // namespace detail

/// The EWMA variance forecasts: element k is the forecast for day seed_days + k (0-based) from
/// the returns before it, so the first is the seed and the last (element T - seed_days) the
/// forecast for the day after the last return. O(T).
template <PnlRange R>
std::vector<range_scalar_t<R>> ewma_variances(const R& returns, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    using Real = range_scalar_t<R>;
    const auto r = as_span(returns);
    detail::check_decay(decay);
    detail::check_seed(seed_days, r.size());
    detail::check_finite(r, "returns");
    Real v = 0;
    for (std::size_t t = 0; t < seed_days; ++t) v += r[t] * r[t];
    v /= static_cast<Real>(seed_days);
    std::vector<Real> out;
    out.reserve(r.size() - seed_days + 1);
    out.push_back(v);
    const Real l = static_cast<Real>(decay);
    for (std::size_t t = seed_days; t < r.size(); ++t) {
        v = l * v + (1 - l) * r[t] * r[t];
        out.push_back(v);
    }
    return out;
}

/// The EWMA volatility forecast for the day after the last return.
template <PnlRange R>
range_scalar_t<R> ewma_volatility(const R& returns, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    return std::sqrt(ewma_variances(returns, decay, seed_days).back());
}

/// The EWMA covariance forecast (N x N) for the day after the last row of `returns` (T x N).
template <class Derived>
scenario_matrix<typename Derived::Scalar> ewma_covariance(const Eigen::MatrixBase<Derived>& returns, double decay = riskmetrics_decay,
                                                          std::size_t seed_days = ewma_seed_days) {
    using Real = typename Derived::Scalar;
    detail::check_decay(decay);
    detail::check_seed(seed_days, static_cast<std::size_t>(returns.rows()));
    detail::check_matrix_finite(returns, "returns");
    const auto m = static_cast<Eigen::Index>(seed_days);
    scenario_matrix<Real> cov = returns.topRows(m).transpose() * returns.topRows(m) / static_cast<Real>(seed_days);
    const Real l = static_cast<Real>(decay);
    for (Eigen::Index t = m; t < returns.rows(); ++t) {
        const auto row = returns.row(t).transpose();
        cov = l * cov + (1 - l) * (row * row.transpose());
    }
    return cov;
}

/// VaR of the normal distribution with mean 0 and the EWMA volatility forecast of `pnl`.
template <PnlRange R>
range_scalar_t<R> ewma_var(const R& pnl, double confidence, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    detail::check_confidence(confidence);
    return normal_var(range_scalar_t<R>(0), ewma_volatility(pnl, decay, seed_days), confidence);
}

/// ES of the normal distribution with mean 0 and the EWMA volatility forecast of `pnl`.
template <PnlRange R>
range_scalar_t<R> ewma_es(const R& pnl, double confidence, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    detail::check_confidence(confidence);
    return normal_es(range_scalar_t<R>(0), ewma_volatility(pnl, decay, seed_days), confidence);
}

} // namespace rtrisk
