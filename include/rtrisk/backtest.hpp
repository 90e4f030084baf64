#pragma once
/// @file backtest.hpp
/// VaR backtesting: exceptions, Kupiec's proportion-of-failures test, Christoffersen's
/// independence and conditional coverage tests, and the Basel traffic light.
///
/// Conventions: an exception (hit) on day t is a loss larger than that day's VaR,
/// pnl_t < -VaR_t (VaR a positive loss). p = 1 - confidence is the expected hit rate.
/// Likelihood-ratio statistics use 0 ln 0 = 0; p-values are chi-square upper tails
/// (1 degree of freedom for POF and independence, 2 for conditional coverage), via Boost.Math.
/// References: Kupiec (1995), "Techniques for verifying the accuracy of risk measurement
/// models", J. Derivatives 3(2); Christoffersen (1998), "Evaluating interval forecasts",
/// Int. Economic Review 39(4); Basel Committee (1996), "Supervisory framework for the use of
/// backtesting in conjunction with the internal models approach".

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "concepts.hpp"
#include "detail/check.hpp"

namespace rtrisk {

/// A likelihood-ratio statistic and its p-value.
struct lr_test {
    double statistic = 0.0;
    double p_value = 1.0;
    /// True when the model is rejected at significance `level` (p-value below it).
    bool rejected(double level = 0.05) const { return p_value < level; }
};

/// Christoffersen's transition counts of the hit sequence (n_ij: day t-1 state i, day t state j).
struct transition_counts {
    std::size_t n00 = 0, n01 = 0, n10 = 0, n11 = 0;
};

enum class traffic_light_zone { green, yellow, red };

inline const char* to_string(traffic_light_zone z) {
    switch (z) {
    case traffic_light_zone::green: return "green";
    case traffic_light_zone::yellow: return "yellow";
    case traffic_light_zone::red: return "red";
    }
    return "unknown";
}

namespace detail {
inline double xlogy(double x, double y) { return x == 0.0 ? 0.0 : x * std::log(y); }
inline double chi2_upper(double stat, double dof) {
    if (stat <= 0.0) return 1.0;
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(dof), stat));
}
} // namespace detail

/// Hits of a P&L series against a VaR series of the same length: 1 where pnl_t < -var_t.
template <PnlRange P, PnlRange V>
std::vector<std::uint8_t> var_exceptions(const P& pnl, const V& var) {
    const auto p = as_span(pnl);
    const auto v = as_span(var);
    detail::check_same_size(p.size(), v.size(), "P&L", "VaR");
    detail::check_finite(p, "P&L");
    detail::check_finite(v, "VaR");
    std::vector<std::uint8_t> hits(p.size());
    for (std::size_t t = 0; t < p.size(); ++t) hits[t] = p[t] < -v[t] ? 1 : 0;
    return hits;
}

/// Kupiec's proportion-of-failures test: LR = -2 ln[(1-p)^(n-x) p^x / ((1-x/n)^(n-x) (x/n)^x)],
/// chi-square with 1 degree of freedom.
inline lr_test kupiec(std::size_t exceptions, std::size_t observations, double confidence) {
    detail::check_tail_probability(confidence);
    if (observations == 0) throw std::invalid_argument("kupiec: observations must be positive, got 0");
    if (exceptions > observations) {
        throw std::invalid_argument("kupiec: exceptions " + std::to_string(exceptions) + " exceed observations " +
                                    std::to_string(observations));
    }
    const double n = static_cast<double>(observations), x = static_cast<double>(exceptions);
    const double p = 1.0 - confidence, phat = x / n;
    const double ll0 = detail::xlogy(n - x, 1.0 - p) + detail::xlogy(x, p);
    const double ll1 = detail::xlogy(n - x, 1.0 - phat) + detail::xlogy(x, phat);
    const double lr = std::max(0.0, -2.0 * (ll0 - ll1));
    return {lr, detail::chi2_upper(lr, 1.0)};
}

