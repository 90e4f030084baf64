#include <doctest/doctest.h>

#include <rtrisk/detail/bsm_prices_at_moves.hpp>
#include <rtrisk/detail/simd_norm_cdf.hpp>
#include <rtrisk/greeks.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>
#include <vector>

using rtrisk::option_kind;
namespace {
constexpr option_kind C = option_kind::call, P = option_kind::put;
struct haug_row {
    option_kind kind;
    double strike, spot, q, r, t, vol, value;
};
// E. G. Haug, "Option Pricing Formulas", McGraw-Hill 1998, pp. 2-8, 24, 27, as tabulated in
// QuantLib's test-suite/europeanoption.cpp (testValues). Published to 4 decimals.
const haug_row haug_values[] = {
    {C, 65.00, 60.00, 0.00, 0.08, 0.25, 0.30, 2.1334},   {P, 95.00, 100.00, 0.05, 0.10, 0.50, 0.20, 2.4648},
    {P, 19.00, 19.00, 0.10, 0.10, 0.75, 0.28, 1.7011},   {C, 19.00, 19.00, 0.10, 0.10, 0.75, 0.28, 1.7011},
    {C, 1.60, 1.56, 0.08, 0.06, 0.50, 0.12, 0.0291},     {P, 70.00, 75.00, 0.05, 0.10, 0.50, 0.35, 4.0870},
    {C, 100.00, 90.00, 0.10, 0.10, 0.10, 0.15, 0.0205},  {C, 100.00, 100.00, 0.10, 0.10, 0.10, 0.15, 1.8734},
    {C, 100.00, 110.00, 0.10, 0.10, 0.10, 0.15, 9.9413},  {C, 100.00, 90.00, 0.10, 0.10, 0.10, 0.25, 0.3150},
    {C, 100.00, 100.00, 0.10, 0.10, 0.10, 0.25, 3.1217},  {C, 100.00, 110.00, 0.10, 0.10, 0.10, 0.25, 10.3556},
    {C, 100.00, 90.00, 0.10, 0.10, 0.10, 0.35, 0.9474},  {C, 100.00, 100.00, 0.10, 0.10, 0.10, 0.35, 4.3693},
    {C, 100.00, 110.00, 0.10, 0.10, 0.10, 0.35, 11.1381}, {C, 100.00, 90.00, 0.10, 0.10, 0.50, 0.15, 0.8069},
    {C, 100.00, 100.00, 0.10, 0.10, 0.50, 0.15, 4.0232},  {C, 100.00, 110.00, 0.10, 0.10, 0.50, 0.15, 10.5769},
    {C, 100.00, 90.00, 0.10, 0.10, 0.50, 0.25, 2.7026},  {C, 100.00, 100.00, 0.10, 0.10, 0.50, 0.25, 6.6997},
    {C, 100.00, 110.00, 0.10, 0.10, 0.50, 0.25, 12.7857}, {C, 100.00, 90.00, 0.10, 0.10, 0.50, 0.35, 4.9329},
    {C, 100.00, 100.00, 0.10, 0.10, 0.50, 0.35, 9.3679},  {C, 100.00, 110.00, 0.10, 0.10, 0.50, 0.35, 15.3086},
    {P, 100.00, 90.00, 0.10, 0.10, 0.10, 0.15, 9.9210},  {P, 100.00, 100.00, 0.10, 0.10, 0.10, 0.15, 1.8734},
    {P, 100.00, 110.00, 0.10, 0.10, 0.10, 0.15, 0.0408},  {P, 100.00, 90.00, 0.10, 0.10, 0.10, 0.25, 10.2155},
    {P, 100.00, 100.00, 0.10, 0.10, 0.10, 0.25, 3.1217},  {P, 100.00, 110.00, 0.10, 0.10, 0.10, 0.25, 0.4551},
    {P, 100.00, 90.00, 0.10, 0.10, 0.10, 0.35, 10.8479}, {P, 100.00, 100.00, 0.10, 0.10, 0.10, 0.35, 4.3693},
    {P, 100.00, 110.00, 0.10, 0.10, 0.10, 0.35, 1.2376},  {P, 100.00, 90.00, 0.10, 0.10, 0.50, 0.15, 10.3192},
    {P, 100.00, 100.00, 0.10, 0.10, 0.50, 0.15, 4.0232},  {P, 100.00, 110.00, 0.10, 0.10, 0.50, 0.15, 1.0646},
    {P, 100.00, 90.00, 0.10, 0.10, 0.50, 0.25, 12.2149}, {P, 100.00, 100.00, 0.10, 0.10, 0.50, 0.25, 6.6997},
    {P, 100.00, 110.00, 0.10, 0.10, 0.50, 0.25, 3.2734},  {P, 100.00, 90.00, 0.10, 0.10, 0.50, 0.35, 14.4452},
    {P, 100.00, 100.00, 0.10, 0.10, 0.50, 0.35, 9.3679}, {P, 100.00, 110.00, 0.10, 0.10, 0.50, 0.35, 5.7963},
    {C, 40.00, 42.00, 0.08, 0.04, 0.75, 0.35, 5.0975},
};
} // namespace

