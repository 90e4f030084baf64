#include <doctest/doctest.h>

#include <rtrisk/implied_vol.hpp>

#include <cmath>
#include <random>
#include <vector>

using rtrisk::implied_vol_status;
using rtrisk::option_kind;

TEST_CASE("implied vol round trip across a grid, both solvers") {
    int checked = 0;
    for (auto kind : {option_kind::call, option_kind::put})
        for (double k : {60.0, 90.0, 100.0, 110.0, 150.0})
            for (double t : {0.05, 0.5, 2.0, 10.0})
                for (double v : {0.05, 0.15, 0.3, 0.8, 2.0})
                    for (auto solver : {rtrisk::implied_vol_solver::toms748, rtrisk::implied_vol_solver::newton}) {
                        const double s = 100, r = 0.03, q = 0.01;
                        const auto g = rtrisk::bsm(kind, s, k, t, r, q, v);
                        // Skip prices indistinguishable from intrinsic in double: vega too small
                        // for the price to carry the vol (vega * 1e-4 below 1e-12 relative).
                        if (g.vega * 1e-4 < 1e-12 * std::max(g.price, 1.0)) continue;
                        const auto iv = rtrisk::implied_vol(kind, g.price, s, k, t, r, q, solver);
                        CAPTURE(k);
                        CAPTURE(t);
                        CAPTURE(v);
                        REQUIRE(iv.status == implied_vol_status::success);
                        // Price error ~1e-15 S over vega: 1e-8 relative in vol is the safe bound.
                        CHECK(iv.vol == doctest::Approx(v).epsilon(1e-8));
                        ++checked;
                    }
    CHECK(checked > 300);
}

TEST_CASE("Haug's call is worth 1.8734 at 15% vol, so 1.8734 implies about 15%") {
    const auto iv = rtrisk::implied_vol(option_kind::call, 1.8734, 100.0, 100.0, 0.1, 0.1, 0.1);
    REQUIRE(iv.status == implied_vol_status::success);
    CHECK(iv.vol == doctest::Approx(0.15).epsilon(1e-4));
}

TEST_CASE("prices outside the no-arbitrage bounds come back as a status") {
    // Call on S = 100, K = 90, T = 1, r = 5%, q = 0: lower bound 100 - 90 e^-0.05 = 14.389, upper 100.
    CHECK(rtrisk::implied_vol(option_kind::call, 10.0, 100.0, 90.0, 1.0, 0.05, 0.0).status == implied_vol_status::below_intrinsic);
    CHECK(rtrisk::implied_vol(option_kind::call, 100.0, 100.0, 90.0, 1.0, 0.05, 0.0).status == implied_vol_status::above_upper_bound);
    const auto at = rtrisk::implied_vol(option_kind::call, 100.0 - 90.0 * std::exp(-0.05), 100.0, 90.0, 1.0, 0.05, 0.0);
    CHECK(at.status == implied_vol_status::at_intrinsic);
    CHECK(at.vol == 0.0);
    CHECK(std::isnan(rtrisk::implied_vol(option_kind::put, 95.0, 100.0, 90.0, 1.0, 0.05, 0.0).vol));
    CHECK_THROWS_WITH_AS(rtrisk::implied_vol(option_kind::put, 5.0, 100.0, 90.0, 0.0, 0.05, 0.0),
                         "implied vol needs expiry > 0, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(rtrisk::implied_vol(option_kind::put, std::nan(""), 100.0, 90.0, 1.0, 0.05, 0.0), "price nan is not finite",
                         std::invalid_argument);
}

