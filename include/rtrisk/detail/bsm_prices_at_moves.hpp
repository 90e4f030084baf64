#pragma once
// Black-Scholes-Merton prices of one option at many spots S (1 + m_i) (scenario returns, a
// grid's spot axis): greeks.hpp's price formula with the spot-free terms computed once, on SIMD
// batches (N by simd_norm_cdf.hpp: within 3e-16 of the scalar path's N, so prices agree to about
// 1e-15 of the spot and strike), the last
// few moves one by one. T = 0 and sigma sqrt(T) = 0 take bsm_unchecked's limits. The caller
// has checked the inputs.

#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "../greeks.hpp"
#include "simd_norm_cdf.hpp"

namespace rtrisk::detail {

/// out[i] = price at spot s (1 + moves[i]) - minus, for i < n.
template <class Real>
void bsm_prices_at_moves(option_kind kind, Real s, Real strike, Real expiry, Real rate, Real q, Real vol, const Real* moves, std::size_t n,
                         Real* out, Real minus = 0) {
    const Real vs = vol * std::sqrt(expiry);
    if (expiry == 0 || vol == 0 || vs == 0) { // degenerate: the general pricer's limits
        for (std::size_t i = 0; i < n; ++i) out[i] = bsm_unchecked(kind, s * (1 + moves[i]), strike, expiry, rate, q, vol).price - minus;
        return;
    }
    const Real w = kind == option_kind::call ? Real(1) : Real(-1);
    const Real dq = std::exp(-q * expiry), kdr = strike * std::exp(-rate * expiry);
    const Real carry = (rate - q) * expiry;
    using batch = xsimd::batch<Real>;
    constexpr std::size_t lanes = batch::size;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const batch spot = s * (Real(1) + batch::load_unaligned(moves + i));
        const batch d1 = (xsimd::log(spot / strike) + carry) / vs + vs / 2;
        const batch d2 = d1 - vs;
        const batch price = xsimd::max(w * (spot * dq * norm_cdf(w * d1) - kdr * norm_cdf(w * d2)), batch(Real(0)));
        (price - minus).store_unaligned(out + i);
    }
    for (; i < n; ++i) {
        const Real spot = s * (1 + moves[i]);
        const Real d1 = (std::log(spot / strike) + carry) / vs + vs / 2;
        const Real d2 = d1 - vs;
        out[i] = std::max(w * (spot * dq * norm_cdf(w * d1) - kdr * norm_cdf(w * d2)), Real(0)) - minus;
    }
}

} // namespace rtrisk::detail
