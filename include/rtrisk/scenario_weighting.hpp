#pragma once
/// @file scenario_weighting.hpp
/// The scenario-weighting methods by name, for callers that choose one at run time (the
/// incremental states, the Python module, the live stack): RiskMetrics EWMA (ewma.hpp),
/// filtered historical simulation with an EWMA or GARCH(1,1) filter and age-weighted historical
/// simulation (weighted_historical.hpp). Each reads a P&L series oldest first.

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ewma.hpp"
#include "garch.hpp"
#include "var.hpp"
#include "weighted_historical.hpp"

namespace rtrisk {

enum class scenario_weighting { ewma, filtered_historical, age_weighted };
/// The volatility filter of filtered historical simulation.
enum class volatility_filter { ewma, garch11 };

inline const char* to_string(scenario_weighting m) {
    switch (m) {
    case scenario_weighting::ewma: return "ewma";
    case scenario_weighting::filtered_historical: return "filtered_historical";
    case scenario_weighting::age_weighted: return "age_weighted";
    }
    return "?";
}
inline const char* to_string(volatility_filter f) { return f == volatility_filter::ewma ? "ewma" : "garch"; }

/// "ewma", "filtered_historical" or "age_weighted"; anything else throws std::invalid_argument naming it.
inline scenario_weighting parse_scenario_weighting(std::string_view name) {
    for (const auto m : {scenario_weighting::ewma, scenario_weighting::filtered_historical, scenario_weighting::age_weighted}) {
        if (name == to_string(m)) return m;
    }
    throw std::invalid_argument("unknown scenario-weighting method '" + std::string(name) +
                                "' (expected ewma, filtered_historical or age_weighted)");
}
/// "ewma" or "garch" (also "garch11"); anything else throws std::invalid_argument naming it.
inline volatility_filter parse_volatility_filter(std::string_view name) {
    if (name == "ewma") return volatility_filter::ewma;
    if (name == "garch" || name == "garch11") return volatility_filter::garch11;
    throw std::invalid_argument("unknown volatility filter '" + std::string(name) + "' (expected ewma or garch)");
}

/// A weighting method with its parameters: decay lambda (EWMA variance, EWMA filter, age
/// weights) and, for filtered historical simulation, the filter. With the GARCH filter,
/// `garch` holds fixed parameters, or is empty (omega 0) to fit them to each series; the decay
/// is then unused (Python refuses decay= with filter="garch").
struct weighting {
    scenario_weighting method = scenario_weighting::ewma;
    double decay = riskmetrics_decay;
    volatility_filter filter = volatility_filter::ewma;
    garch11 garch{};
};

/// The filtered scenarios of `pnl` under w's filter.
template <std::floating_point Real>
std::vector<Real> filtered_scenarios(std::span<const Real> pnl, const weighting& w) {
    if (w.filter == volatility_filter::ewma) return filtered_returns(pnl, w.decay);
    if (w.garch.omega > 0) return garch_filtered_returns(pnl, w.garch);
    // Fitted on pnl / k, k a power of two (omega scales by k^2, alpha and beta are scale-free), so
    // P&L of any magnitude fits; the scenarios are scaled back exactly.
    detail::check_finite(pnl, "pnl");
    const Real k = detail::power_of_two_scale(pnl);
    std::vector<Real> x(pnl.begin(), pnl.end());
    for (auto& v : x) v /= k;
    auto out = garch_filtered_returns(x, fit_garch11(x));
    for (auto& v : out) v *= k;
    return out;
}

namespace detail {
template <std::floating_point Real>
basic_tail_risk<Real> weighted_tail_unchecked(std::span<const Real> pnl, const weighting& w, double var_confidence, double es_confidence) {
    detail::check_confidence(var_confidence);
    detail::check_confidence(es_confidence);
    switch (w.method) {
    case scenario_weighting::ewma: {
        const Real sigma = ewma_volatility(pnl, w.decay);
        return {normal_var(Real(0), sigma, var_confidence), normal_es(Real(0), sigma, es_confidence)};
    }
    case scenario_weighting::filtered_historical: {
        const auto f = filtered_scenarios(pnl, w);
        std::vector<Real> scratch(f.size());
        return historical_tail(std::span<const Real>(f), var_confidence, es_confidence, std::span<Real>(scratch));
    }
    case scenario_weighting::age_weighted: {
        detail::check_finite(pnl, "pnl");
        const auto aw = age_weights<double>(pnl.size(), w.decay);
        std::vector<std::pair<Real, double>> scratch;
        basic_tail_risk<Real> out = detail::weighted_tail_at(pnl, std::span<const double>(aw), 1 - var_confidence, scratch);
        if (es_confidence != var_confidence) out.es = detail::weighted_tail_at(pnl, std::span<const double>(aw), 1 - es_confidence, scratch).es;
        return out;
    }
    }
    throw std::invalid_argument("unknown scenario_weighting " + std::to_string(static_cast<int>(w.method)));
}
} // namespace detail

/// VaR at `var_confidence` and ES at `es_confidence` (positive losses, units of `pnl`) of a P&L
/// series (oldest first) by a weighting method. O(T) expected, plus the GARCH fit when one is asked for.
/// Finite, or std::invalid_argument naming the P&L's largest value.
template <std::floating_point Real>
basic_tail_risk<Real> weighted_tail(std::span<const Real> pnl, const weighting& w, double var_confidence, double es_confidence) {
    const auto t = detail::weighted_tail_unchecked(pnl, w, var_confidence, es_confidence);
    return {detail::finite_result(t.var, "VaR", pnl, "the P&L"), detail::finite_result(t.es, "ES", pnl, "the P&L")};
}

} // namespace rtrisk
