#pragma once
/// @file decomposition.hpp
/// Risk decomposition of a linear portfolio: component (Euler), marginal and incremental VaR,
/// and component ES.
///
/// Conventions (x the exposures, R the T x N scenario returns, VaR/ES positive losses):
/// - marginal VaR_i = dVaR / dx_i;
/// - component VaR_i = x_i dVaR / dx_i; by Euler's theorem for a measure homogeneous of degree
///   one, the components sum to the total VaR (exactly, up to rounding);
/// - incremental VaR_i = VaR(x) - VaR(x with x_i = 0).
/// Methods:
/// - historical: the derivative is minus the instrument returns in the scenario(s) at the
///   quantile (both order statistics of the linear interpolation, with its weights); for ES,
///   minus the mean instrument return over the tail scenarios (Hallerbach 2003; Tasche 2000);
/// - gaussian: dVaR/dx = -mu - z (Sigma x) / sigma_p, dES/dx = -mu + (Sigma x) / sigma_p
///   phi(z) / (1 - c), with z the normal quantile of 1 - c and Sigma, sigma_p with the divisor
///   of the options;
/// - monte_carlo: the historical method on the simulated scenarios (same seed, same numbers);
/// - cornish_fisher: not offered for components (std::invalid_argument); incremental VaR works
///   for every method.
/// Horizon scaling by sqrt(h) applies to every figure.

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <stdexcept>
#include <vector>

#include "expected_shortfall.hpp"
#include "portfolio_risk.hpp"
#include "quantile.hpp"
#include "returns.hpp"
#include "var.hpp"

namespace rtrisk {

namespace detail {

/// The scenarios at a quantile of `pnl`: Q = (1 - frac) pnl[lo] + frac pnl[hi] (scenario indices).
struct quantile_scenarios {
    Eigen::Index lo;
    Eigen::Index hi;
    double frac;
};

template <class Real>
quantile_scenarios locate_quantile(std::span<const Real> pnl, double p, quantile_method qm) {
    const order_position pos = quantile_position(pnl.size(), p, qm);
    std::vector<Eigen::Index> idx(pnl.size());
    std::iota(idx.begin(), idx.end(), Eigen::Index{0});
    auto by_value = [&](Eigen::Index a, Eigen::Index b) { return pnl[a] < pnl[b] || (pnl[a] == pnl[b] && a < b); };
    auto lo_it = idx.begin() + static_cast<std::ptrdiff_t>(pos.lo);
    std::nth_element(idx.begin(), lo_it, idx.end(), by_value);
    const Eigen::Index lo = *lo_it;
    Eigen::Index hi = lo;
    if (pos.hi != pos.lo) hi = *std::min_element(lo_it + 1, idx.end(), by_value);
    return {lo, hi, pos.frac};
}

enum class measure { var, es };

/// dMeasure/dx_i for every i (marginal), before horizon scaling.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> marginal(const Eigen::MatrixBase<DerivedR>& R, const Eigen::MatrixBase<DerivedX>& x,
                                           const var_options& o, measure which) {
    using Real = typename DerivedR::Scalar;
    check_confidence(o.confidence);
    check_horizon(o.horizon_days);
    const vector<Real> pnl = portfolio_pnl(R, x);
    const std::span<const Real> s(pnl.data(), static_cast<std::size_t>(pnl.size()));
    const double alpha = 1.0 - o.confidence;
    switch (o.method) {
    case var_method::historical: {
        check_tail_size(s.size(), o.confidence, which == measure::var ? "historical VaR" : "historical ES");
        if (which == measure::var) {
            const auto q = locate_quantile(s, alpha, o.quantile);
            const Real f = static_cast<Real>(q.frac);
            return -((1 - f) * R.row(q.lo).transpose() + f * R.row(q.hi).transpose());
        }
        std::vector<Real> scratch(s.begin(), s.end());
        const Real threshold = select_quantile(std::span<Real>(scratch), alpha, o.quantile);
        vector<Real> sum = vector<Real>::Zero(R.cols());
        Eigen::Index count = 0;
        for (Eigen::Index k = 0; k < pnl.size(); ++k) {
            if (pnl[k] <= threshold) {
                sum += R.row(k).transpose();
                ++count;
            }
        }
        return -sum / static_cast<Real>(count);
    }
    case var_method::gaussian: {
        if (R.rows() < 2) throw std::invalid_argument("gaussian decomposition needs at least 2 scenarios");
        const Real d = static_cast<Real>(o.divisor == moment_divisor::population ? R.rows() : R.rows() - 1);
        const auto m = sample_moments(s, o.divisor); // the mean and sigma of portfolio_var, overflow-free
        const Real sigma_p = m.std_dev;
        if (!(sigma_p > 0)) throw std::invalid_argument("gaussian decomposition: portfolio P&L has zero variance");
        // Sigma x / sigma_p = R^T ((pnl - mean) / sigma_p) / d: standardised first, so it does not
        // overflow where Sigma x alone would (returns beyond ~1e154).
        const vector<Real> beta = R.transpose() * ((pnl.array() - m.mean) / sigma_p).matrix() / d;
        const vector<Real> mu = R.colwise().mean().transpose();
        const double z = detail::normal_tail_quantile<double>(o.confidence);
        if (which == measure::var) return -mu - static_cast<Real>(z) * beta;
        const double phi = boost::math::pdf(boost::math::normal_distribution<double>(), z);
        return -mu + beta * static_cast<Real>(phi / alpha);
    }
    case var_method::monte_carlo: {
        const auto sim = simulate_like(R, o);
        var_options h = o;
        h.method = var_method::historical;
        return marginal(sim, x, h, which);
    }
    case var_method::cornish_fisher:
        throw std::invalid_argument(
            "risk decomposition by cornish_fisher is not offered; use historical, gaussian or monte_carlo");
    }
    throw std::invalid_argument("unknown var_method");
}

/// `v` if every element is finite, else std::invalid_argument naming the first that is not.
template <class Real>
vector<Real> finite_vector(vector<Real> v, const char* what) {
    for (Eigen::Index i = 0; i < v.size(); ++i) {
        if (!std::isfinite(v(i))) {
            throw std::invalid_argument(std::string(what) + " of instrument " + std::to_string(i) + " overflows (" +
                                        fmt(v(i)) + "); rescale the returns or exposures");
        }
    }
    return v;
}

template <class Real>
Real horizon_scale(const var_options& o) {
    return static_cast<Real>(std::sqrt(o.horizon_days));
}

} // namespace detail

