#pragma once
/// @file factor_exposure.hpp
/// Exposure and risk of a portfolio grouped by a label of its positions (sector, country,
/// currency): for each group, its net and gross exposure, the historical VaR and ES of its own
/// scenario P&L (stand-alone) and its Euler component in the whole portfolio's VaR (the group's
/// P&L in the scenario(s) at the portfolio's VaR quantile; the components sum to the VaR).
///
/// Conventions: scenarios R are T x N returns (returns.hpp), exposures x_i in currency; a
/// group's scenario P&L is R_g x_g; VaR/ES positive losses, historical, linear quantile
/// (quantile.hpp); groups in order of first appearance; an empty label is a group of its own
/// (positions without the label).
///
///     auto by_sector = rtrisk::group_risk(R, x, sectors, 0.99, 0.975);
///     for (const auto& g : by_sector) std::cout << g.group << ' ' << g.var << '\n';

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "decomposition.hpp"
#include "detail/check.hpp"
#include "quantile.hpp"
#include "returns.hpp"
#include "var.hpp"

namespace rtrisk {

template <std::floating_point Real>
struct basic_group_risk {
    std::string group;
    std::size_t members = 0;
    Real net_exposure{}, gross_exposure{};
    Real var{}, es{};       ///< stand-alone, of the group's own P&L
    Real component_var{};   ///< Euler component in the portfolio's VaR at the same confidence
};

/// Figures per group of positions (see the file comment). `labels` holds one label per column
/// of `scenarios`. O(T N) (one product with an N x G matrix) plus O(T) per group.
template <class Derived, std::floating_point Real = typename Derived::Scalar>
std::vector<basic_group_risk<Real>> group_risk(const Eigen::MatrixBase<Derived>& scenarios, std::span<const Real> exposures,
                                               std::span<const std::string> labels, double var_confidence, double es_confidence) {
    const auto n = static_cast<std::size_t>(scenarios.cols());
    detail::check_same_size(exposures.size(), n, "exposures", "scenario matrix row");
    detail::check_same_size(labels.size(), n, "labels", "scenario matrix row");
    detail::check_finite(exposures, "exposures");
    detail::check_matrix_finite(scenarios, "scenarios");
    detail::check_confidence(var_confidence);
    detail::check_confidence(es_confidence);
    if (n == 0) throw std::invalid_argument("group_risk needs at least one position");
    std::vector<basic_group_risk<Real>> out;
    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::size_t> group_of(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto [it, added] = index.emplace(labels[i], out.size());
        if (added) out.push_back({labels[i]});
        auto& g = out[it->second];
        group_of[i] = it->second;
        ++g.members;
        g.net_exposure += exposures[i];
        g.gross_exposure += std::abs(exposures[i]);
    }
    scenario_matrix<Real> X = scenario_matrix<Real>::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(out.size()));
    for (std::size_t i = 0; i < n; ++i) X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(group_of[i])) = exposures[i];
    const scenario_matrix<Real> P = scenarios * X; // T x G: each group's scenario P&L
    const vector<Real> total = P.rowwise().sum();
    const auto t = static_cast<std::size_t>(total.size());
    const auto q = detail::locate_quantile(std::span<const Real>(total.data(), t), 1.0 - var_confidence, quantile_method::linear);
    std::vector<Real> scratch(t);
    for (std::size_t g = 0; g < out.size(); ++g) {
        const std::span<const Real> pg(P.col(static_cast<Eigen::Index>(g)).data(), t);
        const auto tail = historical_tail(pg, var_confidence, es_confidence, std::span<Real>(scratch));
        out[g].var = tail.var;
        out[g].es = tail.es;
        out[g].component_var = static_cast<Real>(-((1 - q.frac) * pg[static_cast<std::size_t>(q.lo)] + q.frac * pg[static_cast<std::size_t>(q.hi)]));
    }
    return out;
}

} // namespace rtrisk