TEST_CASE_TEMPLATE("BSM prices match Haug's tables to the published 4 decimals", Real, float, double) {
    for (const auto& h : haug_values) {
        CAPTURE(h.spot);
        CAPTURE(h.strike);
        CAPTURE(h.vol);
        CAPTURE(h.t);
        const Real v = rtrisk::bsm_price<Real>(h.kind, Real(h.spot), Real(h.strike), Real(h.t), Real(h.r), Real(h.q), Real(h.vol));
        CHECK(std::abs(double(v) - h.value) <= 1e-4); // the published rounding (QuantLib's tolerance)
    }
}

// Haug (1998) pp. 11-16 as tabulated in QuantLib's testGreekValues; 4 decimals.
TEST_CASE("BSM Greeks match Haug's worked examples") {
    CHECK(std::abs(rtrisk::bsm(C, 105.0, 100.0, 0.5, 0.10, 0.10, 0.36).delta - 0.5946) <= 1e-4);
    CHECK(std::abs(rtrisk::bsm(P, 105.0, 100.0, 0.5, 0.10, 0.10, 0.36).delta - -0.3566) <= 1e-4);
    CHECK(std::abs(rtrisk::bsm(C, 55.0, 60.0, 0.75, 0.10, 0.0, 0.30).gamma - 0.0278) <= 1e-4);
    CHECK(std::abs(rtrisk::bsm(P, 55.0, 60.0, 0.75, 0.10, 0.0, 0.30).gamma - 0.0278) <= 1e-4);
    CHECK(std::abs(rtrisk::bsm(C, 55.0, 60.0, 0.75, 0.10, 0.0, 0.30).vega - 18.9358) <= 1e-4);
    const auto theta_put = rtrisk::bsm(P, 430.0, 405.0, 1.0 / 12.0, 0.07, 0.05, 0.20).theta;
    CHECK(std::abs(theta_put - -31.1924) <= 1e-4);
    CHECK(std::abs(rtrisk::theta_per_day(theta_put) - -0.0855) <= 1e-4);
    CHECK(std::abs(rtrisk::bsm(C, 72.0, 75.0, 1.0, 0.09, 0.0, 0.19).rho - 38.7325) <= 1e-4);
    CHECK(std::abs(rtrisk::bsm(P, 500.0, 490.0, 0.25, 0.08, 0.05, 0.15).dividend_rho - 42.2254) <= 1e-4);
}

