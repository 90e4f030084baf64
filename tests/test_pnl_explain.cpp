// pnl_explain.hpp: the Taylor split of a period's P&L on the Greeks at its start.
#include <doctest/doctest.h>

#include <rtrisk/book_state.hpp>
#include <rtrisk/pnl_explain.hpp>

#include <cmath>
#include <random>

TEST_CASE("explain of an option: the parts are the Greeks times the moves, the rest unexplained") {
    using rtrisk::option_kind;
    const double S0 = 100, S1 = 103, K = 105, T = 0.5, dt = 1.0 / 365, r = 0.03, q = 0.01, v0 = 0.22, v1 = 0.235, units = 250;
    const auto e = rtrisk::explain_option(option_kind::call, units, S0, S1, K, T, dt, r, q, v0, v1);
    const auto g0 = rtrisk::bsm(option_kind::call, S0, K, T, r, q, v0), g1 = rtrisk::bsm(option_kind::call, S1, K, T - dt, r, q, v1);
    CHECK(e.actual == doctest::Approx(units * (g1.price - g0.price)).epsilon(1e-14));
    CHECK(e.delta == doctest::Approx(units * g0.delta * 3).epsilon(1e-14));
    CHECK(e.gamma == doctest::Approx(units * g0.gamma * 9 / 2).epsilon(1e-14));
    CHECK(e.vega == doctest::Approx(units * g0.vega * 0.015).epsilon(1e-12));
    CHECK(e.theta == doctest::Approx(units * g0.theta * dt).epsilon(1e-14));
    CHECK(e.unexplained == doctest::Approx(e.actual - e.delta - e.gamma - e.vega - e.theta).epsilon(1e-12));
    CHECK(e.trading == 0);
    // the unexplained part is the Taylor series' next terms (Hull): for a small spot and vol move
    // in no time, vanna dS dsigma + volga dsigma^2 / 2, with a third-order rest
    const double dS = 0.25, dv = 0.01;
    const auto small = rtrisk::explain_option(option_kind::call, units, S0, S0 + dS, K, T, 0.0, r, q, v0, v0 + dv);
    const double second = units * (g0.vanna * dS * dv + g0.volga * dv * dv / 2);
    CHECK(std::abs(small.unexplained - second) < 0.1 * std::abs(second));
}

TEST_CASE("explain converges as the Taylor expansion does: unexplained shrinks as the cube of the spot move") {
    using rtrisk::option_kind;
    double previous = 0;
    for (const double h : {4.0, 2.0, 1.0, 0.5}) {
        const auto e = rtrisk::explain_option(option_kind::put, 1.0, 100.0, 100.0 + h, 95.0, 0.25, 0.0, 0.02, 0.0, 0.3, 0.3);
        if (previous != 0) CHECK(std::abs(e.unexplained) == doctest::Approx(std::abs(previous) / 8).epsilon(0.15)); // speed dS^3 / 6
        previous = e.unexplained;
    }
}

TEST_CASE("explain of a linear holding is all delta; bad periods are refused, naming the value") {
    const auto e = rtrisk::explain_linear(10.0, 50.0, 48.5);
    CHECK(e.actual == doctest::Approx(-15.0));
    CHECK(e.delta == doctest::Approx(-15.0));
    CHECK(e.gamma == 0);
    CHECK(e.unexplained == doctest::Approx(0.0));
    CHECK_THROWS_WITH_AS(rtrisk::explain_option(rtrisk::option_kind::call, 1.0, 100.0, 101.0, 100.0, 0.1, 0.2, 0.0, 0.0, 0.2, 0.2),
                         "years 0.2 must be between 0 and the expiry 0.1", std::invalid_argument);
    CHECK_THROWS_AS(rtrisk::explain_linear(std::nan(""), 1.0, 2.0), std::invalid_argument);
    // an option held to expiry: revalued at intrinsic
    const auto x = rtrisk::explain_option(rtrisk::option_kind::call, 1.0, 100.0, 110.0, 100.0, 0.01, 0.01, 0.0, 0.0, 0.2, 0.2);
    CHECK(x.actual == doctest::Approx(10.0 - rtrisk::bsm(rtrisk::option_kind::call, 100.0, 100.0, 0.01, 0.0, 0.0, 0.2).price));
}