TEST_CASE("implied vol of arrays on SIMD: the scalar path's root to 1e-14 where the price carries the vol, the same statuses at the bounds") {
    std::mt19937_64 gen(81);
    std::uniform_real_distribution<double> m(0.7, 1.4), t(0.02, 3.0), v(0.05, 1.5), u(0, 1);
    const std::size_t n = 4003; // not a multiple of the lanes: the tail takes the scalar path
    std::vector<option_kind> kind(n);
    std::vector<double> price(n), spot(n, 100.0), strike(n), expiry(n), rate(n, 0.03), dividend(n, 0.01), vol(n);
    for (std::size_t i = 0; i < n; ++i) {
        kind[i] = u(gen) < 0.5 ? option_kind::call : option_kind::put;
        strike[i] = 100.0 * m(gen);
        expiry[i] = t(gen);
        vol[i] = v(gen);
        price[i] = rtrisk::bsm(kind[i], spot[i], strike[i], expiry[i], rate[i], dividend[i], vol[i]).price;
    }
    // the bounds and beyond: below intrinsic, above the upper bound, at intrinsic, a root beyond 10
    price[5] = 0.5 * std::max(spot[5] * std::exp(-0.01 * expiry[5]) - strike[5] * std::exp(-0.03 * expiry[5]), 0.0) - 1.0;
    price[6] = 1e3;
    kind[7] = option_kind::call, strike[7] = 50.0, expiry[7] = 0.01, price[7] = spot[7] * std::exp(-0.01 * 0.01) - 50.0 * std::exp(-0.03 * 0.01);
    kind[8] = option_kind::call, strike[8] = 100.0, expiry[8] = 0.05, price[8] = rtrisk::bsm(option_kind::call, 100.0, 100.0, 0.05, 0.03, 0.01, 12.0).price;
    std::vector<rtrisk::implied_vol_result> out(n);
    rtrisk::implied_vol<double>(kind, price, spot, strike, expiry, rate, dividend, out);
    std::size_t equal = 0, simd = 0;
    for (std::size_t i = 0; i < n; ++i) {
        CAPTURE(i);
        const auto ref = rtrisk::implied_vol(kind[i], price[i], spot[i], strike[i], expiry[i], rate[i], dividend[i]);
        REQUIRE(out[i].status == ref.status);
        if (ref.status != implied_vol_status::success) continue;
        // how precisely the price carries the vol: a price rounding of eps max(price, 1) moves the
        // root by that over vega (relative to the vol)
        const auto g = rtrisk::bsm(kind[i], spot[i], strike[i], expiry[i], rate[i], dividend[i], ref.vol);
        const double carried = 4e-16 * std::max(price[i], 1.0) / (g.vega * ref.vol);
        if (carried <= 1e-15) {
            CHECK(out[i].vol == doctest::Approx(ref.vol).epsilon(1e-14));
            ++equal;
        } else {
            CHECK(out[i].vol == doctest::Approx(ref.vol).epsilon(100 * carried));
        }
        simd += out[i].iterations < 100 && i < n - n % xsimd::batch<double>::size;
    }
    MESSAGE(equal << " of " << n << " options compared at 1e-14");
    CHECK(equal > n / 2);
    CHECK(simd > n / 2);
    CHECK(out[5].status == implied_vol_status::below_intrinsic);
    CHECK(out[6].status == implied_vol_status::above_upper_bound);
    CHECK(out[7].status == implied_vol_status::at_intrinsic);
    CHECK(out[8].vol == doctest::Approx(12.0).epsilon(1e-9)); // the scalar path widens the bracket
    // bad input names the option
    spot[3] = -1;
    CHECK_THROWS_WITH_AS(rtrisk::implied_vol<double>(kind, price, spot, strike, expiry, rate, dividend, out), doctest::Contains("option 3:"),
                         std::invalid_argument);
}

TEST_CASE("implied vol of arrays: a lane whose price overflows takes the scalar path's status, never a made-up success") {
    // q = -8 over 100 years: S e^-qT overflows to inf and the price to NaN or inf
    const std::size_t n = 16;
    std::vector<option_kind> kind(n, option_kind::put);
    std::vector<double> price(n, 5.0), spot(n, 100.0), strike(n, 100.0), expiry(n, 0.5), rate(n, 0.03), dividend(n, 0.0);
    dividend[3] = -8.0, expiry[3] = 100.0;
    dividend[12] = -8.0, expiry[12] = 100.0, kind[12] = option_kind::call;
    std::vector<rtrisk::implied_vol_result> out(n);
    rtrisk::implied_vol<double>(kind, price, spot, strike, expiry, rate, dividend, out);
    for (const std::size_t i : {std::size_t{3}, std::size_t{12}}) {
        CAPTURE(i);
        const auto ref = rtrisk::implied_vol(kind[i], price[i], spot[i], strike[i], expiry[i], rate[i], dividend[i]);
        CHECK(out[i].status == ref.status);
        if (out[i].status == implied_vol_status::success) CHECK(out[i].vol == doctest::Approx(ref.vol).epsilon(1e-12));
    }
    CHECK(out[0].status == implied_vol_status::success);
}