TEST_CASE("put-call parity: C - P = S e^-qT - K e^-rT, and delta_C - delta_P = e^-qT") {
    for (double s : {50.0, 90.0, 100.0, 130.0, 400.0})
        for (double t : {0.01, 0.5, 2.0, 30.0})
            for (double v : {0.05, 0.2, 0.8}) {
                const double k = 100, r = 0.03, q = 0.01;
                const auto c = rtrisk::bsm(C, s, k, t, r, q, v), p = rtrisk::bsm(P, s, k, t, r, q, v);
                const double fwd = s * std::exp(-q * t) - k * std::exp(-r * t);
                // Two prices of size up to S, each to ~1e-15 relative: 1e-12 absolute on S = 400.
                CHECK(c.price - p.price == doctest::Approx(fwd).epsilon(1e-12).scale(s));
                CHECK(c.delta - p.delta == doctest::Approx(std::exp(-q * t)).epsilon(1e-13));
                CHECK(c.gamma == doctest::Approx(p.gamma).epsilon(1e-13));
                CHECK(c.vega == doctest::Approx(p.vega).epsilon(1e-13));
            }
}

TEST_CASE("Greeks equal central finite differences of the price") {
    struct bump_case {
        option_kind k;
        double s, x, t, r, q, v;
    };
    const bump_case cases[] = {{C, 100, 100, 0.5, 0.05, 0.02, 0.25}, {P, 100, 110, 1.5, 0.01, 0.03, 0.40},
                               {C, 80, 100, 0.25, -0.005, 0.0, 0.30}, {P, 120, 100, 3.0, 0.04, 0.06, 0.15}};
    for (const auto& c : cases) {
        auto price = [&](double s, double t, double r, double q, double v) { return rtrisk::bsm(c.k, s, c.x, t, r, q, v).price; };
        auto delta = [&](double s, double t, double v) { return rtrisk::bsm(c.k, s, c.x, t, c.r, c.q, v).delta; };
        const auto g = rtrisk::bsm(c.k, c.s, c.x, c.t, c.r, c.q, c.v);
        const double hs = 1e-4 * c.s, hv = 1e-4, ht = 1e-5, hr = 1e-5;
        // Central differences: truncation O(h^2) ~ 1e-8 relative, rounding eps/h ~ 1e-11: 1e-6 relative is safe.
        const double tol = 1e-6;
        CHECK(g.delta == doctest::Approx((price(c.s + hs, c.t, c.r, c.q, c.v) - price(c.s - hs, c.t, c.r, c.q, c.v)) / (2 * hs)).epsilon(tol));
        CHECK(g.gamma == doctest::Approx((delta(c.s + hs, c.t, c.v) - delta(c.s - hs, c.t, c.v)) / (2 * hs)).epsilon(tol));
        CHECK(g.vega == doctest::Approx((price(c.s, c.t, c.r, c.q, c.v + hv) - price(c.s, c.t, c.r, c.q, c.v - hv)) / (2 * hv)).epsilon(tol));
        CHECK(g.theta == doctest::Approx(-(price(c.s, c.t + ht, c.r, c.q, c.v) - price(c.s, c.t - ht, c.r, c.q, c.v)) / (2 * ht)).epsilon(tol));
        CHECK(g.rho == doctest::Approx((price(c.s, c.t, c.r + hr, c.q, c.v) - price(c.s, c.t, c.r - hr, c.q, c.v)) / (2 * hr)).epsilon(tol));
        CHECK(g.dividend_rho == doctest::Approx((price(c.s, c.t, c.r, c.q + hr, c.v) - price(c.s, c.t, c.r, c.q - hr, c.v)) / (2 * hr)).epsilon(tol));
        CHECK(g.vanna == doctest::Approx((delta(c.s, c.t, c.v + hv) - delta(c.s, c.t, c.v - hv)) / (2 * hv)).epsilon(tol));
        const double vega_up = rtrisk::bsm(c.k, c.s, c.x, c.t, c.r, c.q, c.v + hv).vega;
        const double vega_dn = rtrisk::bsm(c.k, c.s, c.x, c.t, c.r, c.q, c.v - hv).vega;
        CHECK(g.volga == doctest::Approx((vega_up - vega_dn) / (2 * hv)).epsilon(tol));
        CHECK(g.charm == doctest::Approx(-(delta(c.s, c.t + ht, c.v) - delta(c.s, c.t - ht, c.v)) / (2 * ht)).epsilon(1e-5));
    }
}

