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

/// The EWMA variance forecasts of r / s (s = power_of_two_scale(r)): the recursion runs on
/// values in (-2, 2), so it neither overflows nor underflows whatever the scale of r; the
/// variances of r are these times s^2, the volatilities these square-rooted times s.
template <class Real>
std::vector<Real> scaled_ewma_variances(std::span<const Real> r, Real s, double decay, std::size_t seed_days) {
    Real v = 0;
    for (std::size_t t = 0; t < seed_days; ++t) v += (r[t] / s) * (r[t] / s);
    v /= static_cast<Real>(seed_days);
    std::vector<Real> out;
    out.reserve(r.size() - seed_days + 1);
    out.push_back(v);
    const Real l = static_cast<Real>(decay);
    for (std::size_t t = seed_days; t < r.size(); ++t) {
        const Real x = r[t] / s;
        v = l * v + (1 - l) * x * x;
        out.push_back(v);
    }
    return out;
}

/// The checked inputs' EWMA variances of r / s, with s = power_of_two_scale(r): what every EWMA
/// figure starts from (scaled_ewma_variances).
template <class Real>
struct scaled_ewma {
    Real scale;
    std::vector<Real> variances;
};
template <class Real>
scaled_ewma<Real> checked_scaled_ewma(std::span<const Real> r, double decay, std::size_t seed_days) {
    check_decay(decay);
    check_seed(seed_days, r.size());
    check_finite(r, "returns");
    const Real s = power_of_two_scale(r);
    return {s, scaled_ewma_variances(r, s, decay, seed_days)};
}
} // namespace detail

/// The EWMA variance forecasts: element k is the forecast for day seed_days + k (0-based) from
/// the returns before it, so the first is the seed and the last (element T - seed_days) the
/// forecast for the day after the last return. O(T). A variance beyond the double range (returns
/// beyond ~1e154) throws std::invalid_argument.
template <PnlRange R>
std::vector<range_scalar_t<R>> ewma_variances(const R& returns, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    const auto r = as_span(returns);
    auto e = detail::checked_scaled_ewma(r, decay, seed_days);
    const auto s = e.scale;
    for (auto& x : e.variances) x = detail::finite_result(x * s * s, "the EWMA variance", r, "returns"); // x s s: (x s) s, no s^2 alone
    return std::move(e.variances);
}

/// The EWMA volatility forecast for the day after the last return (finite for any finite returns).
template <PnlRange R>
range_scalar_t<R> ewma_volatility(const R& returns, double decay = riskmetrics_decay, std::size_t seed_days = ewma_seed_days) {
    const auto r = as_span(returns);
    const auto e = detail::checked_scaled_ewma(r, decay, seed_days);
    return detail::finite_result(std::sqrt(e.variances.back()) * e.scale, "the EWMA volatility", r, "returns");
}

/// The EWMA covariance forecast (N x N) for the day after the last row of `returns` (T x N).
template <class Derived>
scenario_matrix<typename Derived::Scalar> ewma_covariance(const Eigen::MatrixBase<Derived>& returns, double decay = riskmetrics_decay,
                                                          std::size_t seed_days = ewma_seed_days) {
    using Real = typename Derived::Scalar;
    detail::check_decay(decay);
    detail::check_seed(seed_days, static_cast<std::size_t>(returns.rows()));
    detail::check_matrix_finite(returns, "returns");
    // On returns / s (a power of two, exact) so no product overflows; times s^2 at the end.
    const Real largest = returns.size() ? returns.cwiseAbs().maxCoeff() : Real(0);
    const Real s = largest > 0 ? std::ldexp(Real(1), std::ilogb(largest)) : Real(1);
    const scenario_matrix<Real> x = returns / s;
    const auto m = static_cast<Eigen::Index>(seed_days);
    scenario_matrix<Real> cov = x.topRows(m).transpose() * x.topRows(m) / static_cast<Real>(seed_days);
    const Real l = static_cast<Real>(decay);
    for (Eigen::Index t = m; t < x.rows(); ++t) {
        const auto row = x.row(t).transpose();
        cov = l * cov + (1 - l) * (row * row.transpose());
    }
    cov *= s; // twice: s * s alone overflows for returns beyond 2^512
    cov *= s;
    if (!cov.allFinite()) {
        throw std::invalid_argument("the EWMA covariance overflows: returns reach " + detail::fmt(largest) + "; rescale them");
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
