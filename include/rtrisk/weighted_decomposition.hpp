#pragma once
/// @file weighted_decomposition.hpp
/// Component VaR and ES under the scenario-weighting methods (scenario_weighting.hpp): each
/// position's part of the portfolio's figure; the components sum to weighted_tail's VaR or ES
/// with the same weighting (up to rounding).
///
/// - EWMA: Euler on the normal figures with the EWMA covariance Sigma (ewma.hpp), c_i = x_i
///   (Sigma x)_i / sigma_p times -z (VaR) or phi(z) / alpha (ES), z the standard normal quantile
///   of alpha = 1 - c; Sigma x = R' (e .* R x), e the recursion's weight of each row, so no N x N
///   matrix is formed. O(T N).
/// - Age-weighted: the positions' P&L in the scenario at the weighted quantile (VaR), or their
///   weighted mean over the tail with the weights weighted_tail counts (ES): Euler, since the
///   figure is piecewise linear in x with the scenario fixed (Boudoukh, Richardson and Whitelaw).
/// - Filtered historical: the positions' P&L in the filtered scenario(s) at the quantile
///   (interpolated as the linear quantile is) or over the tail, each row scaled by the
///   portfolio's filter factor sigma_(T+1) / sigma_t held fixed: an allocation at the VaR
///   scenario(s) that sums to the VaR (the factors depend on x, so it is not the derivative).
///
/// Conventions as decomposition.hpp: R is T x N returns (rows oldest first), x exposures in
/// currency, one period, positive losses.

#include <Eigen/Core>
#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <stdexcept>
#include <vector>

#include "decomposition.hpp"
#include "detail/check.hpp"
#include "returns.hpp"
#include "scenario_weighting.hpp"

