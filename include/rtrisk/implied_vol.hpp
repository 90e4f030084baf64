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
///
/// Arrays of options (the array form) run on SIMD batches (xsimd, detail/bsm_batch.hpp):
/// Newton's method on vega from the Manaster-Koehler start sqrt(2 |ln(F/K)| / T) (Brenner and
/// Subrahmanyam's sqrt(2 pi / T) C / S near the money), each step kept inside the bracket
/// [lo, hi] its signs build up or replaced by bisection, until the step or the bracket is within
/// a few ulps of the vol. Lanes at a bound, needing a bracket beyond 10, or not converged in 100
/// steps take the scalar path with the asked solver. On well-conditioned options both paths
/// find the same root to about 1e-15 relative (tests/test_implied_vol.cpp).

#include <boost/math/tools/roots.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <string>

#include <xsimd/xsimd.hpp>

#include "detail/bsm_batch.hpp"
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
using implied_vol_result = basic_implied_vol_result<double>;

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

/// Implied vols of n options given as arrays (element i of each is option i) into `out`;
/// `solver` is the scalar path's, for the lanes the SIMD Newton leaves to it. Checks every input
/// first and throws naming the option ("option 17: ..."). See the file comment.
template <std::floating_point Real>
void implied_vol(std::span<const option_kind> kind, std::span<const Real> price, std::span<const Real> spot, std::span<const Real> strike,
                 std::span<const Real> expiry, std::span<const Real> rate, std::span<const Real> dividend,
                 std::span<basic_implied_vol_result<Real>> out, implied_vol_solver solver = implied_vol_solver::toms748) {
    const std::size_t n = kind.size();
    for (const auto& v : {price, spot, strike, expiry, rate, dividend}) detail::check_same_size(v.size(), n, "option array", "option kinds");
    detail::check_same_size(out.size(), n, "output array", "option kinds");
    for (std::size_t i = 0; i < n; ++i) {
        try {
            detail::check_option_inputs(spot[i], strike[i], expiry[i], rate[i], dividend[i], Real(0));
            detail::check_finite_value(price[i], "price");
            if (!(expiry[i] > 0)) throw std::invalid_argument("implied vol needs expiry > 0, got " + detail::fmt(expiry[i]));
        } catch (const std::invalid_argument& e) {
            if (n == 1) throw;
            throw std::invalid_argument("option " + std::to_string(i) + ": " + e.what());
        }
    }
    const auto scalar = [&](std::size_t i) {
        out[i] = implied_vol(kind[i], price[i], spot[i], strike[i], expiry[i], rate[i], dividend[i], solver);
    };
    using B = xsimd::batch<Real>;
    constexpr std::size_t lanes = B::size;
    constexpr Real eps = std::numeric_limits<Real>::epsilon();
    const B zero(Real(0)), one(Real(1)), cap(Real(10));
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        std::array<Real, lanes> wv;
        for (std::size_t j = 0; j < lanes; ++j) wv[j] = kind[i + j] == option_kind::call ? Real(1) : Real(-1);
        const B w = B::load_unaligned(wv.data()), S = B::load_unaligned(spot.data() + i), K = B::load_unaligned(strike.data() + i),
                T = B::load_unaligned(expiry.data() + i), r = B::load_unaligned(rate.data() + i), q = B::load_unaligned(dividend.data() + i),
                target = B::load_unaligned(price.data() + i);
        const auto fixed = detail::bsm_fixed_of(S, K, T, r, q); // once: only the vol moves
        const B sdq = fixed.sdq, kdr = fixed.kdr;
        const B lower = xsimd::max(w * (sdq - kdr), zero), upper = xsimd::select(w > zero, sdq, kdr);
        const B tol = Real(4) * eps * xsimd::max(one, upper);
        // at or beyond a bound: the scalar path says which (a status, no iteration)
        auto active = !(target <= lower + tol || target >= upper);
        xsimd::batch_bool<Real> done(false);
        B lo = zero, hi = cap;
        const B at_cap = detail::price_of(w, detail::bsm_terms_at(fixed, w, hi));
        active = active && at_cap >= target; // a root beyond 10 (or a price that overflowed): the scalar path
        const B moneyness = xsimd::sqrt(Real(2) * xsimd::abs(xsimd::log(sdq / kdr)) / T);
        const B near_money = xsimd::sqrt(Real(2) * std::numbers::pi_v<Real> / T) * (target - lower) / sdq;
        B v = xsimd::min(xsimd::max(xsimd::select(moneyness > Real(1e-3), moneyness, near_money), B(Real(1e-3))), hi);
        std::array<int, lanes> steps{};
        for (int k = 1; k <= 100 && xsimd::any(active && !done); ++k) {
            const auto t = detail::bsm_terms_at(fixed, w, v);
            const B f = detail::price_of(w, t) - target;
            const B vega = t.sdq * t.pdf1 * t.sqrt_t;
            active = active && !xsimd::isnan(f); // an overflowed price: the scalar path says what it is
            const auto moving = active && !done;
            hi = xsimd::select(moving && f > zero, v, hi);
            lo = xsimd::select(moving && f <= zero, v, lo);
            B next = v - f / vega;
            next = xsimd::select(next > lo && next < hi, next, (lo + hi) / Real(2)); // NaN steps too
            const auto settled = f == zero || xsimd::abs(next - v) <= Real(2) * eps * v || hi - lo <= Real(4) * eps * v;
            v = xsimd::select(moving && f != zero, next, v);
            const auto now = moving && settled;
            for (std::size_t j = 0; j < lanes; ++j)
                if (now.get(j)) steps[j] = k;
            done = done || now;
        }
        for (std::size_t j = 0; j < lanes; ++j) {
            if (done.get(j)) out[i + j] = {v.get(j), implied_vol_status::success, steps[j]};
            else scalar(i + j);
        }
    }
    for (; i < n; ++i) scalar(i);
}

} // namespace rtrisk
