#pragma once
/// @file portfolio_risk.hpp
/// VaR and ES of a linear portfolio from its scenario matrix, by any of the four methods.
///
/// historical, gaussian, cornish_fisher: computed on the scenario P&L R x (returns.hpp).
/// monte_carlo: `paths` joint normal scenarios with the column means and covariance of R
/// (divisor from the options; O(N^2 T) to estimate), seeded, then the historical method on them.
/// A covariance that is not positive definite throws std::domain_error here; call
/// monte_carlo_scenarios directly to receive it as a status instead.
///
///     rtrisk::var_options o;  o.confidence = 0.99;  o.method = rtrisk::var_method::gaussian;
///     double v = rtrisk::portfolio_var(returns, exposures, o);   // positive loss, currency

#include <Eigen/Core>

#include <span>
#include <stdexcept>

#include "covariance.hpp"
#include "expected_shortfall.hpp"
#include "monte_carlo.hpp"
#include "returns.hpp"
#include "var.hpp"

namespace rtrisk {

namespace detail {
/// Simulated scenarios for the monte_carlo method; throws if the covariance is not PD.
template <class DerivedR>
scenario_matrix<typename DerivedR::Scalar> simulate_like(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                         const var_options& o) {
    check_mc_paths(o.paths, scenarios.cols(), sizeof(typename DerivedR::Scalar)); // before the O(N^2 T) covariance
    auto mc = monte_carlo_scenarios(column_means(scenarios), covariance(scenarios, o.divisor), o.paths, o.seed);
    if (mc.status != mc_status::success) {
        throw std::domain_error("monte_carlo: the covariance of the " + std::to_string(scenarios.cols()) +
                                " instruments is not positive definite");
    }
    return std::move(mc.scenarios);
}

template <class DerivedR, class DerivedX, class Measure>
typename DerivedR::Scalar portfolio_measure(const Eigen::MatrixBase<DerivedR>& scenarios,
                                            const Eigen::MatrixBase<DerivedX>& exposures, const var_options& o,
                                            Measure measure) {
    check_confidence(o.confidence);
    check_horizon(o.horizon_days);
    var_options one = o;
    if (o.method == var_method::monte_carlo) {
        portfolio_pnl(scenarios, exposures); // validates shapes and values before the O(N^2 T) work
        const auto sim = simulate_like(scenarios, o);
        one.method = var_method::historical;
        return measure(portfolio_pnl(sim, exposures), one);
    }
    return measure(portfolio_pnl(scenarios, exposures), one);
}

template <class DerivedR, class DerivedX, class Measure>
vector<typename DerivedR::Scalar> portfolio_measures(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                     const Eigen::MatrixBase<DerivedX>& exposures, const var_options& o,
                                                     Measure measure) {
    using Real = typename DerivedR::Scalar;
    check_confidence(o.confidence);
    check_horizon(o.horizon_days);
    var_options one = o;
    if (o.method == var_method::monte_carlo) { // one simulation; each portfolio's paths in turn (memory: one column, as portfolio_var)
        portfolio_pnl_many(scenarios, exposures); // validates shapes and values before the O(N^2 T) work
        one.method = var_method::historical;
        const auto sim = simulate_like(scenarios, o);
        vector<Real> out(exposures.cols()), path_pnl;
        for (Eigen::Index p = 0; p < exposures.cols(); ++p) {
            path_pnl.noalias() = sim * exposures.col(p);
            out(p) = measure(std::span<const Real>(path_pnl.data(), static_cast<std::size_t>(path_pnl.size())), one);
        }
        return out;
    }
    const scenario_matrix<Real> pnl = portfolio_pnl_many(scenarios, exposures);
    vector<Real> out(pnl.cols());
    for (Eigen::Index p = 0; p < pnl.cols(); ++p) out(p) = measure(std::span<const Real>(pnl.col(p).data(), static_cast<std::size_t>(pnl.rows())), one);
    return out;
}
} // namespace detail

/// VaR of the portfolio with exposures x over scenario returns R (T x N), a positive loss in the
/// units of x, by `options.method`, scaled by sqrt(horizon_days).
template <class DerivedR, class DerivedX>
typename DerivedR::Scalar portfolio_var(const Eigen::MatrixBase<DerivedR>& scenarios,
                                        const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    return detail::portfolio_measure(scenarios, exposures, options,
                                     [](const auto& pnl, const var_options& o) { return value_at_risk(pnl, o); });
}

/// ES of the portfolio, as portfolio_var.
template <class DerivedR, class DerivedX>
typename DerivedR::Scalar portfolio_es(const Eigen::MatrixBase<DerivedR>& scenarios,
                                       const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    return detail::portfolio_measure(scenarios, exposures, options,
                                     [](const auto& pnl, const var_options& o) { return expected_shortfall(pnl, o); });
}

/// VaR of P portfolios at once: column p of `exposures` (N x P) holds portfolio p's exposures.
/// One product of the scenarios with all P columns (the matrix is read once) and, for
/// monte_carlo, one simulation shared by all; element p equals portfolio_var of column p.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> portfolio_var_many(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                     const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    return detail::portfolio_measures(scenarios, exposures, options, [](const auto& pnl, const var_options& o) { return value_at_risk(pnl, o); });
}

/// ES of P portfolios at once, as portfolio_var_many.
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> portfolio_es_many(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                    const Eigen::MatrixBase<DerivedX>& exposures, const var_options& options) {
    return detail::portfolio_measures(scenarios, exposures, options, [](const auto& pnl, const var_options& o) { return expected_shortfall(pnl, o); });
}

} // namespace rtrisk
