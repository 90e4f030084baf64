#pragma once
/// @file implied_vol.hpp
/// Implied volatility of a European option under Black-Scholes-Merton (greeks.hpp conventions).
///
/// The price is checked against the no-arbitrage bounds first: a call is worth between
/// max(S e^-qT - K e^-rT, 0) and S e^-qT, a put between max(K e^-rT - S e^-qT, 0) and K e^-rT.
/// Outside them, or at the lower bound (where every vol down to 0 fits), the result carries a
/// status instead of a number. Inside, the root of price(sigma) = target is bracketed on
/// [0, 10] (doubling to 100 if needed) and found with TOMS 748 (Alefeld, Potra & Shi 1995,
/// boost::math::tools::toms748_solve), or with Newton's method on vega when asked.

#include <boost/math/tools/roots.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

#include "greeks.hpp"

namespace rtrisk {

enum class implied_vol_status : std::uint8_t {
    success,
    below_intrinsic,    ///< price below the lower no-arbitrage bound
    above_upper_bound,  ///< price above the upper no-arbitrage bound
    at_intrinsic,       ///< price equals the lower bound: any vol small enough fits; vol reported 0
    not_converged,      ///< the solver ran out of iterations
};

inline const char* to_string(implied_vol_status s) {
    switch (s) {
    case implied_vol_status::success: return "success";
    case implied_vol_status::below_intrinsic: return "below_intrinsic";
    case implied_vol_status::above_upper_bound: return "above_upper_bound";
    case implied_vol_status::at_intrinsic: return "at_intrinsic";
    case implied_vol_status::not_converged: return "not_converged";
    }
    return "unknown";
}

enum class implied_vol_solver : std::uint8_t { toms748, newton };

template <std::floating_point Real>
struct basic_implied_vol_result {
    Real vol = std::numeric_limits<Real>::quiet_NaN();
    implied_vol_status status = implied_vol_status::not_converged;
    int iterations = 0;
};

/// Implied volatility of `price` for the option (kind, S, K, T, r, q); T > 0.
///
///     auto iv = rtrisk::implied_vol(rtrisk::option_kind::call, 1.8734, 100.0, 100.0, 0.1, 0.1, 0.1);
///     if (iv.status == rtrisk::implied_vol_status::success) use(iv.vol);   // ~0.15
template <std::floating_point Real>
basic_implied_vol_result<Real> implied_vol(option_kind kind, Real price, Real spot, Real strike, Real expiry, Real rate,
                                           Real dividend, implied_vol_solver solver = implied_vol_solver::toms748) {
    detail::check_option_inputs(spot, strike, expiry, rate, dividend, Real(0));
    detail::check_finite_value(price, "price");
    if (!(expiry > 0)) throw std::invalid_argument("implied vol needs expiry > 0, got " + detail::fmt(expiry));
    basic_implied_vol_result<Real> out;
    const Real sdq = spot * std::exp(-dividend * expiry), kdr = strike * std::exp(-rate * expiry);
    const Real lower = kind == option_kind::call ? std::max(sdq - kdr, Real(0)) : std::max(kdr - sdq, Real(0));
    const Real upper = kind == option_kind::call ? sdq : kdr;
    const Real tol = 4 * std::numeric_limits<Real>::epsilon() * std::max(Real(1), upper);
    if (price < lower - tol) {
        out.status = implied_vol_status::below_intrinsic;
        return out;
    }
    if (price >= upper) {
        out.status = implied_vol_status::above_upper_bound;
        return out;
    }
    if (price <= lower + tol) {
        out.vol = 0;
        out.status = implied_vol_status::at_intrinsic;
        return out;
    }
    auto f = [&](Real v) { return detail::bsm_unchecked(kind, spot, strike, expiry, rate, dividend, v).price - price; };
    Real hi = 10;
    while (f(hi) < 0 && hi < 100) hi *= 2;
    if (f(hi) < 0) {
        out.status = implied_vol_status::not_converged;
        return out;
    }
    std::uintmax_t max_iter = 100;
    if (solver == implied_vol_solver::newton) {
        auto fd = [&](Real v) {
            const auto g = detail::bsm_unchecked(kind, spot, strike, expiry, rate, dividend, v);
            return std::make_pair(g.price - price, g.vega);
        };
        // Start at the Brenner-Subrahmanyam-style guess sqrt(2 |ln(F/K)| / T), kept inside the bracket.
        const Real guess = std::clamp(std::sqrt(2 * std::abs(std::log(sdq / kdr)) / expiry), Real(0.05), hi);
        const int digits = std::numeric_limits<Real>::digits - 4;
        const Real v = boost::math::tools::newton_raphson_iterate(fd, guess, Real(0), hi, digits, max_iter);
        out.vol = v;
        out.iterations = static_cast<int>(max_iter);
        out.status = std::abs(f(v)) <= 1e3 * tol ? implied_vol_status::success : implied_vol_status::not_converged;
        return out;
    }
    boost::math::tools::eps_tolerance<Real> stop(std::numeric_limits<Real>::digits - 3);
    const auto [a, b] = boost::math::tools::toms748_solve(f, Real(0), hi, f(Real(0)), f(hi), stop, max_iter);
    out.vol = (a + b) / 2;
    out.iterations = static_cast<int>(max_iter);
    out.status = max_iter >= 100 ? implied_vol_status::not_converged : implied_vol_status::success;
    return out;
}

} // namespace rtrisk
