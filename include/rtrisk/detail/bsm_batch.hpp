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

/// The terms that do not depend on the vol (an implied-vol solve computes them once).
template <class B>
struct bsm_fixed {
    B dq, dr, sqrt_t, drift, sdq, kdr; ///< drift: log(S / K) + (r - q) T
};
template <class Real, class Arch>
bsm_fixed<xsimd::batch<Real, Arch>> bsm_fixed_of(const xsimd::batch<Real, Arch>& S, const xsimd::batch<Real, Arch>& K,
                                                 const xsimd::batch<Real, Arch>& T, const xsimd::batch<Real, Arch>& r,
                                                 const xsimd::batch<Real, Arch>& q) {
    bsm_fixed<xsimd::batch<Real, Arch>> f;
    f.dq = xsimd::exp(-q * T);
    f.dr = xsimd::exp(-r * T);
    f.sqrt_t = xsimd::sqrt(T);
    f.drift = xsimd::log(S / K) + (r - q) * T;
    f.sdq = S * f.dq;
    f.kdr = K * f.dr;
    return f;
}

/// The terms every figure is made of, per lane: `w` is +1 for a call and -1 for a put.
template <class B>
struct bsm_terms : bsm_fixed<B> {
    B vs, d1, d2, nd1, nd2, pdf1;
};
template <class B>
bsm_terms<B> bsm_terms_at(const bsm_fixed<B>& f, const B& w, const B& sigma) {
    using Real = typename B::value_type;
    bsm_terms<B> t{f, {}, {}, {}, {}, {}, {}};
    t.vs = sigma * f.sqrt_t;
    t.d1 = f.drift / t.vs + t.vs / Real(2);
    t.d2 = t.d1 - t.vs;
    t.nd1 = norm_cdf(w * t.d1);
    t.nd2 = norm_cdf(w * t.d2);
    t.pdf1 = xsimd::exp(Real(-0.5) * t.d1 * t.d1) * (std::numbers::inv_sqrtpi_v<Real> / std::numbers::sqrt2_v<Real>);
    return t;
}
template <class Real, class Arch>
bsm_terms<xsimd::batch<Real, Arch>> bsm_terms_of(const xsimd::batch<Real, Arch>& w, const xsimd::batch<Real, Arch>& S,
                                                 const xsimd::batch<Real, Arch>& K, const xsimd::batch<Real, Arch>& T,
                                                 const xsimd::batch<Real, Arch>& r, const xsimd::batch<Real, Arch>& q,
                                                 const xsimd::batch<Real, Arch>& sigma) {
    return bsm_terms_at(bsm_fixed_of(S, K, T, r, q), w, sigma);
}

/// The price, max(w (S e^-qT N(w d1) - K e^-rT N(w d2)), 0) (a NaN stays NaN).
template <class B>
B price_of(const B& w, const bsm_terms<B>& t) {
    const B zero(0);
    const B raw = w * (t.sdq * t.nd1 - t.kdr * t.nd2);
    return xsimd::select(raw < zero, zero, raw);
}

/// Units as in greeks.hpp.
template <class Real, class Arch>
greeks_batch<xsimd::batch<Real, Arch>> bsm_general(const xsimd::batch<Real, Arch>& w, const xsimd::batch<Real, Arch>& S,
                                                   const xsimd::batch<Real, Arch>& K, const xsimd::batch<Real, Arch>& T,
                                                   const xsimd::batch<Real, Arch>& r, const xsimd::batch<Real, Arch>& q,
                                                   const xsimd::batch<Real, Arch>& sigma) {
    using B = xsimd::batch<Real, Arch>;
    greeks_batch<B> g;
    const auto t = bsm_terms_of(w, S, K, T, r, q, sigma);
    const B zero(Real(0));
    g.price = price_of(w, t);
    g.delta = w * t.dq * t.nd1;
    g.rho = w * t.kdr * T * t.nd2;
    g.dividend_rho = -w * t.sdq * T * t.nd1;
    g.theta = w * (q * t.sdq * t.nd1 - r * t.kdr * t.nd2);
    g.charm = w * q * t.dq * t.nd1;
    // Where the density underflowed to 0 (|d1| > ~38.6) the terms it multiplies are 0: the
    // T -> 0 limits, as in the scalar path (not 0 x inf = NaN).
    const auto live = t.pdf1 != zero;
    g.gamma = xsimd::select(live, t.dq * t.pdf1 / (S * t.vs), zero);
    g.vega = xsimd::select(live, t.sdq * t.pdf1 * t.sqrt_t, zero);
    g.theta += xsimd::select(live, -t.sdq * t.pdf1 * sigma / (Real(2) * t.sqrt_t), zero);
    g.vanna = xsimd::select(live, -t.dq * t.pdf1 * t.d2 / sigma, zero);
    g.volga = xsimd::select(live, g.vega * t.d1 * t.d2 / sigma, zero);
    g.charm -= xsimd::select(live, t.dq * t.pdf1 * ((r - q) / t.vs - t.d2 / (Real(2) * T)), zero);
    return g;
}

} // namespace rtrisk::detail
