#pragma once
/// @file expected_shortfall.hpp
/// Expected Shortfall (ES, CVaR) of a P&L (or return) series.
///
/// Conventions (docs/conventions.md): ES is a **positive loss**, the mean loss in the tail of
/// probability 1 - c; units of the input; `horizon_days` h scales by sqrt(h). For every method
/// ES >= VaR at the same confidence.

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <type_traits>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"
#include "moments.hpp"
#include "quantile.hpp"
#include "var.hpp"

namespace rtrisk {

namespace detail {

template <class Real>
Real historical_es_impl(std::span<const Real> pnl, double confidence, quantile_method qm) {
    check_confidence(confidence);
    check_not_empty(pnl, "P&L");
    check_finite(pnl, "P&L");
    check_tail_size(pnl.size(), confidence, "historical ES");
    std::vector<Real> scratch(pnl.begin(), pnl.end());
    const Real q = select_quantile(std::span<Real>(scratch), 1.0 - confidence, qm);
    return -tail_mean(pnl, q);
}

/// Tail mean E_G[z | z <= h] of the Edgeworth (Cornish-Fisher) density, in closed form:
/// -(1/a) phi(h) [1 + h^3 S/6 + (h^6 - 9h^4 + 9h^2 + 3) S^2/72 + (h^4 - 2h^2 - 1) K/24]
/// (Boudt, Peterson & Croux 2008, "Estimation and decomposition of downside risk for
/// portfolios with non-normal returns", Journal of Risk 11(2), eq. (8) and appendix).
template <class Real>
Real edgeworth_tail_mean(Real h, Real skew, Real exkurt, double alpha) {
    const Real h2 = h * h, h3 = h2 * h, h4 = h2 * h2, h6 = h4 * h2;
    const Real phi = static_cast<Real>(boost::math::pdf(boost::math::normal_distribution<double>(), h));
    const Real bracket = 1 + h3 * skew / 6 + (h6 - 9 * h4 + 9 * h2 + 3) * skew * skew / 72 + (h4 - 2 * h2 - 1) * exkurt / 24;
    return -phi * bracket / static_cast<Real>(alpha);
}

} // namespace detail

/// ES of a normal distribution: -mean + std_dev phi(z) / (1 - c), z the normal quantile of 1 - c.
template <std::floating_point Real>
Real normal_es(Real mean, Real std_dev, double confidence) {
    detail::check_confidence(confidence);
    const double z = detail::normal_tail_quantile<double>(confidence);
    const double phi = boost::math::pdf(boost::math::normal_distribution<double>(), z);
    return -mean + std_dev * static_cast<Real>(phi / (1.0 - confidence));
}

/// Historical ES: minus the mean of the outcomes at or below the (1 - confidence) quantile
/// (the quantile as historical_var computes it). O(T).
///
///     double es = rtrisk::historical_es(pnl, 0.975);
template <PnlRange R>
range_scalar_t<R> historical_es(const R& pnl, double confidence, quantile_method method = quantile_method::linear) {
    return detail::historical_es_impl(as_span(pnl), confidence, method);
}

/// Gaussian ES with the sample mean and standard deviation (divisor n by default).
template <PnlRange R>
range_scalar_t<R> gaussian_es(const R& pnl, double confidence, moment_divisor divisor = moment_divisor::population) {
    detail::check_confidence(confidence);
    const auto m = sample_moments(pnl, divisor);
    return normal_es(m.mean, m.std_dev, confidence);
}

/// Modified (Cornish-Fisher) ES of Boudt, Peterson & Croux (2008) from moments:
/// -mean - sd min(E_G, h), h the Cornish-Fisher quantile and E_G the Edgeworth tail mean. The
/// `min` reports ES no less than the modified VaR, as PerformanceAnalytics'
/// `ES(method = "modified", operational = TRUE)` does.
template <std::floating_point Real>
Real cornish_fisher_es(const basic_moments<Real>& m, double confidence) {
    detail::check_confidence(confidence);
    const Real z = detail::normal_tail_quantile<Real>(confidence);
    const Real h = detail::cornish_fisher_quantile(z, m.skewness, m.excess_kurtosis);
    const Real eg = detail::edgeworth_tail_mean(h, m.skewness, m.excess_kurtosis, 1.0 - confidence);
    return -m.mean - m.std_dev * std::min(eg, h);
}

/// Modified (Cornish-Fisher) ES of a series; equals gaussian_es when skewness and excess
/// kurtosis are zero.
template <PnlRange R>
range_scalar_t<R> cornish_fisher_es(const R& pnl, double confidence, moment_divisor divisor = moment_divisor::population) {
    detail::check_confidence(confidence);
    return cornish_fisher_es(sample_moments(pnl, divisor), confidence);
}

/// ES of a P&L series by the method in `options` (see value_at_risk), scaled by sqrt(horizon_days);
/// finite, or std::invalid_argument when it overflows.
template <PnlRange R>
range_scalar_t<R> expected_shortfall(const R& pnl, const var_options& options) {
    using Real = range_scalar_t<R>;
    detail::check_horizon(options.horizon_days);
    Real v{};
    switch (options.method) {
    case var_method::historical: v = historical_es(pnl, options.confidence, options.quantile); break;
    case var_method::gaussian: v = gaussian_es(pnl, options.confidence, options.divisor); break;
    case var_method::cornish_fisher: v = cornish_fisher_es(pnl, options.confidence, options.divisor); break;
    case var_method::monte_carlo: {
        detail::check_confidence(options.confidence);
        const auto sim = detail::simulate_normal_pnl(sample_moments(pnl, options.divisor), options.paths, options.seed);
        v = historical_es(sim, options.confidence, options.quantile);
        break;
    }
    }
    return detail::finite_result(v * static_cast<Real>(std::sqrt(options.horizon_days)), "ES", as_span(pnl), "the P&L");
}

} // namespace rtrisk