TEST_CASE("edge cases have defined results") {
    SUBCASE("expiry 0: intrinsic value, delta 0 or +-1, other Greeks 0") {
        const auto itm = rtrisk::bsm(C, 110.0, 100.0, 0.0, 0.05, 0.0, 0.2);
        CHECK(itm.price == 10.0);
        CHECK(itm.delta == 1.0);
        CHECK(itm.gamma == 0.0);
        CHECK(itm.vega == 0.0);
        const auto otm_put = rtrisk::bsm(P, 110.0, 100.0, 0.0, 0.05, 0.0, 0.2);
        CHECK(otm_put.price == 0.0);
        CHECK(otm_put.delta == 0.0);
        CHECK(rtrisk::bsm(P, 90.0, 100.0, 0.0, 0.05, 0.0, 0.2).delta == -1.0);
        CHECK(rtrisk::bsm(C, 100.0, 100.0, 0.0, 0.05, 0.0, 0.2).delta == 0.5);
    }
    SUBCASE("vol 0: discounted forward intrinsic value, the limit of small vols") {
        const auto z = rtrisk::bsm(C, 100.0, 95.0, 1.0, 0.05, 0.02, 0.0);
        CHECK(z.price == doctest::Approx(100 * std::exp(-0.02) - 95 * std::exp(-0.05)).epsilon(1e-15));
        const auto tiny = rtrisk::bsm(C, 100.0, 95.0, 1.0, 0.05, 0.02, 1e-6);
        CHECK(z.price == doctest::Approx(tiny.price).epsilon(1e-12));
        CHECK(z.delta == doctest::Approx(tiny.delta).epsilon(1e-12));
        CHECK(z.theta == doctest::Approx(tiny.theta).epsilon(1e-9));
        CHECK(z.rho == doctest::Approx(tiny.rho).epsilon(1e-12));
        CHECK(z.charm == doctest::Approx(tiny.charm).epsilon(1e-9));
        CHECK(rtrisk::bsm(P, 100.0, 95.0, 1.0, 0.05, 0.02, 0.0).price == 0.0);
    }
    SUBCASE("deep in and out of the money, very long expiries: finite, within bounds") {
        for (double s : {1e-3, 1.0, 1e4, 1e7})
            for (double t : {1e-6, 1.0, 100.0})
                for (auto k : {C, P}) {
                    const auto g = rtrisk::bsm(k, s, 100.0, t, 0.03, 0.01, 0.3);
                    for (double v : {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho, g.dividend_rho, g.vanna, g.volga, g.charm})
                        CHECK(std::isfinite(v));
                    CHECK(g.price >= 0.0);
                    CHECK(g.price <= (k == C ? s * std::exp(-0.01 * t) : 100 * std::exp(-0.03 * t)) * (1 + 1e-12));
                }
        // Deep out of the money: worth (almost) nothing; deep in: the discounted forward.
        CHECK(rtrisk::bsm_price(C, 1.0, 100.0, 1.0, 0.03, 0.01, 0.3) < 1e-40);
        CHECK(rtrisk::bsm_price(C, 1e7, 100.0, 1.0, 0.03, 0.01, 0.3) ==
              doctest::Approx(1e7 * std::exp(-0.01) - 100 * std::exp(-0.03)).epsilon(1e-15));
    }
}

