#pragma once
/// @file greeks.hpp
/// Black-Scholes-Merton price and Greeks of European calls and puts with a continuous dividend
/// yield (Merton 1973; Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., ch. 1-2).
///
/// Conventions, as QuantLib's AnalyticEuropeanEngine so results compare one to one:
/// - expiry T in years; rate r and dividend yield q continuously compounded, per year;
///   vol sigma per sqrt(year); d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T), d2 = d1 - sigma sqrt T.
/// - delta = dV/dS; gamma = d2V/dS2;
/// - vega = dV/dsigma per 1.00 of volatility (divide by 100 for one vol point);
/// - theta = -dV/dT per year (value lost as one year passes); theta_per_day() divides by 365;
/// - rho = dV/dr per 1.00 of rate; dividend_rho = dV/dq per 1.00 of yield;
/// - vanna = d2V/dS dsigma; volga = d2V/dsigma2 (per 1.00 of vol, squared);
/// - charm = -d(delta)/dT per year (the change of delta as one year passes).
/// Edge cases, defined rather than NaN (every Greek is finite for valid input):
/// - T = 0: intrinsic value; delta is +-1 in the money, 0 out of it, +-1/2 at the money (S = K);
///   every other Greek is 0.
/// - T -> 0 (1e-18, 1e-300, subnormal): the formulas tend to the T = 0 values away from the
///   strike: price -> intrinsic, delta -> the step +-1/0, gamma, vega, vanna, volga -> 0, theta
///   -> +-(q S - r K) in the money (0 out of it), charm -> +-q in the money. Once |d1| > ~38.6 the
///   normal density is 0 in double precision and these limits hold exactly.
/// - At the money with T > 0 the formulas are used as they are: delta -> +-1/2, while gamma
///   (~ 1/(S sigma sqrt(2 pi T))), theta and charm grow without bound as T -> 0 and have no
///   finite limit; for the smallest positive T (4.9e-324) they are still finite (gamma ~ 1e160
///   for S = 100, sigma = 0.2). Only T = 0 itself takes the convention above (gamma 0).
/// - sigma = 0, or sigma sqrt(T) below the smallest double, T > 0: the discounted intrinsic
///   value of the forward, max(+-(S e^-qT - K e^-rT), 0); delta = +-e^-qT when the forward is in
///   the money (half at the money), rho/dividend rho and theta/charm to match; gamma, vega,
///   vanna, volga are 0.
/// Bad input (spot or strike not positive, negative expiry or vol, non-finite anything) throws
/// std::invalid_argument naming the value.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <array>

#include <xsimd/xsimd.hpp>

#include "detail/bsm_batch.hpp"
#include "detail/check.hpp"

