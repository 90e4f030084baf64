#pragma once
/// @file stress.hpp
/// Stress scenarios with full revaluation, the spot x vol grid, and scenario P&L of a
/// derivatives book by full revaluation or by the delta-gamma approximation.
///
/// Conventions (as derivatives_book.hpp): moves are relative (-0.10 = -10 %); a vol shift is
/// relative (+0.5 = vols x 1.5); precedence of spot moves, most specific first: per-symbol move,
/// then the move of the underlying's group, then the market move; P&L in currency, positive is
/// a gain.

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <map>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "derivatives_book.hpp"
#include "detail/bsm_prices_at_moves.hpp"
#include "detail/check.hpp"
#include "returns.hpp"

namespace rtrisk {

/// A set of shocks, as data: build it in code or load it from JSON in the application.
template <std::floating_point Real>
struct basic_stress_scenario {
    std::string name;
    Real market_move = 0;                      ///< relative move of every underlying
    std::map<std::string, Real> symbol_moves;  ///< overrides group and market moves for these symbols
    Real vol_shift = 0;                        ///< relative shift of every implied vol
    std::map<std::string, Real> group_moves;   ///< overrides market_move for underlyings of these groups
};
using stress_scenario = basic_stress_scenario<double>;

/// Result of one scenario: total P&L and P&L per holding (in book order).
template <std::floating_point Real>
struct basic_stress_result {
    std::string name;
    Real pnl{};
    std::vector<Real> pnl_by_holding;
};
using stress_result = basic_stress_result<double>;

/// The original design's four shocks, now with the vol spike shocking implied vols:
/// market crash -10 %, rally +5 %, volatility spike (vols x 1.5, spots unchanged), flash crash -20 %.
template <std::floating_point Real = double>
std::vector<basic_stress_scenario<Real>> standard_scenarios() {
    return {{"market_crash", Real(-0.10), {}, Real(0), {}},
            {"rally", Real(0.05), {}, Real(0), {}},
            {"volatility_spike", Real(0), {}, Real(0.5), {}},
            {"flash_crash", Real(-0.20), {}, Real(0), {}}};
}

/// Reprices every holding of `book` under the scenario. Throws std::out_of_range for a
/// symbol the book does not hold; a group no underlying belongs to moves nothing.
template <std::floating_point Real>
basic_stress_result<Real> apply(const basic_stress_scenario<Real>& s, const basic_derivatives_book<Real>& book) {
    const auto us = book.underlyings();
    std::vector<Real> moves(us.size(), s.market_move);
    for (std::size_t u = 0; u < us.size(); ++u) {
        if (auto it = s.group_moves.find(us[u].group); !us[u].group.empty() && it != s.group_moves.end()) moves[u] = it->second;
    }
    for (const auto& [symbol, move] : s.symbol_moves) moves[book.underlying_index(symbol)] = move;
    basic_stress_result<Real> r;
    r.name = s.name;
    r.pnl = book.pnl(moves, s.vol_shift, &r.pnl_by_holding);
    return r;
}

/// Full-revaluation P&L of the book on a grid of uniform spot moves (rows) x relative vol shifts
/// (columns), e.g. spot -30 %..+30 % by 5 % and vol -50 %..+100 %: the dashboard's heatmap.
/// Linear holdings as one exposure times the spot moves; options priced a column
/// at a time on SIMD batches of spot moves (detail/bsm_prices_at_moves.hpp).
template <std::floating_point Real>
xt::xtensor<Real, 2> spot_vol_grid(const basic_derivatives_book<Real>& book, const std::vector<Real>& spot_moves,
                                   const std::vector<Real>& vol_shifts) {
    detail::check_finite(std::span<const Real>(spot_moves), "spot moves");
    detail::check_finite(std::span<const Real>(vol_shifts), "vol shifts");
    for (Real m : spot_moves) {
        if (!(m > -1)) throw std::invalid_argument("spot move " + detail::fmt(m) + " must be greater than -1");
    }
    const auto sm = xt::adapt(spot_moves, {spot_moves.size()});
    const auto col = xt::view(sm, xt::all(), xt::newaxis()); // n_spot x 1
    xt::xtensor<Real, 2> grid = xt::zeros<Real>({spot_moves.size(), vol_shifts.size()});
    std::vector<Real> column(spot_moves.size());
    Real linear = 0; // the linear holdings' exposure: their P&L is exposure x move at every vol
    const auto holdings = book.holdings();
    for (std::size_t h = 0; h < holdings.size(); ++h) {
        const auto& p = holdings[h];
        const auto& u = book.underlyings()[p.underlying];
        const Real n = p.quantity * p.multiplier;
        if (!p.is_option) {
            linear += n * u.spot;
            continue;
        }
        const Real held = book.holding_value(h);
        for (std::size_t j = 0; j < vol_shifts.size(); ++j) { // a column: one vol, every spot move
            detail::bsm_prices_at_moves(p.kind, u.spot, p.strike, p.expiry, book.rate(), u.dividend, std::max(p.vol * (1 + vol_shifts[j]), Real(0)),
                                        spot_moves.data(), spot_moves.size(), column.data());
            for (std::size_t i = 0; i < spot_moves.size(); ++i) grid(i, j) += n * column[i] - held;
        }
    }
    grid += linear * col; // broadcast over the vol shifts
    return grid;
}

/// Scenario P&L by full revaluation: row t of `returns` (T x U, one column per underlying of the
/// book, simple returns) moves every spot by (1 + r); vols unchanged unless `vol_shifts` (T) is given.
/// `by_holding`, when given, receives the T x H P&L of each holding (for component VaR).
template <std::floating_point Real>
vector<Real> full_revaluation_pnl(const basic_derivatives_book<Real>& book, const scenario_matrix<Real>& returns,
                                  const std::vector<Real>* vol_shifts = nullptr,
                                  scenario_matrix<Real>* by_holding = nullptr) {
    detail::check_same_size(static_cast<std::size_t>(returns.cols()), book.underlyings().size(), "returns row",
                            "underlyings");
    detail::check_matrix_finite(returns, "returns");
    if (vol_shifts) detail::check_same_size(vol_shifts->size(), static_cast<std::size_t>(returns.rows()), "vol shifts", "returns");
    const auto holdings = book.holdings();
    std::vector<Real> base(holdings.size());
    for (std::size_t h = 0; h < holdings.size(); ++h) base[h] = book.holding_value(h); // priced once
    vector<Real> pnl(returns.rows());
    if (by_holding) by_holding->resize(returns.rows(), static_cast<Eigen::Index>(holdings.size()));
    for (Eigen::Index t = 0; t < returns.rows(); ++t) {
        const Real shift = vol_shifts ? (*vol_shifts)[static_cast<std::size_t>(t)] : Real(0);
        detail::check_finite_value(shift, "vol shift");
        Real total = 0;
        for (std::size_t h = 0; h < holdings.size(); ++h) {
            const Real d = book.holding_value(h, returns(t, static_cast<Eigen::Index>(holdings[h].underlying)), shift) - base[h];
            if (by_holding) (*by_holding)(t, static_cast<Eigen::Index>(h)) = d;
            total += d;
        }
        pnl(t) = total;
    }
    return pnl;
}

/// Scenario P&L by the delta-gamma approximation: sum over underlyings of
/// dollar_delta r + 1/2 dollar_gamma r^2 (no cross-gamma: each option has one underlying).
/// Exact for linear books; for options it drifts from full revaluation as moves grow.
template <std::floating_point Real>
vector<Real> delta_gamma_pnl(const basic_derivatives_book<Real>& book, const scenario_matrix<Real>& returns) {
    detail::check_same_size(static_cast<std::size_t>(returns.cols()), book.underlyings().size(), "returns row",
                            "underlyings");
    detail::check_matrix_finite(returns, "returns");
    const auto g = book.greeks_by_underlying();
    vector<Real> dd(returns.cols()), dg(returns.cols());
    for (Eigen::Index u = 0; u < returns.cols(); ++u) {
        dd(u) = g[static_cast<std::size_t>(u)].dollar_delta;
        dg(u) = g[static_cast<std::size_t>(u)].dollar_gamma;
    }
    return returns * dd + Real(0.5) * returns.array().square().matrix() * dg;
}

/// Historical replay, worst days: the `count` rows of `returns` (T x U simple returns, one column
/// per underlying of the book) with the worst full-revaluation P&L for the book, worst first,
/// as scenarios that move each underlying by that day's return. Scenario names are
/// `labels[t]` when given (e.g. dates), else "day t" (0-based row).
template <std::floating_point Real>
std::vector<basic_stress_scenario<Real>> worst_days(const basic_derivatives_book<Real>& book,
                                                    const scenario_matrix<Real>& returns, std::size_t count,
                                                    const std::vector<std::string>& labels = {}) {
    if (!labels.empty()) detail::check_same_size(labels.size(), static_cast<std::size_t>(returns.rows()), "labels", "returns");
    const vector<Real> pnl = full_revaluation_pnl(book, returns);
    std::vector<Eigen::Index> idx(static_cast<std::size_t>(pnl.size()));
    std::iota(idx.begin(), idx.end(), Eigen::Index{0});
    count = std::min(count, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(count), idx.end(),
                      [&](Eigen::Index a, Eigen::Index b) { return pnl(a) < pnl(b) || (pnl(a) == pnl(b) && a < b); });
    std::vector<basic_stress_scenario<Real>> out;
    for (std::size_t k = 0; k < count; ++k) {
        const Eigen::Index t = idx[k];
        basic_stress_scenario<Real> s;
        s.name = labels.empty() ? "day " + std::to_string(t) : labels[static_cast<std::size_t>(t)];
        for (std::size_t u = 0; u < book.underlyings().size(); ++u)
            s.symbol_moves[book.underlyings()[u].symbol] = returns(t, static_cast<Eigen::Index>(u));
        out.push_back(std::move(s));
    }
    return out;
}

/// Historical replay of a period: rows first..last (inclusive) of `returns` compounded into one
/// move per underlying, prod(1 + r) - 1, as a scenario called `name`.
template <std::floating_point Real>
basic_stress_scenario<Real> period_scenario(const basic_derivatives_book<Real>& book, const scenario_matrix<Real>& returns,
                                            Eigen::Index first, Eigen::Index last, std::string name) {
    detail::check_same_size(static_cast<std::size_t>(returns.cols()), book.underlyings().size(), "returns row",
                            "underlyings");
    if (first < 0 || last < first || last >= returns.rows()) {
        throw std::out_of_range("period rows " + std::to_string(first) + ".." + std::to_string(last) +
                                " are outside 0.." + std::to_string(returns.rows() - 1));
    }
    detail::check_matrix_finite(returns.middleRows(first, last - first + 1), "returns");
    basic_stress_scenario<Real> s;
    s.name = std::move(name);
    for (std::size_t u = 0; u < book.underlyings().size(); ++u) {
        Real growth = 1;
        for (Eigen::Index t = first; t <= last; ++t) growth *= 1 + returns(t, static_cast<Eigen::Index>(u));
        s.symbol_moves[book.underlyings()[u].symbol] = growth - 1;
    }
    return s;
}

} // namespace rtrisk