namespace detail {
inline void check_hits(std::span<const std::uint8_t> hits) {
    if (hits.size() < 2) throw std::invalid_argument("christoffersen: needs at least 2 observations, got " +
                                                     std::to_string(hits.size()));
    for (std::size_t t = 0; t < hits.size(); ++t) {
        if (hits[t] > 1) {
            throw std::invalid_argument("hit sequence holds " + std::to_string(hits[t]) + " at index " +
                                        std::to_string(t) + "; expected 0 or 1");
        }
    }
}
} // namespace detail

/// Transition counts of a 0/1 hit sequence.
inline transition_counts count_transitions(std::span<const std::uint8_t> hits) {
    detail::check_hits(hits);
    transition_counts c;
    for (std::size_t t = 1; t < hits.size(); ++t) {
        const int k = hits[t - 1] * 2 + hits[t];
        (k == 0 ? c.n00 : k == 1 ? c.n01 : k == 2 ? c.n10 : c.n11)++;
    }
    return c;
}

/// Christoffersen's independence test (first-order Markov alternative):
/// LR_ind = -2 ln[(1-pi)^(n00+n10) pi^(n01+n11) / ((1-pi01)^n00 pi01^n01 (1-pi11)^n10 pi11^n11)],
/// chi-square(1).
inline lr_test christoffersen_independence(std::span<const std::uint8_t> hits) {
    const transition_counts c = count_transitions(hits);
    const double n00 = static_cast<double>(c.n00), n01 = static_cast<double>(c.n01);
    const double n10 = static_cast<double>(c.n10), n11 = static_cast<double>(c.n11);
    const double pi01 = (n00 + n01) > 0 ? n01 / (n00 + n01) : 0.0;
    const double pi11 = (n10 + n11) > 0 ? n11 / (n10 + n11) : 0.0;
    const double pi = (n01 + n11) / (n00 + n01 + n10 + n11);
    using detail::xlogy;
    const double ll0 = xlogy(n00 + n10, 1.0 - pi) + xlogy(n01 + n11, pi);
    const double ll1 = xlogy(n00, 1.0 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1.0 - pi11) + xlogy(n11, pi11);
    const double lr = std::max(0.0, -2.0 * (ll0 - ll1));
    return {lr, detail::chi2_upper(lr, 1.0)};
}

/// Christoffersen's conditional coverage test: LR_cc = LR_pof + LR_ind over the whole sequence,
/// chi-square(2).
inline lr_test christoffersen_conditional_coverage(std::span<const std::uint8_t> hits, double confidence) {
    const lr_test ind = christoffersen_independence(hits);
    std::size_t x = 0;
    for (auto h : hits) x += h;
    const lr_test pof = kupiec(x, hits.size(), confidence);
    const double lr = pof.statistic + ind.statistic;
    return {lr, detail::chi2_upper(lr, 2.0)};
}

/// Basel traffic-light zone for `exceptions` over `observations` days of VaR at `confidence`:
/// with X ~ Binomial(observations, 1 - confidence), green while P(X <= exceptions) < 95%,
/// yellow while it is < 99.99%, red from there. For 250 days at 99% this is the Basel table:
/// green 0-4, yellow 5-9, red 10 or more.
inline traffic_light_zone traffic_light(std::size_t exceptions, std::size_t observations = 250,
                                        double confidence = 0.99) {
    detail::check_tail_probability(confidence);
    if (observations == 0) throw std::invalid_argument("traffic_light: observations must be positive, got 0");
    if (exceptions > observations) {
        throw std::invalid_argument("traffic_light: exceptions " + std::to_string(exceptions) + " exceed observations " +
                                    std::to_string(observations));
    }
    const boost::math::binomial_distribution<double> b(static_cast<double>(observations), 1.0 - confidence);
    const double cumulative = boost::math::cdf(b, static_cast<double>(exceptions));
    if (cumulative < 0.95) return traffic_light_zone::green;
    if (cumulative < 0.9999) return traffic_light_zone::yellow;
    return traffic_light_zone::red;
}

} // namespace rtrisk
