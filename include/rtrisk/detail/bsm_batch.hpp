#pragma once
// Black-Scholes-Merton price and Greeks of a SIMD batch of options (xsimd): greeks.hpp's
// bsm_unchecked formula for T > 0 and sigma sqrt(T) > 0, lane by lane, with xsimd's log, exp and
// sqrt and simd_norm_cdf.hpp's N (Cody's approximations, within 3e-16 of the scalar path's
// 0.5 erfc(-x / sqrt 2); xsimd's erfc was 10 times further from it). Divisions, the slowest of
// these operations, are few: besides d1's own, reciprocals of S, T and sigma sqrt(T) serve every
// Greek, and N(d1) and the density at d1 share one exponential, so a value differs from the
// scalar path by a few ulps of its terms. The caller has checked the inputs and takes to the
// scalar path the lanes at T = 0 or sigma sqrt(T) = 0 (the limits) and those where S, T, sigma
// or sigma sqrt(T) is subnormal.

#include <xsimd/xsimd.hpp>

#include "simd_norm_cdf.hpp"

namespace rtrisk::detail {

template <class Batch> struct greeks_batch {
    Batch price, delta, gamma, vega, theta, rho, dividend_rho, vanna, volga, charm;
};

/// The terms that do not depend on the vol (an implied-vol solve computes them once). inv_s and
/// inv_t are finite where S and T are normal numbers (bsm_general's caller takes other lanes to
/// the scalar path; the implied-vol solve does not use them).
template <class B> struct bsm_fixed {
    B dq, dr, sqrt_t, inv_s, inv_t, drift, sdq, kdr; ///< drift: log(S / K) + (r - q) T
};
template <class Real, class Arch>
[[gnu::always_inline]] inline bsm_fixed<xsimd::batch<Real, Arch>>
bsm_fixed_of(const xsimd::batch<Real, Arch>& S, const xsimd::batch<Real, Arch>& K, const xsimd::batch<Real, Arch>& T,
             const xsimd::batch<Real, Arch>& r, const xsimd::batch<Real, Arch>& q) {
    bsm_fixed<xsimd::batch<Real, Arch>> f;
    f.dq = xsimd::exp(-q * T);
    f.dr = xsimd::exp(-r * T);
    f.sqrt_t = xsimd::sqrt(T);
    f.inv_s = Real(1) / S;
    f.inv_t = Real(1) / T;
    f.drift = xsimd::log(S / K) + (r - q) * T;
    f.sdq = S * f.dq;
    f.kdr = K * f.dr;
    return f;
}

/// The terms every figure is made of, per lane: `w` is +1 for a call and -1 for a put.
/// `inv_vs` is 1 / (sigma sqrt(T)), finite where sigma sqrt(T) is a normal number (bsm_general's
/// caller takes the lanes below it to the scalar path).
template <class B> struct bsm_terms : bsm_fixed<B> { B vs, inv_vs, d1, d2, nd1, nd2, pdf1; };
template <class B>
[[gnu::always_inline]] inline bsm_terms<B> bsm_terms_at(const bsm_fixed<B>& f, const B& w, const B& sigma) {
    using Real = typename B::value_type;
    bsm_terms<B> t{f, {}, {}, {}, {}, {}, {}, {}};
    t.vs = sigma * f.sqrt_t;
    t.inv_vs = Real(1) / t.vs;
    t.d1 = f.drift / t.vs + t.vs * Real(0.5);
    t.d2 = t.d1 - t.vs;
    const auto n1 = norm_cdf_and_density(w * t.d1); // the density shares N's exponential
    t.nd1 = n1.cdf;
    t.pdf1 = n1.density;
    t.nd2 = norm_cdf(w * t.d2);
    return t;
}
template <class Real, class Arch>
[[gnu::always_inline]] inline bsm_terms<xsimd::batch<Real, Arch>>
bsm_terms_of(const xsimd::batch<Real, Arch>& w, const xsimd::batch<Real, Arch>& S, const xsimd::batch<Real, Arch>& K,
             const xsimd::batch<Real, Arch>& T, const xsimd::batch<Real, Arch>& r, const xsimd::batch<Real, Arch>& q,
             const xsimd::batch<Real, Arch>& sigma) {
    return bsm_terms_at(bsm_fixed_of(S, K, T, r, q), w, sigma);
}

/// The price, max(w (S e^-qT N(w d1) - K e^-rT N(w d2)), 0) (a NaN stays NaN).
template <class B> [[gnu::always_inline]] inline B price_of(const B& w, const bsm_terms<B>& t) {
    const B zero(0);
    const B raw = w * (t.sdq * t.nd1 - t.kdr * t.nd2);
    return xsimd::select(raw < zero, zero, raw);
}

/// Units as in greeks.hpp.
template <class Real, class Arch>
[[gnu::always_inline]] inline greeks_batch<xsimd::batch<Real, Arch>>
bsm_general(const xsimd::batch<Real, Arch>& w, const xsimd::batch<Real, Arch>& S, const xsimd::batch<Real, Arch>& K,
            const xsimd::batch<Real, Arch>& T, const xsimd::batch<Real, Arch>& r, const xsimd::batch<Real, Arch>& q,
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
    // Divisions are few: 1 / (sigma sqrt T) is shared, sigma / sqrt(T) = sigma^2 / (sigma sqrt T).
    const auto live = t.pdf1 != zero;
    const B dq_pdf1 = t.dq * t.pdf1, inv_sigma = t.sqrt_t * t.inv_vs;
    g.gamma = xsimd::select(live, dq_pdf1 * t.inv_vs * t.inv_s, zero);
    g.vega = xsimd::select(live, t.sdq * t.pdf1 * t.sqrt_t, zero);
    g.theta += xsimd::select(live, -t.sdq * t.pdf1 * (sigma * t.inv_vs) * sigma * Real(0.5), zero);
    g.vanna = xsimd::select(live, -dq_pdf1 * t.d2 * inv_sigma, zero);
    g.volga = xsimd::select(live, g.vega * t.d1 * t.d2 * inv_sigma, zero);
    g.charm -= xsimd::select(live, dq_pdf1 * ((r - q) * t.inv_vs - t.d2 * t.inv_t * Real(0.5)), zero);
    return g;
}

} // namespace rtrisk::detail