/// Marginal VaR: dVaR/dx_i for each position (per unit of exposure), scaled by sqrt(h).
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> marginal_var(const Eigen::MatrixBase<DerivedR>& scenarios,
                                               const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    using Real = typename DerivedR::Scalar;
    return detail::finite_vector(
        vector<Real>(detail::marginal(scenarios, exposures, options, detail::measure::var) * detail::horizon_scale<Real>(options)),
        "marginal VaR");
}

/// Component VaR: x_i dVaR/dx_i; the components sum to portfolio_var with the same options.
///
///     auto c = rtrisk::component_var(returns, exposures, options);   // c.sum() == portfolio_var(...)
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> component_var(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    return detail::finite_vector(vector<typename DerivedR::Scalar>(marginal_var(scenarios, exposures, options).cwiseProduct(exposures)),
                                 "component VaR");
}

/// Component ES: x_i dES/dx_i; the components sum to portfolio_es with the same options.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> component_es(const Eigen::MatrixBase<DerivedR>& scenarios,
                                               const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    using Real = typename DerivedR::Scalar;
    return detail::finite_vector(
        vector<Real>((detail::marginal(scenarios, exposures, options, detail::measure::es) * detail::horizon_scale<Real>(options))
                         .cwiseProduct(exposures)),
        "component ES");
}

/// Incremental VaR: VaR of the portfolio minus VaR without position i (x_i = 0), for each i;
/// positive when the position adds risk. O(N T) in total for the scenario-based methods.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> incremental_var(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                  const Eigen::MatrixBase<DerivedX>& exposures,
                                                  const var_options& options) {
    using Real = typename DerivedR::Scalar;
    detail::check_confidence(options.confidence);
    detail::check_horizon(options.horizon_days);
    if (options.method == var_method::monte_carlo) {
        var_options h = options;
        h.method = var_method::historical;
        portfolio_pnl(scenarios, exposures);
        return incremental_var(detail::simulate_like(scenarios, options), exposures, h);
    }
    const vector<Real> pnl = portfolio_pnl(scenarios, exposures);
    const Real total = value_at_risk(pnl, options);
    vector<Real> out(scenarios.cols());
    vector<Real> without(pnl.size());
    for (Eigen::Index i = 0; i < scenarios.cols(); ++i) {
        without = pnl - exposures(i) * scenarios.col(i);
        out(i) = total - value_at_risk(without, options);
    }
    return detail::finite_vector(std::move(out), "incremental VaR");
}

} // namespace rtrisk
