#include <doctest/doctest.h>

#include <rtrisk/implied_vol.hpp>

#include <cmath>

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