namespace rtrisk {

enum class option_kind : std::uint8_t { call, put };

inline const char* to_string(option_kind k) { return k == option_kind::call ? "call" : "put"; }

/// Price and Greeks of one option (units in the file comment).
template <std::floating_point Real>
struct basic_greeks {
    Real price{}, delta{}, gamma{}, vega{}, theta{}, rho{}, dividend_rho{}, vanna{}, volga{}, charm{};
};
using greeks = basic_greeks<double>;

/// Theta per calendar day from theta per year: theta / 365.
template <std::floating_point Real>
constexpr Real theta_per_day(Real theta_per_year) {
    return theta_per_year / Real(365);
}

namespace detail {

template <class Real>
inline Real norm_cdf(Real x) {
    return Real(0.5) * std::erfc(-x * std::numbers::sqrt2_v<Real> / Real(2)); // accurate in both tails
}
template <class Real>
inline Real norm_pdf(Real x) {
    return std::exp(Real(-0.5) * x * x) * (std::numbers::inv_sqrtpi_v<Real> / std::numbers::sqrt2_v<Real>);
}

template <class Real>
void check_option_inputs(Real spot, Real strike, Real expiry, Real rate, Real dividend, Real vol) {
    auto positive = [](Real v, const char* name) {
        if (!(v > 0) || !std::isfinite(v)) throw std::invalid_argument(std::string(name) + " " + fmt(v) + " must be positive and finite");
    };
    auto non_negative = [](Real v, const char* name) {
        if (!(v >= 0) || !std::isfinite(v)) throw std::invalid_argument(std::string(name) + " " + fmt(v) + " must be non-negative and finite");
    };
    positive(spot, "spot");
    positive(strike, "strike");
    non_negative(expiry, "expiry");
    non_negative(vol, "vol");
    check_finite_value(rate, "rate");
    check_finite_value(dividend, "dividend");
}

/// Whether check_option_inputs passes every option of these arrays (of one size): one pass on
/// SIMD batches, with no message to build.
template <class Real>
bool option_inputs_valid(std::span<const Real> spot, std::span<const Real> strike, std::span<const Real> expiry,
                         std::span<const Real> rate, std::span<const Real> dividend, std::span<const Real> vol) noexcept {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t lanes = batch::size;
    const Real inf = std::numeric_limits<Real>::infinity();
    const auto valid = [inf](const auto& s, const auto& k, const auto& t, const auto& r, const auto& q, const auto& v) {
        // positive and finite, non-negative and finite, finite (a NaN fails every comparison)
        return s > Real(0) && s < inf && k > Real(0) && k < inf && t >= Real(0) && t < inf && v >= Real(0) && v < inf &&
               r > -inf && r < inf && q > -inf && q < inf;
    };
    const std::size_t n = spot.size();
    xsimd::batch_bool<Real> ok(true);
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        ok = ok && valid(batch::load_unaligned(spot.data() + i), batch::load_unaligned(strike.data() + i), batch::load_unaligned(expiry.data() + i),
                         batch::load_unaligned(rate.data() + i), batch::load_unaligned(dividend.data() + i), batch::load_unaligned(vol.data() + i));
    }
    bool all = xsimd::all(ok);
    for (; i < n; ++i) all = all && valid(spot[i], strike[i], expiry[i], rate[i], dividend[i], vol[i]);
    return all;
}

/// Price and Greeks without input checks (the caller has checked).
template <class Real>
basic_greeks<Real> bsm_unchecked(option_kind kind, Real S, Real K, Real T, Real r, Real q, Real sigma) {
    basic_greeks<Real> g;
    const Real w = kind == option_kind::call ? Real(1) : Real(-1);
    if (T == 0) {
        const Real intrinsic = w * (S - K);
        g.price = intrinsic > 0 ? intrinsic : Real(0);
        g.delta = S == K ? w / 2 : (intrinsic > 0 ? w : Real(0));
        return g;
    }
    const Real dq = std::exp(-q * T), dr = std::exp(-r * T);
    const Real sqrt_t = std::sqrt(T);
    const Real vs = sigma * sqrt_t;
    if (sigma == 0 || vs == 0) { // vs == 0: sigma sqrt(T) below the smallest double, no diffusion left
        const Real fwd_intrinsic = w * (S * dq - K * dr);
        const Real itm = fwd_intrinsic > 0 ? Real(1) : (fwd_intrinsic == 0 ? Real(0.5) : Real(0));
        g.price = fwd_intrinsic > 0 ? fwd_intrinsic : Real(0);
        g.delta = w * dq * itm;
        g.rho = w * K * T * dr * itm;
        g.dividend_rho = -w * S * T * dq * itm;
        g.theta = w * (q * S * dq - r * K * dr) * itm;
        g.charm = w * q * dq * itm;
        return g;
    }
    const Real d1 = (std::log(S / K) + (r - q) * T) / vs + vs / 2;
    const Real d2 = d1 - vs;
    const Real nd1 = norm_cdf(w * d1), nd2 = norm_cdf(w * d2); // N(w d1), N(w d2)
    const Real pdf1 = norm_pdf(d1);
    const Real sdq = S * dq, kdr = K * dr;
    g.price = std::max(w * (sdq * nd1 - kdr * nd2), Real(0)); // rounding can leave -1e-322 far out of the money
    g.delta = w * dq * nd1;
    g.rho = w * kdr * T * nd2;
    g.dividend_rho = -w * sdq * T * nd1;
    g.theta = w * (q * sdq * nd1 - r * kdr * nd2);
    g.charm = w * q * dq * nd1;
    // Away from the strike as T -> 0, |d1| grows like |ln(S/K)| / (sigma sqrt T) and the density
    // underflows to exactly 0 (|d1| > ~38.6): every term it multiplies is then 0, the T -> 0 limit
    // (gamma, vega, vanna, volga 0; theta and charm their drift parts), not 0 x inf = NaN.
    if (pdf1 == 0) return g;
    g.gamma = dq * pdf1 / (S * vs);
    g.vega = sdq * pdf1 * sqrt_t;
    g.theta += -sdq * pdf1 * sigma / (2 * sqrt_t);
    g.vanna = -dq * pdf1 * d2 / sigma;
    g.volga = g.vega * d1 * d2 / sigma;
    // (2 (r - q) T - d2 vs) / (2 T vs), split so that T vs does not underflow to 0 for tiny T.
    g.charm -= dq * pdf1 * ((r - q) / vs - d2 / (2 * T));
    return g;
}

} // namespace detail

