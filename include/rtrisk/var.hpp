#pragma once
/// @file var.hpp
/// Value at Risk of a P&L (or return) series.
///
/// Conventions (docs/conventions.md):
/// - VaR is reported as a **positive loss**: VaR_c = -Q(1 - c), where Q is the quantile of the
///   P&L distribution and c the confidence in (0, 1). It is negative only when even the tail
///   outcome is a gain.
/// - Units are those of the input: P&L in currency gives VaR in currency; returns give VaR as a
///   fraction of portfolio value.
/// - Horizon: `horizon_days` h scales the one-period figure by sqrt(h) (square-root-of-time
///   rule, mean included); h = 1 (the default) applies no scaling.

#include <boost/math/distributions/normal.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"
#include "detail/random.hpp"
#include "moments.hpp"
#include "quantile.hpp"

namespace rtrisk {

/// The four ways of estimating VaR and ES.
enum class var_method {
    historical,     ///< empirical quantile of the P&L (full revaluation over scenarios)
    gaussian,       ///< normal distribution with the sample mean and standard deviation
    cornish_fisher, ///< "modified": Cornish-Fisher expansion with skewness and excess kurtosis
    monte_carlo,    ///< historical method on multivariate normal scenarios (monte_carlo.hpp)
};

/// Name of a method as used in reports, Python and JSON: "historical", "gaussian", ...
inline const char* to_string(var_method m) {
    switch (m) {
    case var_method::historical: return "historical";
    case var_method::gaussian: return "gaussian";
    case var_method::cornish_fisher: return "cornish_fisher";
    case var_method::monte_carlo: return "monte_carlo";
    }
    return "unknown";
}

/// Parses "historical", "gaussian", "cornish_fisher" (or "modified"), "monte_carlo".
inline var_method parse_var_method(std::string_view name) {
    if (name == "historical") return var_method::historical;
    if (name == "gaussian") return var_method::gaussian;
    if (name == "cornish_fisher" || name == "modified") return var_method::cornish_fisher;
    if (name == "monte_carlo") return var_method::monte_carlo;
    throw std::invalid_argument("unknown VaR method '" + std::string(name) +
                                "' (expected historical, gaussian, cornish_fisher or monte_carlo)");
}

/// Options shared by value_at_risk and expected_shortfall.
struct var_options {
    var_method method = var_method::historical;
    double confidence = 0.99;                           ///< in (0, 1)
    double horizon_days = 1.0;                          ///< sqrt(h) scaling; >= 1 is usual, > 0 required
    quantile_method quantile = quantile_method::linear; ///< historical and monte_carlo only
    moment_divisor divisor = moment_divisor::population; ///< std. deviation divisor, parametric and monte_carlo
    std::size_t paths = 100'000;                        ///< monte_carlo only
    std::uint64_t seed = 42;                            ///< monte_carlo only
};

namespace detail {

/// Throws unless the sample has at least ceil(1 / (1 - c)) observations, the fewest for which
/// the tail 1 - c holds one whole observation (otherwise the quantile is an extrapolation).
inline void check_tail_size(std::size_t n, double confidence, const char* what) {
    const double needed = std::ceil(snap_to_integer(1.0 / (1.0 - confidence)));
    if (static_cast<double>(n) < needed) {
        throw std::invalid_argument(std::string(what) + " at confidence " + fmt(confidence) + " needs at least " +
                                    fmt(needed) + " scenarios, got " + std::to_string(n));
    }
}

inline void check_horizon(double horizon_days) {
    if (!(horizon_days > 0.0) || !std::isfinite(horizon_days)) {
        throw std::invalid_argument("horizon_days " + fmt(horizon_days) + " must be positive and finite");
    }
}

template <class Real>
Real historical_var_impl(std::span<const Real> pnl, double confidence, quantile_method qm) {
    check_confidence(confidence);
    check_not_empty(pnl, "P&L");
    check_finite(pnl, "P&L");
    check_tail_size(pnl.size(), confidence, "historical VaR");
    std::vector<Real> scratch(pnl.begin(), pnl.end());
    return -select_quantile(std::span<Real>(scratch), 1.0 - confidence, qm);
}

/// Standard normal quantile of the tail probability 1 - c (a negative number for c > 0.5).
/// A confidence so close to 0 that 1 - c rounds to 1 has no finite quantile: refused, named.
template <class Real>
Real normal_tail_quantile(double confidence) {
    detail::check_tail_probability(confidence);
    return static_cast<Real>(boost::math::quantile(boost::math::normal_distribution<double>(), 1.0 - confidence));
}

/// Cornish-Fisher quantile: z + (z^2 - 1) S / 6 + (z^3 - 3 z) K / 24 - (2 z^3 - 5 z) S^2 / 36.
template <class Real>
Real cornish_fisher_quantile(Real z, Real skew, Real exkurt) {
    return z + (z * z - 1) * skew / 6 + (z * z * z - 3 * z) * exkurt / 24 - (2 * z * z * z - 5 * z) * skew * skew / 36;
}

} // namespace detail

/// VaR and ES (positive losses), read together from one selection.
template <std::floating_point Real>
struct basic_tail_risk {
    Real var{};
    Real es{};
};

/// Historical VaR at `var_confidence` and ES at `es_confidence` of `pnl` by selection (linear
/// quantile, quantile.hpp), O(T); `scratch` (at least T values) is overwritten. The one
/// definition behind book_state::tail and any sum of book_state vectors (a scale-out aggregator).
template <std::floating_point Real>
basic_tail_risk<Real> historical_tail(std::span<const Real> pnl, double var_confidence, double es_confidence, std::span<Real> scratch) {
    detail::check_confidence(var_confidence);
    detail::check_confidence(es_confidence);
    const auto t = pnl.size();
    detail::check_tail_size(t, var_confidence, "historical VaR");
    detail::check_tail_size(t, es_confidence, "historical ES");
    if (scratch.size() < t) throw std::invalid_argument("historical_tail: scratch holds fewer values than the P&L");
    std::copy(pnl.begin(), pnl.end(), scratch.begin());
    const std::span<Real> s = scratch.first(t);
    basic_tail_risk<Real> out;
    out.var = -detail::select_quantile(s, 1.0 - var_confidence, quantile_method::linear);
    const Real q_es = detail::select_quantile(s, 1.0 - es_confidence, quantile_method::linear);
    out.es = -detail::tail_mean(std::span<const Real>(s), q_es);
    return out;
}

/// VaR of a normal distribution with mean `mean` and standard deviation `std_dev`:
/// -(mean + std_dev z), z the standard normal quantile of 1 - confidence.
template <std::floating_point Real>
Real normal_var(Real mean, Real std_dev, double confidence) {
    detail::check_confidence(confidence);
    return -(mean + std_dev * detail::normal_tail_quantile<Real>(confidence));
}

/// Historical VaR: minus the (1 - confidence) quantile of the P&L, by selection in O(T).
/// @param pnl scenario P&L or returns, no NaN, at least ceil(1 / (1 - confidence)) values
/// @param confidence in (0, 1), e.g. 0.99
/// @param method quantile definition; the default is linear interpolation (R type 7, numpy)
/// @return a positive loss in the units of `pnl`
///
///     std::vector<double> pnl = ...;            // 250 daily P&Ls
///     double v = rtrisk::historical_var(pnl, 0.99);
template <PnlRange R>
range_scalar_t<R> historical_var(const R& pnl, double confidence, quantile_method method = quantile_method::linear) {
    return detail::historical_var_impl(as_span(pnl), confidence, method);
}

/// Gaussian (delta-normal) VaR: -(mean + sd z_(1-c)) with the sample mean and the standard
/// deviation of `pnl` (divisor n by default, as PerformanceAnalytics).
template <PnlRange R>
range_scalar_t<R> gaussian_var(const R& pnl, double confidence, moment_divisor divisor = moment_divisor::population) {
    detail::check_confidence(confidence);
    const auto m = sample_moments(pnl, divisor);
    return normal_var(m.mean, m.std_dev, confidence);
}

/// Cornish-Fisher ("modified") VaR from moments: -(mean + sd z_cf), z_cf the Cornish-Fisher
/// expansion of the normal quantile of 1 - c with the skewness and excess kurtosis
/// (Favre & Galeano 2002; PerformanceAnalytics `VaR(method = "modified")`).
template <std::floating_point Real>
Real cornish_fisher_var(const basic_moments<Real>& m, double confidence) {
    detail::check_confidence(confidence);
    const Real z = detail::normal_tail_quantile<Real>(confidence);
    return -(m.mean + m.std_dev * detail::cornish_fisher_quantile(z, m.skewness, m.excess_kurtosis));
}

/// Cornish-Fisher ("modified") VaR of a series; equals gaussian_var when skewness and excess
/// kurtosis are zero.
template <PnlRange R>
range_scalar_t<R> cornish_fisher_var(const R& pnl, double confidence,
                                     moment_divisor divisor = moment_divisor::population) {
    detail::check_confidence(confidence);
    return cornish_fisher_var(sample_moments(pnl, divisor), confidence);
}

namespace detail {
/// `paths` draws of mean + sd z, z ~ N(0, 1) from the seeded generator.
template <class Real>
std::vector<Real> simulate_normal_pnl(const basic_moments<Real>& m, std::size_t paths, std::uint64_t seed) {
    check_paths(paths, 2, sizeof(Real), "the simulated P&L and the quantile's copy of it");
    normal_generator gen(seed);
    std::vector<Real> out(paths);
    for (auto& v : out) v = static_cast<Real>(m.mean + m.std_dev * gen());
    return out;
}
} // namespace detail

/// VaR of a P&L series by the method in `options`, scaled by sqrt(horizon_days). The result is
/// finite: a figure that overflows (P&L near the largest double) throws std::invalid_argument.
/// `var_method::monte_carlo` simulates `paths` normal draws with the series' mean and standard
/// deviation (seeded by `seed`) and takes their historical VaR; for a portfolio use
/// portfolio_var (portfolio_risk.hpp), which simulates the joint distribution of the instruments.
template <PnlRange R>
range_scalar_t<R> value_at_risk(const R& pnl, const var_options& options) {
    using Real = range_scalar_t<R>;
    detail::check_horizon(options.horizon_days);
    Real v{};
    switch (options.method) {
    case var_method::historical: v = historical_var(pnl, options.confidence, options.quantile); break;
    case var_method::gaussian: v = gaussian_var(pnl, options.confidence, options.divisor); break;
    case var_method::cornish_fisher: v = cornish_fisher_var(pnl, options.confidence, options.divisor); break;
    case var_method::monte_carlo: {
        detail::check_confidence(options.confidence);
        const auto sim = detail::simulate_normal_pnl(sample_moments(pnl, options.divisor), options.paths, options.seed);
        v = historical_var(sim, options.confidence, options.quantile);
        break;
    }
    }
    return detail::finite_result(v * static_cast<Real>(std::sqrt(options.horizon_days)), "VaR", as_span(pnl), "the P&L");
}

} // namespace rtrisk