TEST_CASE("book state explain since the mark: held positions by Greeks, trades apart, nodes the sums of their positions") {
    rtrisk::scenario_matrix<double> R = rtrisk::scenario_matrix<double>::Constant(50, 2, 0.01);
    rtrisk::book_state st({"AAA", "BBB"}, {100.0, 40.0}, {0.0, 0.01}, R, 0.02);
    const auto lin = st.add_contract({"AAA", 0, false, rtrisk::option_kind::call, 0, 0, 0});
    const auto call = st.add_contract({"AAA C105", 0, true, rtrisk::option_kind::call, 105, 0.5, 0.25});
    const auto put = st.add_contract({"BBB P38", 1, true, rtrisk::option_kind::put, 38, 0.25, 0.3});
    const auto alice = st.add_node("FIRM/EU/alice"), bob = st.add_node("FIRM/US/bob");
    const auto p0 = st.add_position(alice, lin, 100, 1, 95);
    const auto p1 = st.add_position(alice, call, -20, 100, 4);
    const auto p2 = st.add_position(bob, put, 30, 100, 1.5);
    st.mark_explain_start();
    for (const auto& e : st.explain_nodes()) CHECK(e.actual == 0);
    const auto g_call = st.unit_greeks(call), g_put = st.unit_greeks(put);
    st.set_spot(0, 102.5);
    st.set_spot(1, 39.0);
    st.apply_trade(p0, 50, 102.0); // bought 50 more during the day
    const auto e0 = st.explain_position(p0), e1 = st.explain_position(p1), e2 = st.explain_position(p2);
    CHECK(e0.delta == doctest::Approx(100 * 2.5));
    CHECK(e0.actual == doctest::Approx(100 * 2.5 + 50 * 0.5).epsilon(1e-14)); // P&L change: the 100 held, the 50 bought
    CHECK(e0.trading == doctest::Approx(50 * (102.5 - 102.0)));                                     // the 50 bought at 102
    CHECK(e0.unexplained == doctest::Approx(0.0));
    CHECK(e1.delta == doctest::Approx(-2000 * g_call.delta * 2.5).epsilon(1e-14));
    CHECK(e1.gamma == doctest::Approx(-2000 * g_call.gamma * 2.5 * 2.5 / 2).epsilon(1e-14));
    CHECK(e1.actual == doctest::Approx(-2000 * (st.unit_greeks(call).price - g_call.price)).epsilon(1e-14));
    CHECK(e1.unexplained == doctest::Approx(e1.actual - e1.delta - e1.gamma).epsilon(1e-12));
    CHECK(std::abs(e1.unexplained) < 0.05 * std::abs(e1.actual)); // 2.5 % move: Taylor to second order is close
    CHECK(e2.delta == doctest::Approx(3000 * g_put.delta * -1.0).epsilon(1e-14));
    CHECK(e1.vega == 0);
    CHECK(e2.theta == 0); // the state holds vols and the valuation date
    const auto nodes = st.explain_nodes();
    const auto total = [](const rtrisk::pnl_explain& a, const rtrisk::pnl_explain& b) { return a.actual + b.actual; };
    CHECK(nodes[alice].actual == doctest::Approx(total(e0, e1)));
    CHECK(nodes[0].actual == doctest::Approx(e0.actual + e1.actual + e2.actual));
    CHECK(nodes[0].delta == doctest::Approx(e0.delta + e1.delta + e2.delta));
    CHECK(nodes[0].trading == doctest::Approx(e0.trading));
    // the root's actual is its P&L change since the mark
    const auto totals = st.node_totals();
    (void)bob;
    CHECK(nodes[0].actual == doctest::Approx(totals[0].pnl - (100 * (100 - 95.0) - 2000 * (g_call.price - 4) + 3000 * (g_put.price - 1.5))));
    // a position opened after the mark: all trading
    const auto p3 = st.add_position(bob, lin, -10, 1, 103.0);
    const auto e3 = st.explain_position(p3);
    CHECK(e3.delta == 0);
    CHECK(e3.trading == doctest::Approx(-10 * (102.5 - 103.0)));
    CHECK(e3.actual == doctest::Approx(e3.trading));
}
