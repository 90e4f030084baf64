#pragma once
/// @file pnl_explain.hpp
/// P&L explain (P&L attribution): the P&L of a holding over a period split by a Taylor
/// expansion on its Greeks at the start of the period (J. Hull, Options, Futures and Other
/// Derivatives, "Taylor series expansions" in the chapter on the Greek letters; the
/// "risk-theoretical P&L" of BCBS, Minimum capital requirements for market risk, 2019, MAR32):
///
///     actual      = units (v(S1, sigma1, t1) - v(S0, sigma0, t0))     full revaluation
///     delta       = units Delta dS            gamma = units Gamma dS^2 / 2
///     vega        = units Vega d sigma        theta = units Theta dt
///     unexplained = actual - delta - gamma - vega - theta             (higher orders, cross terms)
///
/// Conventions: Greeks per greeks.hpp (vega per 1.00 of vol, theta per year of calendar time
/// passing), dS = S1 - S0, d sigma = sigma1 - sigma0 (absolute), dt in years; units = quantity x
/// multiplier held over the period. A book's P&L over the period adds `trading`, the P&L of the
/// quantities traded during it (total P&L change minus the held position's `actual`); for a
/// holding alone it is 0. Every figure adds over positions, so a node's explain is the sum of
/// its positions'.

#include <cmath>
#include <concepts>
#include <stdexcept>
#include <string>

#include "detail/check.hpp"
#include "greeks.hpp"

namespace rtrisk {

template <std::floating_point Real>
struct basic_pnl_explain {
    Real actual{}, delta{}, gamma{}, vega{}, theta{}, trading{}, unexplained{};
    /// delta + gamma + vega + theta.
    Real explained() const noexcept { return delta + gamma + vega + theta; }
    basic_pnl_explain& operator+=(const basic_pnl_explain& o) noexcept {
        actual += o.actual;
        delta += o.delta;
        gamma += o.gamma;
        vega += o.vega;
        theta += o.theta;
        trading += o.trading;
        unexplained += o.unexplained;
        return *this;
    }
};
using pnl_explain = basic_pnl_explain<double>;

/// The explain of `units` held over the period from their unit Greeks at the start and the
/// unit value change by full revaluation (`value_change` = v1 - v0).
template <std::floating_point Real>
basic_pnl_explain<Real> explain_holding(const basic_greeks<Real>& start, Real units, Real spot_move, Real vol_move, Real years,
                                        Real value_change) {
    basic_pnl_explain<Real> out;
    out.delta = units * start.delta * spot_move;
    out.gamma = units * start.gamma * spot_move * spot_move / 2;
    out.vega = units * start.vega * vol_move;
    out.theta = units * start.theta * years;
    out.actual = units * value_change;
    out.unexplained = out.actual - out.explained();
    return out;
}

/// The explain of a linear holding (shares, futures: unit value S): all delta.
template <std::floating_point Real>
basic_pnl_explain<Real> explain_linear(Real units, Real spot0, Real spot1) {
    detail::check_finite_value(units, "units");
    detail::check_finite_value(spot0, "spot at the start");
    detail::check_finite_value(spot1, "spot at the end");
    basic_greeks<Real> g;
    g.price = spot0;
    g.delta = 1;
    return explain_holding(g, units, spot1 - spot0, Real(0), Real(0), spot1 - spot0);
}

/// The explain of `units` of a European option held over `years` (at most `expiry`, the years
/// to expiry at the start): Greeks at (spot0, expiry, vol0), revalued at (spot1, expiry - years,
/// vol1) by Black-Scholes-Merton; rate and dividend yield held. Bad inputs throw
/// std::invalid_argument naming the value.
template <std::floating_point Real>
basic_pnl_explain<Real> explain_option(option_kind kind, Real units, Real spot0, Real spot1, Real strike, Real expiry, Real years,
                                       Real rate, Real dividend, Real vol0, Real vol1) {
    detail::check_finite_value(units, "units");
    detail::check_finite_value(years, "years");
    if (!(years >= 0) || !(years <= expiry)) {
        throw std::invalid_argument("years " + detail::fmt(years) + " must be between 0 and the expiry " + detail::fmt(expiry));
    }
    const auto g0 = bsm(kind, spot0, strike, expiry, rate, dividend, vol0);
    const auto g1 = bsm(kind, spot1, strike, expiry - years, rate, dividend, vol1);
    return explain_holding(g0, units, spot1 - spot0, vol1 - vol0, years, g1.price - g0.price);
}

} // namespace rtrisk
