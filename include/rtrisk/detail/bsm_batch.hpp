#pragma once
// Black-Scholes-Merton price and Greeks of a SIMD batch of options (xsimd): greeks.hpp's
// bsm_unchecked formula for T > 0 and sigma sqrt(T) > 0, lane by lane the same operations, with
// xsimd's log, exp and sqrt and simd_norm_cdf.hpp's N (Cody's approximations, within 3e-16 of
// the scalar path's 0.5 erfc(-x / sqrt 2); xsimd's erfc was 10 times further from it). The caller handles the other lanes (T = 0, sigma sqrt(T) = 0) with the
// scalar limits, and has checked the inputs.

#include <numbers>

#include <xsimd/xsimd.hpp>

#include "simd_norm_cdf.hpp"


namespace rtrisk::detail {

template <class Batch>
struct greeks_batch {
    Batch price, delta, gamma, vega, theta, rho, dividend_rho, vanna, volga, charm;
};

/// `w` is +1 for a call and -1 for a put, per lane; units as in greeks.hpp.
template <class Real, class Arch>
greeks_batch<xsimd::batch<Real, Arch>> bsm_general(const xsimd::batch<Real, Arch>& w, const xsimd::batch<Real, Arch>& S,
                                                   const xsimd::batch<Real, Arch>& K, const xsimd::batch<Real, Arch>& T,
                                                   const xsimd::batch<Real, Arch>& r, const xsimd::batch<Real, Arch>& q,
                                                   const xsimd::batch<Real, Arch>& sigma) {
    using B = xsimd::batch<Real, Arch>;
    greeks_batch<B> g;
    const B dq = xsimd::exp(-q * T), dr = xsimd::exp(-r * T);
    const B sqrt_t = xsimd::sqrt(T);
    const B vs = sigma * sqrt_t;
    const B d1 = (xsimd::log(S / K) + (r - q) * T) / vs + vs / Real(2);
    const B d2 = d1 - vs;
    const B nd1 = norm_cdf(w * d1), nd2 = norm_cdf(w * d2);
    const B pdf1 = xsimd::exp(Real(-0.5) * d1 * d1) * (std::numbers::inv_sqrtpi_v<Real> / std::numbers::sqrt2_v<Real>);
    const B sdq = S * dq, kdr = K * dr;
    const B zero(Real(0));
    const B raw = w * (sdq * nd1 - kdr * nd2);
    g.price = xsimd::select(raw < zero, zero, raw); // std::max(raw, 0): a NaN stays NaN
    g.delta = w * dq * nd1;
    g.rho = w * kdr * T * nd2;
    g.dividend_rho = -w * sdq * T * nd1;
    g.theta = w * (q * sdq * nd1 - r * kdr * nd2);
    g.charm = w * q * dq * nd1;
    // Where the density underflowed to 0 (|d1| > ~38.6) the terms it multiplies are 0: the
    // T -> 0 limits, as in the scalar path (not 0 x inf = NaN).
    const auto live = pdf1 != zero;
    g.gamma = xsimd::select(live, dq * pdf1 / (S * vs), zero);
    g.vega = xsimd::select(live, sdq * pdf1 * sqrt_t, zero);
    g.theta += xsimd::select(live, -sdq * pdf1 * sigma / (Real(2) * sqrt_t), zero);
    g.vanna = xsimd::select(live, -dq * pdf1 * d2 / sigma, zero);
    g.volga = xsimd::select(live, g.vega * d1 * d2 / sigma, zero);
    g.charm -= xsimd::select(live, dq * pdf1 * ((r - q) / vs - d2 / (Real(2) * T)), zero);
    return g;
}

} // namespace rtrisk::detail
