#pragma once
/// @file garch.hpp
/// GARCH(1,1) volatility (T. Bollerslev, "Generalized autoregressive conditional
/// heteroskedasticity", Journal of Econometrics 31, 1986), fitted by Gaussian quasi-maximum
/// likelihood with variance targeting (R. Engle and J. Mezrich, "GARCH for groups", Risk 9,
/// 1996): the volatility filter of filtered historical simulation as G. Barone-Adesi,
/// K. Giannopoulos and L. Vosper, "VaR without correlations for portfolios of derivative
/// securities", Journal of Futures Markets 19 (1999) use it.
///
/// Conventions:
/// - zero mean, as RiskMetrics (ewma.hpp): sigma^2_t = omega + alpha r^2_(t-1) + beta sigma^2_(t-1),
///   the variance forecast for day t from the returns before it;
/// - the recursion starts at sigma^2_0 = s^2, the mean square of all returns (the unconditional
///   variance the fit targets), so every return gets a forecast and none is spent on a seed;
/// - variance targeting: omega = s^2 (1 - alpha - beta), alpha >= 0, beta >= 0, alpha + beta < 1;
/// - log-likelihood: -1/2 sum_t (log(2 pi) + log sigma^2_t + r^2_t / sigma^2_t), t = 0..T-1;
/// - the fit maximises it over (alpha, beta) by Nelder-Mead (J. Nelder and R. Mead, Computer
///   Journal 7, 1965) on the persistence alpha + beta and the share alpha / (alpha + beta), each
///   mapped to (0, 1) by a logistic, from alpha = 0.05, beta = 0.90, on returns divided by s
///   (omega scales by s^2; alpha and beta are scale-free).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"

