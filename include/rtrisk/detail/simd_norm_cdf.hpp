#pragma once
// The standard normal distribution function on SIMD batches (xsimd): W. J. Cody's rational
// Chebyshev approximations (ACM TOMS 715, 1993; the algorithm of R's pnorm) in three ranges of
// |x|, each lane keeping its own (a range no lane is in is skipped). Against 0.5 erfc(-x / sqrt 2)
// in double: absolute error below 3e-16, relative below 1e-13 for |x| < 20 (tests/test_greeks.cpp);
// 0 and 1 beyond |x| ~ 38, NaN for NaN.

#include <cmath>

#include <xsimd/xsimd.hpp>

namespace rtrisk::detail {

/// N(x) and the density exp(-x^2 / 2) / sqrt(2 pi), which shares N's exponential.
template <class B> struct cdf_and_density { B cdf, density; };

/// With `Density`, also the density; without it, a batch whose lanes all lie in the central
/// range returns before the exponential.
template <bool Density, class Real, class Arch>
[[gnu::always_inline]] inline cdf_and_density<xsimd::batch<Real, Arch>>
norm_cdf_parts(const xsimd::batch<Real, Arch>& x) {
    using B = xsimd::batch<Real, Arch>;
    // |x| <= 0.67448975 (the quartile): N(x) = 1/2 + x A(x^2) / B(x^2)
    constexpr Real a[5] = {Real(2.2352520354606839287), Real(161.02823106855587881), Real(1067.6894854603709582),
                           Real(18154.981253343561249), Real(0.065682337918207449113)};
    constexpr Real b[4] = {Real(47.20258190468824187), Real(976.09855173777669322), Real(10260.932208618978205),
                           Real(45507.789335026729956)};
    // 0.674 < |x| <= sqrt(32): the tail is exp(-x^2 / 2) C(|x|) / D(|x|)
    constexpr Real c[9] = {Real(0.39894151208813466764), Real(8.8831497943883759412), Real(93.506656132177855979),
                           Real(597.27027639480026226),  Real(2494.5375852903726711), Real(6848.1904505362823326),
                           Real(11602.651437647350124),  Real(9842.7148383839780218), Real(1.0765576773720192317e-8)};
    constexpr Real d[8] = {Real(22.266688044328115691), Real(235.38790178262499861), Real(1519.377599407554805),
                           Real(6485.558298266760755),  Real(18615.571640885098091), Real(34900.952721145977266),
                           Real(38912.003286093271411), Real(19685.429676859990727)};
    // |x| > sqrt(32): the tail is exp(-x^2 / 2) (1/sqrt(2 pi) - P(1/x^2) / Q(1/x^2)) / |x|
    constexpr Real p[6] = {Real(0.21589853405795699),     Real(0.1274011611602473639), Real(0.022235277870649807),
                           Real(0.001421619193227893466), Real(2.9112874951168792e-5), Real(0.02307344176494017303)};
    constexpr Real q[5] = {Real(1.28426009614491121), Real(0.468238212480865118), Real(0.0659881378689285515),
                           Real(0.00378239633202758244), Real(7.29751555083966205e-5)};
    constexpr Real inv_sqrt_2pi = Real(0.398942280401432677939946059934);
    const B ax = xsimd::abs(x);
    const B y = xsimd::min(ax, B(Real(40))); // past 38 the tail is 0 in double: no inf - inf below
    const auto in_centre = ax <= B(Real(0.67448975)), in_middle = y <= B(Real(5.656854249492380195206754896838));
    // The central and middle ranges are both rational functions: each lane's numerator and
    // denominator are chosen first and divided once (a range no lane is in is skipped).
    const bool any_centre = xsimd::any(in_centre), all_centre = any_centre && xsimd::all(in_centre);
    const bool any_middle = !all_centre && xsimd::any(in_middle && !in_centre);
    B num_c(Real(0)), den_c(Real(1)), num_m(Real(0)), den_m(Real(1));
    if (any_centre) {
        const B x2 = x * x;
        num_c = a[4] * x2;
        den_c = x2;
        for (int i = 0; i < 3; ++i) {
            num_c = (num_c + a[i]) * x2;
            den_c = (den_c + b[i]) * x2;
        }
        num_c += a[3];
        den_c += b[3];
    }
    if (any_middle) {
        num_m = c[8] * y;
        den_m = y;
        for (int i = 0; i < 7; ++i) {
            num_m = (num_m + c[i]) * y;
            den_m = (den_m + d[i]) * y;
        }
        num_m += c[7];
        den_m += d[7];
    }
    const B ratio = xsimd::select(in_centre, num_c, num_m) / xsimd::select(in_centre, den_c, den_m);
    const B centre = Real(0.5) + x * ratio;
    // exp(-y^2 / 2) with y^2 as s^2 + (y - s)(y + s), s = y rounded down to 1/16: s^2 exact, only
    // the sum rounded
    if constexpr (!Density) {
        if (all_centre) return {centre, B(Real(0))};
    }
    const B s = xsimd::trunc(y * Real(16)) * Real(0.0625);
    const B e = xsimd::exp((s * s + (y - s) * (y + s)) * Real(-0.5));
    B far(Real(0));
    if (!xsimd::all(in_middle)) {
        const B r = Real(1) / (y * y);
        B num = p[5] * r, den = r;
        for (int i = 0; i < 4; ++i) {
            num = (num + p[i]) * r;
            den = (den + q[i]) * r;
        }
        far = (inv_sqrt_2pi - r * (num + p[4]) / (den + q[4])) / y;
    }
    const B tail = e * xsimd::select(in_middle, ratio, far);
    const B outer = xsimd::select(x > B(Real(0)), Real(1) - tail, tail);
    const auto nan = xsimd::isnan(x); // y is 40 there (min keeps its second operand)
    return {xsimd::select(in_centre, centre, xsimd::select(nan, x, outer)), xsimd::select(nan, x, e * inv_sqrt_2pi)};
}

template <class Real, class Arch>
[[gnu::always_inline]] inline xsimd::batch<Real, Arch> norm_cdf(const xsimd::batch<Real, Arch>& x) {
    return norm_cdf_parts<false>(x).cdf;
}

/// N(x) and the density at x.
template <class Real, class Arch>
[[gnu::always_inline]] inline cdf_and_density<xsimd::batch<Real, Arch>>
norm_cdf_and_density(const xsimd::batch<Real, Arch>& x) {
    return norm_cdf_parts<true>(x);
}

} // namespace rtrisk::detail