namespace rtrisk {

namespace detail {
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> weighted_components(const Eigen::MatrixBase<DerivedR>& R, const Eigen::MatrixBase<DerivedX>& x,
                                                      const weighting& w, double confidence, measure which) {
    using Real = typename DerivedR::Scalar;
    check_confidence(confidence);
    check_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(R.cols()), "exposures", "scenario matrix row");
    check_matrix_finite(R, "returns");
    const vector<Real> pnl = portfolio_pnl(R, x);
    const auto T = static_cast<std::size_t>(pnl.size());
    const std::span<const Real> s(pnl.data(), T);
    const double alpha = 1 - confidence;
    const auto row_mix = [&](const std::vector<std::pair<Eigen::Index, double>>& rows) { // -x .* sum of weighted rows
        vector<Real> out = vector<Real>::Zero(R.cols());
        for (const auto& [t, weight] : rows) out.noalias() += static_cast<Real>(weight) * R.row(t).transpose();
        return vector<Real>(-out.cwiseProduct(x));
    };
    switch (w.method) {
    case scenario_weighting::ewma: {
        check_decay(w.decay);
        check_seed(ewma_seed_days, T);
        // the recursion's weight of each row in the forecast for the day after the last
        std::vector<double> e(T);
        const double tail_factor = std::pow(w.decay, static_cast<double>(T - ewma_seed_days));
        for (std::size_t t = 0; t < ewma_seed_days; ++t) e[t] = tail_factor / static_cast<double>(ewma_seed_days);
        for (std::size_t t = ewma_seed_days; t < T; ++t) e[t] = (1 - w.decay) * std::pow(w.decay, static_cast<double>(T - 1 - t));
        vector<Real> weighted(static_cast<Eigen::Index>(T));
        for (std::size_t t = 0; t < T; ++t) weighted(static_cast<Eigen::Index>(t)) = static_cast<Real>(e[t]) * pnl(static_cast<Eigen::Index>(t));
        const Real sigma = ewma_volatility(s, w.decay);
        if (!(sigma > 0)) throw std::invalid_argument("EWMA decomposition: the portfolio's EWMA volatility is 0");
        const vector<Real> beta = R.transpose() * weighted / sigma; // Sigma x / sigma_p
        const boost::math::normal_distribution<double> n;
        const double z = detail::normal_tail_quantile<double>(confidence);
        const double k = which == measure::var ? -z : boost::math::pdf(n, z) / alpha;
        return static_cast<Real>(k) * beta.cwiseProduct(x);
    }
    case scenario_weighting::age_weighted: {
        const auto aw = age_weights<double>(T, w.decay);
        std::vector<Eigen::Index> order(T);
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return pnl(a) < pnl(b) || (pnl(a) == pnl(b) && a < b); });
        std::vector<std::pair<Eigen::Index, double>> tail;
        double cumulative = 0;
        for (const auto t : order) {
            const double take = std::min(aw[static_cast<std::size_t>(t)], alpha - cumulative);
            tail.emplace_back(t, take / alpha);
            cumulative += aw[static_cast<std::size_t>(t)];
            if (cumulative >= alpha) break;
        }
        if (which == measure::var) return row_mix({{tail.back().first, 1.0}});
        return row_mix(tail);
    }
    case scenario_weighting::filtered_historical: {
        // the portfolio's filter factor of each kept row, as filtered_scenarios applies it
        std::vector<double> factor;
        std::size_t first = 0;
        if (w.filter == volatility_filter::ewma) {
            const auto v = ewma_variances(s, w.decay);
            first = ewma_seed_days;
            for (std::size_t t = first; t < T; ++t) {
                const double sd = std::sqrt(static_cast<double>(v[t - first]));
                factor.push_back(sd > 0 ? std::sqrt(static_cast<double>(v.back())) / sd : 1.0);
            }
        } else {
            const auto v = garch11_variances(s, w.garch.omega > 0 ? w.garch : fit_garch11(s));
            for (std::size_t t = 0; t < T; ++t) {
                const double sd = std::sqrt(static_cast<double>(v[t]));
                factor.push_back(sd > 0 ? std::sqrt(static_cast<double>(v.back())) / sd : 1.0);
            }
        }
        std::vector<Real> f(factor.size());
        for (std::size_t k = 0; k < f.size(); ++k) f[k] = static_cast<Real>(pnl(static_cast<Eigen::Index>(first + k)) * factor[k]);
        check_tail_size(f.size(), confidence, which == measure::var ? "filtered historical VaR" : "filtered historical ES");
        const auto row = [&](std::size_t k) { return static_cast<Eigen::Index>(first + k); };
        if (which == measure::var) {
            const auto q = locate_quantile(std::span<const Real>(f), alpha, quantile_method::linear);
            const auto lo = static_cast<std::size_t>(q.lo), hi = static_cast<std::size_t>(q.hi);
            return row_mix({{row(lo), (1 - q.frac) * factor[lo]}, {row(hi), q.frac * factor[hi]}});
        }
        std::vector<Real> scratch(f);
        const Real threshold = select_quantile(std::span<Real>(scratch), alpha, quantile_method::linear);
        std::vector<std::pair<Eigen::Index, double>> tail;
        for (std::size_t k = 0; k < f.size(); ++k) {
            if (f[k] <= threshold) tail.emplace_back(row(k), factor[k]);
        }
        for (auto& e : tail) e.second /= static_cast<double>(tail.size());
        return row_mix(tail);
    }
    }
    throw std::invalid_argument("unknown scenario_weighting " + std::to_string(static_cast<int>(w.method)));
}
} // namespace detail

/// Component VaR under a weighting method: sums to weighted_tail(R x, w, c, c).var.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> weighted_component_var(const Eigen::MatrixBase<DerivedR>& scenarios, const Eigen::MatrixBase<DerivedX>& exposures,
                                                         const weighting& w, double confidence) {
    return detail::finite_vector(detail::weighted_components(scenarios, exposures, w, confidence, detail::measure::var), "component VaR");
}

/// Component ES under a weighting method: sums to weighted_tail(R x, w, c, c).es.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> weighted_component_es(const Eigen::MatrixBase<DerivedR>& scenarios, const Eigen::MatrixBase<DerivedX>& exposures,
                                                        const weighting& w, double confidence) {
    return detail::finite_vector(detail::weighted_components(scenarios, exposures, w, confidence, detail::measure::es), "component ES");
}

} // namespace rtrisk