namespace rtrisk {

/// GARCH(1,1) parameters and the log-likelihood they reach on the fitted returns.
struct garch11 {
    double omega = 0, alpha = 0, beta = 0;
    double log_likelihood = 0;
    double persistence() const noexcept { return alpha + beta; }
};

/// Returns needed for a fit (two parameters, and a variance that can move).
inline constexpr std::size_t garch_min_observations = 30;

namespace detail {
inline void check_garch(const garch11& g) {
    if (!(g.omega > 0) || !(g.alpha >= 0) || !(g.beta >= 0) || !(g.alpha + g.beta < 1) || !std::isfinite(g.omega)) {
        throw std::invalid_argument("GARCH(1,1) parameters omega " + fmt(g.omega) + ", alpha " + fmt(g.alpha) + ", beta " + fmt(g.beta) +
                                    " need omega > 0, alpha >= 0, beta >= 0 and alpha + beta < 1");
    }
}

template <class Real>
double mean_square(std::span<const Real> r) {
    double s = 0;
    for (const Real x : r) s += static_cast<double>(x) * static_cast<double>(x);
    return s / static_cast<double>(r.size());
}

/// Log-likelihood of returns r (any scale) under (omega, alpha, beta), the recursion seeded at `start`.
template <class Real>
double garch_log_likelihood(std::span<const Real> r, double omega, double alpha, double beta, double start) {
    double v = start, ll = 0;
    for (const Real x : r) {
        const double x2 = static_cast<double>(x) * static_cast<double>(x);
        ll += std::log(v) + x2 / v;
        v = omega + alpha * x2 + beta * v;
    }
    return -0.5 * (static_cast<double>(r.size()) * std::log(2 * std::numbers::pi) + ll);
}

inline double logistic(double u) { return 1 / (1 + std::exp(-u)); }
inline double logit(double p) { return std::log(p / (1 - p)); }
} // namespace detail

/// Fits GARCH(1,1) to `returns` (oldest first, finite, at least garch_min_observations, not all
/// zero) by variance-targeted quasi-maximum likelihood.
template <PnlRange R>
garch11 fit_garch11(const R& returns) {
    const auto r = as_span(returns);
    detail::check_finite(r, "returns");
    if (r.size() < garch_min_observations) {
        throw std::invalid_argument("GARCH(1,1) fit needs at least " + std::to_string(garch_min_observations) + " returns, got " +
                                    std::to_string(r.size()));
    }
    const double s2 = detail::mean_square(r);
    if (!(s2 > 0) || !std::isfinite(s2)) throw std::invalid_argument("GARCH(1,1) fit needs returns with a positive, finite mean square");
    const double scale = 1 / std::sqrt(s2);
    std::vector<double> z(r.size());
    for (std::size_t t = 0; t < r.size(); ++t) z[t] = static_cast<double>(r[t]) * scale; // mean square 1
    const std::span<const double> zs(z);
    const auto params = [](const std::array<double, 2>& u) {
        // persistence below 1 even where the logistic rounds to 1: omega stays positive
        const double p = std::min(detail::logistic(u[0]), 1 - 1e-12), a = detail::logistic(u[1]);
        return std::array<double, 2>{p * a, p * (1 - a)};
    };
    const auto cost = [&](const std::array<double, 2>& u) {
        const auto [alpha, beta] = params(u);
        return -detail::garch_log_likelihood(zs, 1 - alpha - beta, alpha, beta, 1.0);
    };
    // Nelder-Mead: reflection 1, expansion 2, contraction 1/2, shrink 1/2
    using point = std::array<double, 2>;
    std::array<point, 3> x{point{detail::logit(0.95), detail::logit(0.05 / 0.95)}, point{}, point{}};
    x[1] = {x[0][0] + 0.5, x[0][1]};
    x[2] = {x[0][0], x[0][1] + 0.5};
    std::array<double, 3> f{cost(x[0]), cost(x[1]), cost(x[2])};
    const auto along = [](const point& c, const point& w, double t) { return point{c[0] + t * (w[0] - c[0]), c[1] + t * (w[1] - c[1])}; };
    for (int it = 0; it < 2000; ++it) {
        std::array<int, 3> o{0, 1, 2};
        std::sort(o.begin(), o.end(), [&](int a, int b) { return f[a] < f[b]; });
        const int best = o[0], mid = o[1], worst = o[2];
        if (f[worst] - f[best] <= 1e-13 * (1 + std::abs(f[best])) && std::abs(x[worst][0] - x[best][0]) + std::abs(x[worst][1] - x[best][1]) < 1e-9) break;
        const point c{(x[best][0] + x[mid][0]) / 2, (x[best][1] + x[mid][1]) / 2};
        const point xr = along(c, x[worst], -1);
        const double fr = cost(xr);
        if (fr < f[best]) {
            const point xe = along(c, x[worst], -2);
            const double fe = cost(xe);
            if (fe < fr) x[worst] = xe, f[worst] = fe;
            else x[worst] = xr, f[worst] = fr;
        } else if (fr < f[mid]) {
            x[worst] = xr, f[worst] = fr;
        } else {
            const point xc = fr < f[worst] ? along(c, x[worst], -0.5) : along(c, x[worst], 0.5);
            const double fc = cost(xc);
            if (fc < std::min(fr, f[worst])) {
                x[worst] = xc, f[worst] = fc;
            } else {
                for (const int k : {mid, worst}) {
                    x[k] = along(x[best], x[k], 0.5);
                    f[k] = cost(x[k]);
                }
            }
        }
    }
    const int best = static_cast<int>(std::min_element(f.begin(), f.end()) - f.begin());
    const auto [alpha, beta] = params(x[best]);
    garch11 g{s2 * (1 - alpha - beta), alpha, beta, 0};
    g.log_likelihood = detail::garch_log_likelihood(r, g.omega, alpha, beta, s2);
    return g;
}

/// The GARCH(1,1) variance forecasts: element t is the forecast for day t (0-based) from the
/// returns before it, element T the forecast for the day after the last return; the recursion
/// starts at the mean square of the returns. O(T).
template <PnlRange R>
std::vector<range_scalar_t<R>> garch11_variances(const R& returns, const garch11& g) {
    using Real = range_scalar_t<R>;
    const auto r = as_span(returns);
    detail::check_garch(g);
    detail::check_not_empty(r, "returns");
    detail::check_finite(r, "returns");
    std::vector<Real> out;
    out.reserve(r.size() + 1);
    double v = detail::mean_square(r);
    out.push_back(static_cast<Real>(v));
    for (const Real x : r) {
        v = g.omega + g.alpha * static_cast<double>(x) * static_cast<double>(x) + g.beta * v;
        out.push_back(static_cast<Real>(v));
    }
    return out;
}

} // namespace rtrisk