TEST_CASE("meaningless inputs throw with the value in the message") {
    CHECK_THROWS_WITH_AS(rtrisk::bsm(C, 100.0, 100.0, 1.0, 0.05, 0.0, -0.2), "vol -0.2 must be non-negative and finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::bsm(C, 100.0, -5.0, 1.0, 0.05, 0.0, 0.2), "strike -5 must be positive and finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::bsm(C, 0.0, 100.0, 1.0, 0.05, 0.0, 0.2), "spot 0 must be positive and finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::bsm(P, 100.0, 100.0, -0.5, 0.05, 0.0, 0.2), "expiry -0.5 must be non-negative and finite", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::bsm(P, 100.0, 100.0, 0.5, std::nan(""), 0.0, 0.2), "rate nan is not finite", std::invalid_argument);
}

TEST_CASE_TEMPLATE("the vectorised book (SIMD batches) equals the scalar function, option by option, edge lanes included", Real, float, double) {
    // Relative tolerance: 5e-14 in double, 5e-5 in float. The SIMD path differs from the scalar
    // one by xsimd's log/exp (an ulp or two from std::log/exp) and by Cody's N, within 3e-16 of
    // erfc's absolute: a price is the difference of two terms of up to the spot's size, so that
    // difference, relative to a price of a few units, reaches 3.3e-14 in this book (1.1e-14 for
    // the other Greeks). A value 1,000 times below the largest of its Greek in the book is
    // compared to that scale instead, for the same reason.
    const Real tol = std::is_same_v<Real, double> ? Real(5e-14) : Real(5e-5);
    rtrisk::basic_option_book<Real> book;
    std::uint64_t state = 42;
    auto u = [&state] { // uniform in [0, 1): a fixed LCG, the same book on every platform
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return Real(double(state >> 11) * 0x1.0p-53);
    };
    const int n = 10'003; // not a multiple of any batch size: the tail too
    for (int i = 0; i < n; ++i) {
        Real t = Real(0.01) + Real(3) * u(), v = Real(0.05) + Real(0.8) * u();
        if (i % 97 == 0) t = 0;                            // T = 0: intrinsic
        if (i % 89 == 0) v = 0;                            // sigma = 0: forward intrinsic
        if (i % 83 == 0) t = std::numeric_limits<Real>::denorm_min(); // sigma sqrt(T) = 0
        if (i % 79 == 0) t = Real(1e-30);                  // |d1| huge: the density 0
        Real s = Real(50) + Real(100) * u();
        // Subnormal S, T or sigma sqrt(T): their reciprocals would overflow, so the scalar path
        if (i % 73 == 0) s = std::numeric_limits<Real>::denorm_min() * Real(64);
        if (i % 71 == 0) t = std::numeric_limits<Real>::denorm_min() * Real(64);
        if (i % 67 == 0) {
            t = std::numeric_limits<Real>::min() / Real(16);
            v = Real(0.5);
        }
        Real r = Real(-0.01) + Real(0.06) * u(), q = Real(0.04) * u();
        if (i % 61 == 0) { // sigma subnormal, sigma sqrt(T) normal, at the forward (d1 ~ 0): 1 / sigma would overflow
            v = std::numeric_limits<Real>::min() / Real(4);
            t = Real(36);
            s = Real(100);
            r = q = Real(0.02);
        }
        if (i % 59 == 0) { // sigma and T normal, sigma sqrt(T) subnormal
            v = std::sqrt(std::numeric_limits<Real>::min()) / Real(8);
            t = std::numeric_limits<Real>::min() * Real(16);
        }
        const auto kind = u() < Real(0.5) ? C : P;
        book.push_back(kind, s, Real(100), t, r, q, v);
    }
    rtrisk::basic_greeks_table<Real> out;
    rtrisk::bsm(book, out);
    REQUIRE(out.price.size() == std::size_t(n));
    std::vector<rtrisk::basic_greeks<Real>> ref;
    for (int i = 0; i < n; ++i)
        ref.push_back(rtrisk::bsm(book.kind[i], book.spot[i], book.strike[i], book.expiry[i], book.rate[i], book.dividend[i], book.vol[i]));
    using G = rtrisk::basic_greeks<Real>;
    using T = rtrisk::basic_greeks_table<Real>;
    const std::pair<Real G::*, std::vector<Real> T::*> fields[] = {
        {&G::price, &T::price}, {&G::delta, &T::delta}, {&G::gamma, &T::gamma}, {&G::vega, &T::vega}, {&G::theta, &T::theta},
        {&G::rho, &T::rho}, {&G::dividend_rho, &T::dividend_rho}, {&G::vanna, &T::vanna}, {&G::volga, &T::volga}, {&G::charm, &T::charm}};
    int worse = 0;
    for (const auto& [scalar, table] : fields) {
        Real largest = 0;
        for (const auto& g : ref) largest = std::max(largest, std::abs(g.*scalar));
        for (int i = 0; i < n; ++i) {
            const Real want = ref[i].*scalar, got = (out.*table)[i];
            REQUIRE(std::isfinite(got));
            if (!(std::abs(got - want) <= tol * std::max(std::abs(want), largest / 1000))) {
                ++worse;
                if (worse < 5) MESSAGE("option ", i, " field ", &scalar - &fields[0].first, ": ", double(got), " vs ", double(want), " rel ", double((got - want) / std::max(std::abs(want), largest / 1000)), " T ", double(book.expiry[i]), " vol ", double(book.vol[i]), " S ", double(book.spot[i]));
            }
        }
    }
    CHECK(worse == 0);
    for (int i = 0; i < n; i += 97) CHECK(out.price[i] == ref[i].price); // the limits themselves: the scalar path's, exactly
    book.vol[17] = -1;
    CHECK_THROWS_WITH_AS(rtrisk::bsm(book, out), "option 17: vol -1 must be non-negative and finite", std::invalid_argument);
    // Every input is checked before any output is written, in the SIMD pass and in the tail: the
    // first bad option is named, whichever input it is.
    book.vol[17] = Real(0.2);
    const auto first = out.price;
    book.rate[9'000] = std::numeric_limits<Real>::quiet_NaN();
    CHECK_THROWS_WITH_AS(rtrisk::bsm(book, out), "option 9000: rate nan is not finite", std::invalid_argument);
    book.rate[9'000] = Real(0.01);
    book.strike[n - 1] = std::numeric_limits<Real>::infinity();
    CHECK_THROWS_WITH_AS(rtrisk::bsm(book, out), "option 10002: strike inf must be positive and finite", std::invalid_argument);
    book.strike[n - 1] = Real(100);
    book.dividend[5] = -std::numeric_limits<Real>::infinity();
    CHECK_THROWS_WITH_AS(rtrisk::bsm(book, out), "option 5: dividend -inf is not finite", std::invalid_argument);
    CHECK(out.price == first);
}

TEST_CASE("expiry -> 0: every Greek finite and tending to the T = 0 values away from the strike") {
    // Limits as T -> 0 (r = 0.03, q = 0.01, sigma = 0.2, S = 100): away from the strike the
    // normal density vanishes faster than any power of T, so price -> intrinsic, delta -> the step,
    // gamma, vega, vanna, volga -> 0, theta -> w (q S - r K) and charm -> w q in the money, 0 out
    // of it. Below T ~ 1e-5 the density term is under 1e-300 here, so the values are the limits
    // to rounding (rel 1e-12). Before: charm was NaN (0 x inf) or -inf from T = 1e-300 down.
    const double S = 100, r = 0.03, q = 0.01, sigma = 0.2;
    for (double T : {1e-18, 1e-100, 1e-300, 1e-310, 4.9406564584124654e-324}) {
        for (option_kind k : {C, P}) {
            const double w = k == C ? 1.0 : -1.0;
            for (double K : {90.0, 110.0}) {
                CAPTURE(T);
                CAPTURE(K);
                const auto g = rtrisk::bsm(k, S, K, T, r, q, sigma);
                const bool itm = w * (S - K) > 0;
                CHECK(g.price == doctest::Approx(itm ? w * (S - K) : 0.0).epsilon(1e-12));
                CHECK(g.delta == doctest::Approx(itm ? w : 0.0).epsilon(1e-12));
                CHECK(g.gamma == 0.0);
                CHECK(g.vega == 0.0);
                CHECK(g.vanna == 0.0);
                CHECK(g.volga == 0.0);
                CHECK(g.theta == doctest::Approx(itm ? w * (q * S - r * K) : 0.0).epsilon(1e-12));
                CHECK(g.charm == doctest::Approx(itm ? w * q : 0.0).epsilon(1e-12));
                CHECK(std::abs(g.rho) <= K * T);          // w K T N(w d2) e^-rT -> 0
                CHECK(std::abs(g.dividend_rho) <= S * T); // -w S T N(w d1) e^-qT -> 0
            }
            // At the money (S = K) with T > 0 the formulas hold as they are: delta -> w / 2, and
            // gamma = e^-qT phi(d1) / (S sigma sqrt T) grows like T^-1/2 but stays finite even at the
            // smallest subnormal T (sqrt(4.9e-324) = 2.2e-162).
            const auto a = rtrisk::bsm(k, S, S, T, r, q, sigma);
            CAPTURE(T);
            for (double v : {a.price, a.delta, a.gamma, a.vega, a.theta, a.rho, a.dividend_rho, a.vanna, a.volga, a.charm})
                CHECK(std::isfinite(v));
            CHECK(a.delta == doctest::Approx(w / 2).epsilon(1e-9));
            CHECK(a.gamma == doctest::Approx(1.0 / (S * sigma * std::sqrt(2 * std::numbers::pi) * std::sqrt(T))).epsilon(1e-9));
        }
    }
    // sigma sqrt(T) below the smallest double: the sigma = 0 case (forward intrinsic), not 0 / 0.
    const auto z = rtrisk::bsm(C, 100.0, 100.0, 1e-300, 0.03, 0.01, 1e-170);
    CHECK(z.price == doctest::Approx(100.0 * std::exp(-0.01e-300) - 100.0 * std::exp(-0.03e-300)));
    CHECK(z.gamma == 0.0);
    CHECK(std::isfinite(z.charm));
}

TEST_CASE("the SIMD normal distribution function (Cody's approximations) equals 0.5 erfc(-x / sqrt 2) in every lane") {
    // Reference: the scalar detail::norm_cdf, libm's erfc (W. J. Cody, ACM TOMS 715 for the approximations).
    using batch = xsimd::batch<double>;
    alignas(64) double in[batch::size], out[batch::size];
    double worst_abs = 0, worst_rel = 0;
    for (double x = -40; x < 40; x += 0.000377) { // lanes straddle the range boundaries 0.674 and 5.657 on the way
        for (std::size_t k = 0; k < batch::size; ++k) in[k] = x + static_cast<double>(k) * 0.01;
        rtrisk::detail::norm_cdf(batch::load_aligned(in)).store_aligned(out);
        for (std::size_t k = 0; k < batch::size; ++k) {
            const double e = rtrisk::detail::norm_cdf(in[k]);
            worst_abs = std::max(worst_abs, std::abs(out[k] - e));
            if (std::abs(in[k]) < 20) worst_rel = std::max(worst_rel, std::abs(out[k] - e) / e);
        }
    }
    CHECK(worst_abs <= 3e-16);
    CHECK(worst_rel <= 1e-13);
    const double special[] = {0.0, -0.0, 0.67448975, -5.656854249492380195, 1e300, -1e300, std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity()};
    for (const double v : special) {
        CAPTURE(v);
        CHECK(rtrisk::detail::norm_cdf(batch(v)).get(0) == doctest::Approx(rtrisk::detail::norm_cdf(v)).epsilon(1e-15));
    }
    CHECK(std::isnan(rtrisk::detail::norm_cdf(batch(std::numeric_limits<double>::quiet_NaN())).get(0)));
    using fbatch = xsimd::batch<float>; // float: to float's precision where N is not tiny
    for (float x = -8; x < 8; x += 0.01f) {
        const double e = rtrisk::detail::norm_cdf(double(x));
        CHECK(rtrisk::detail::norm_cdf(fbatch(x)).get(0) == doctest::Approx(e).epsilon(e > 1e-6 ? 1e-6 : 1e-4));
    }
}

TEST_CASE("the SIMD density beside N equals exp(-x^2 / 2) / sqrt(2 pi) in every lane, NaN for NaN") {
    using batch = xsimd::batch<double>;
    alignas(64) double in[batch::size], cdf[batch::size], density[batch::size];
    for (double x = -45; x <= 45; x += 0.37) {
        for (std::size_t k = 0; k < batch::size; ++k) in[k] = x + static_cast<double>(k) * 0.011;
        const auto r = rtrisk::detail::norm_cdf_and_density(batch::load_aligned(in));
        r.cdf.store_aligned(cdf);
        r.density.store_aligned(density);
        for (std::size_t k = 0; k < batch::size; ++k) {
            const double want = std::exp(-0.5 * in[k] * in[k]) / std::sqrt(2 * std::numbers::pi);
            CAPTURE(in[k]);
            // relative 1e-13 (x^2 / 2 is rounded differently: up to ~|x|^2 ulps of the exponent), 0 past the range
            CHECK(std::abs(density[k] - want) <= 1e-13 * want + 1e-300);
            CHECK(cdf[k] == rtrisk::detail::norm_cdf(batch(in[k])).get(0));
        }
    }
    in[0] = std::numeric_limits<double>::quiet_NaN();
    const auto r = rtrisk::detail::norm_cdf_and_density(batch::load_aligned(in));
    CHECK(std::isnan(r.cdf.get(0)));
    CHECK(std::isnan(r.density.get(0)));
}

TEST_CASE_TEMPLATE("prices at many spot moves equal the scalar pricer, in SIMD batches and in the tail", Real, float, double) {
    // Reference: detail::bsm_unchecked (libm erfc), one spot at a time. Both evaluate the same
    // formula; N differs by at most 3e-16 absolute (float: its precision), so prices agree to
    // 1e-14 (float 1e-5) of the strike's scale.
    const Real tol = std::is_same_v<Real, float> ? Real(1e-5) : Real(1e-14);
    std::vector<Real> moves;
    for (int i = -37; i <= 37; ++i) moves.push_back(Real(0.0123) * Real(i)); // 75: not a multiple of any lane count
    std::vector<Real> out(moves.size());
    struct opt { rtrisk::option_kind kind; Real s, k, t, r, q, v; };
    const opt cases[] = {{rtrisk::option_kind::call, 100, 100, Real(0.5), Real(0.03), Real(0.01), Real(0.2)},
                         {rtrisk::option_kind::put, 100, 130, Real(2), Real(0.05), 0, Real(0.6)},
                         {rtrisk::option_kind::put, 7676, 6100, Real(0.04), Real(0.02), Real(0.03), Real(0.12)}, // far out of the money
                         {rtrisk::option_kind::call, 100, 90, 0, Real(0.03), 0, Real(0.2)},                      // T = 0: intrinsic
                         {rtrisk::option_kind::put, 100, 110, 1, Real(0.03), 0, 0}};                             // sigma = 0: forward intrinsic
    for (const auto& c : cases) {
        CAPTURE(c.k);
        CAPTURE(c.t);
        const Real minus = rtrisk::detail::bsm_unchecked(c.kind, c.s, c.k, c.t, c.r, c.q, c.v).price;
        rtrisk::detail::bsm_prices_at_moves(c.kind, c.s, c.k, c.t, c.r, c.q, c.v, moves.data(), moves.size(), out.data(), minus);
        for (std::size_t i = 0; i < moves.size(); ++i) {
            const Real expected = rtrisk::detail::bsm_unchecked(c.kind, c.s * (1 + moves[i]), c.k, c.t, c.r, c.q, c.v).price - minus;
            CHECK(out[i] == doctest::Approx(expected).epsilon(tol).scale(c.k));
        }
    }
}