/// Price and Greeks of a European option under Black-Scholes-Merton.
/// @param spot S > 0; @param strike K > 0; @param expiry T >= 0 in years;
/// @param rate r and @param dividend q continuously compounded; @param vol sigma >= 0 per sqrt(year)
///
///     auto g = rtrisk::bsm(rtrisk::option_kind::call, 100.0, 100.0, 0.1, 0.1, 0.1, 0.15);
///     // g.price = 1.8734 (Haug 1998, p. 24); g.vega per 1.00 vol; rtrisk::theta_per_day(g.theta)
template <std::floating_point Real>
basic_greeks<Real> bsm(option_kind kind, Real spot, Real strike, Real expiry, Real rate, Real dividend, Real vol) {
    detail::check_option_inputs(spot, strike, expiry, rate, dividend, vol);
    return detail::bsm_unchecked(kind, spot, strike, expiry, rate, dividend, vol);
}

/// Price only (same conventions and checks as bsm).
template <std::floating_point Real>
Real bsm_price(option_kind kind, Real spot, Real strike, Real expiry, Real rate, Real dividend, Real vol) {
    return bsm(kind, spot, strike, expiry, rate, dividend, vol).price;
}

/// A book of European options as structure-of-arrays: element i of every array is option i.
template <std::floating_point Real>
struct basic_option_book {
    std::vector<option_kind> kind;
    std::vector<Real> spot, strike, expiry, rate, dividend, vol;

    std::size_t size() const noexcept { return kind.size(); }
    void push_back(option_kind k, Real s, Real x, Real t, Real r, Real q, Real v) {
        kind.push_back(k);
        spot.push_back(s);
        strike.push_back(x);
        expiry.push_back(t);
        rate.push_back(r);
        dividend.push_back(q);
        vol.push_back(v);
    }
};
using option_book = basic_option_book<double>;

/// Prices and Greeks of a whole book, one array per Greek (structure-of-arrays out).
template <std::floating_point Real>
struct basic_greeks_table {
    std::vector<Real> price, delta, gamma, vega, theta, rho, dividend_rho, vanna, volga, charm;
    void resize(std::size_t n) {
        for (auto* v : {&price, &delta, &gamma, &vega, &theta, &rho, &dividend_rho, &vanna, &volga, &charm}) v->resize(n);
    }
};
using greeks_table = basic_greeks_table<double>;

/// Output spans of the array form of bsm(): each of the options' count, caller-owned (numpy
/// arrays, vectors).
template <std::floating_point Real>
struct basic_greeks_spans {
    std::span<Real> price, delta, gamma, vega, theta, rho, dividend_rho, vanna, volga, charm;

    /// Option i's price and Greeks into the spans.
    void set(std::size_t i, const basic_greeks<Real>& g) const {
        price[i] = g.price;
        delta[i] = g.delta;
        gamma[i] = g.gamma;
        vega[i] = g.vega;
        theta[i] = g.theta;
        rho[i] = g.rho;
        dividend_rho[i] = g.dividend_rho;
        vanna[i] = g.vanna;
        volga[i] = g.volga;
        charm[i] = g.charm;
    }
};

/// Prices and Greeks of n options given as arrays (element i of each is option i) into `out`.
/// Checks every input first and throws naming the option ("option 17: vol -1 must be ...", no
/// index when n is 1); then evaluates on SIMD batches (detail/bsm_batch.hpp; the scalar formula
/// for a batch's lanes at T = 0 or sigma sqrt(T) = 0, or where S, T, sigma or sigma sqrt(T) is
/// subnormal, and for the last n mod batch options). The
/// one loop behind the book form below and the Python bindings.
template <std::floating_point Real>
void bsm(std::span<const option_kind> kind, std::span<const Real> spot, std::span<const Real> strike,
         std::span<const Real> expiry, std::span<const Real> rate, std::span<const Real> dividend, std::span<const Real> vol,
         const basic_greeks_spans<Real>& out) {
    const std::size_t n = kind.size();
    for (const auto& v : {spot, strike, expiry, rate, dividend, vol}) detail::check_same_size(v.size(), n, "option array", "option kinds");
    for (const auto& v : {out.price, out.delta, out.gamma, out.vega, out.theta, out.rho, out.dividend_rho, out.vanna, out.volga, out.charm}) {
        detail::check_same_size(v.size(), n, "output array", "option kinds");
    }
    if (!detail::option_inputs_valid(spot, strike, expiry, rate, dividend, vol)) { // then name the first bad option
        for (std::size_t i = 0; i < n; ++i) {
            try {
                detail::check_option_inputs(spot[i], strike[i], expiry[i], rate[i], dividend[i], vol[i]);
            } catch (const std::invalid_argument& e) {
                if (n == 1) throw;
                throw std::invalid_argument("option " + std::to_string(i) + ": " + e.what());
            }
        }
    }
    const auto scalar = [&](std::size_t i) { out.set(i, detail::bsm_unchecked(kind[i], spot[i], strike[i], expiry[i], rate[i], dividend[i], vol[i])); };
    using batch = xsimd::batch<Real>;
    constexpr std::size_t lanes = batch::size;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        // Beyond the caches the loop would wait for each output line to be read before it is
        // written, and for the inputs: both are asked for 16 batches ahead (measured on a
        // million options: 26.5 ms without, 20-22 ms with; bench_greeks).
        constexpr std::size_t ahead = 16 * lanes;
        if (i + ahead < n) {
            for (Real* o : {out.price.data(), out.delta.data(), out.gamma.data(), out.vega.data(), out.theta.data(), out.rho.data(),
                            out.dividend_rho.data(), out.vanna.data(), out.volga.data(), out.charm.data()})
                __builtin_prefetch(o + i + ahead, 1);
            for (const Real* in : {spot.data(), strike.data(), expiry.data(), rate.data(), dividend.data(), vol.data()})
                __builtin_prefetch(in + i + ahead, 0);
        }
        std::array<Real, lanes> w;
        for (std::size_t j = 0; j < lanes; ++j) w[j] = kind[i + j] == option_kind::call ? Real(1) : Real(-1);
        const batch t = batch::load_unaligned(expiry.data() + i), sigma = batch::load_unaligned(vol.data() + i);
        const auto g = detail::bsm_general(batch::load_unaligned(w.data()), batch::load_unaligned(spot.data() + i),
                                           batch::load_unaligned(strike.data() + i), t, batch::load_unaligned(rate.data() + i),
                                           batch::load_unaligned(dividend.data() + i), sigma);
        g.price.store_unaligned(out.price.data() + i);
        g.delta.store_unaligned(out.delta.data() + i);
        g.gamma.store_unaligned(out.gamma.data() + i);
        g.vega.store_unaligned(out.vega.data() + i);
        g.theta.store_unaligned(out.theta.data() + i);
        g.rho.store_unaligned(out.rho.data() + i);
        g.dividend_rho.store_unaligned(out.dividend_rho.data() + i);
        g.vanna.store_unaligned(out.vanna.data() + i);
        g.volga.store_unaligned(out.volga.data() + i);
        g.charm.store_unaligned(out.charm.data() + i);
        // The limits (T = 0, sigma sqrt(T) = 0) and an S, T, sigma or sigma sqrt(T) below the
        // smallest normal number, whose reciprocal would overflow: the scalar path, lane by lane.
        constexpr Real smallest = std::numeric_limits<Real>::min();
        const batch s = batch::load_unaligned(spot.data() + i);
        if (!xsimd::all(t >= batch(smallest) && s >= batch(smallest) && sigma >= batch(smallest) &&
                        sigma * xsimd::sqrt(t) >= batch(smallest))) {
            for (std::size_t j = i; j < i + lanes; ++j)
                if (!(expiry[j] >= smallest && spot[j] >= smallest && vol[j] >= smallest && vol[j] * std::sqrt(expiry[j]) >= smallest))
                    scalar(j);
        }
    }
    for (; i < n; ++i) scalar(i);
}

/// Prices and Greeks of every option of `book` into `out` (resized); see the array form.
template <std::floating_point Real>
void bsm(const basic_option_book<Real>& book, basic_greeks_table<Real>& out) {
    const std::size_t n = book.size();
    for (const auto* v : {&book.spot, &book.strike, &book.expiry, &book.rate, &book.dividend, &book.vol}) {
        detail::check_same_size(v->size(), n, "option book array", "option book kind");
    }
    out.resize(n);
    bsm<Real>(book.kind, book.spot, book.strike, book.expiry, book.rate, book.dividend, book.vol,
              {out.price, out.delta, out.gamma, out.vega, out.theta, out.rho, out.dividend_rho, out.vanna, out.volga, out.charm});
}

} // namespace rtrisk
