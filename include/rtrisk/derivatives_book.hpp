#pragma once
/// @file derivatives_book.hpp
/// A book of linear positions and European options on a set of underlyings, repriced in full
/// under spot and volatility shocks, with Greeks aggregated per underlying.
///
/// Conventions: spot shocks are relative (S' = S (1 + move)); volatility shocks are relative
/// (sigma' = sigma (1 + shift), floored at 0); P&L = value after - value before, currency.
/// Option Greeks follow greeks.hpp (QuantLib's units), times quantity x multiplier;
/// dollar delta = delta x spot (currency per 100 % move), dollar gamma = gamma x spot^2.
/// Rates and dividend yields are per underlying and held fixed under shocks.
///
///     rtrisk::derivatives_book book(0.03);                     // risk-free rate 3 %
///     auto dax = book.add_underlying("DAX", 5000.0, 0.02);
///     book.add_option(dax, rtrisk::option_kind::put, 4800.0, 0.25, 0.22, 10.0, 25.0);
///     book.add_linear(dax, 5.0, 25.0);                         // 5 futures-like units x 25
///     double pnl = book.pnl(std::vector<double>{-0.10}, 0.5);    // crash -10 %, vols x 1.5

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detail/check.hpp"
#include "greeks.hpp"

namespace rtrisk {

/// Greeks of a book on one underlying (or in total: deltas then mix underlyings, read with care).
template <std::floating_point Real>
struct basic_book_greeks {
    Real delta{};        ///< units of the underlying
    Real dollar_delta{}; ///< delta x spot
    Real gamma{};        ///< units per unit of spot
    Real dollar_gamma{}; ///< gamma x spot^2
    Real vega{};         ///< currency per 1.00 of vol
    Real theta{};        ///< currency per year
};

template <std::floating_point Real = double>
class basic_derivatives_book {
public:
    struct underlying {
        std::string symbol;
        Real spot;
        Real dividend;
        std::string group; ///< optional: sector, region, asset class, for group stress moves
    };
    /// One position: linear when `is_option` is false (kind, strike, expiry, vol unused).
    struct holding {
        std::size_t underlying;
        bool is_option;
        option_kind kind;
        Real strike, expiry, vol, quantity, multiplier;
    };

    explicit basic_derivatives_book(Real rate = 0) : m_rate(rate) { detail::check_finite_value(rate, "rate"); }

    std::size_t add_underlying(std::string symbol, Real spot, Real dividend = 0, std::string group = {}) {
        if (symbol.empty()) throw std::invalid_argument("underlying symbol is empty");
        if (m_index.contains(symbol)) throw std::invalid_argument("duplicate underlying '" + symbol + "'");
        detail::check_option_inputs(spot, Real(1), Real(0), m_rate, dividend, Real(0));
        m_index.emplace(symbol, m_underlyings.size());
        m_underlyings.push_back({std::move(symbol), spot, dividend, std::move(group)});
        return m_underlyings.size() - 1;
    }
    std::size_t underlying_index(std::string_view symbol) const {
        auto it = m_index.find(std::string(symbol));
        if (it == m_index.end()) throw std::out_of_range("unknown underlying '" + std::string(symbol) + "'");
        return it->second;
    }
    /// A linear position (shares, futures): value quantity x multiplier x spot.
    std::size_t add_linear(std::size_t u, Real quantity, Real multiplier = 1) {
        check_holding(u, quantity, multiplier);
        m_holdings.push_back({u, false, option_kind::call, 0, 0, 0, quantity, multiplier});
        return m_holdings.size() - 1;
    }
    /// A European option on underlying u: strike, expiry (years), implied vol, quantity (signed), multiplier.
    std::size_t add_option(std::size_t u, option_kind kind, Real strike, Real expiry, Real vol, Real quantity,
                           Real multiplier = 1) {
        check_holding(u, quantity, multiplier);
        detail::check_option_inputs(m_underlyings[u].spot, strike, expiry, m_rate, m_underlyings[u].dividend, vol);
        m_holdings.push_back({u, true, kind, strike, expiry, vol, quantity, multiplier});
        return m_holdings.size() - 1;
    }

    std::span<const underlying> underlyings() const noexcept { return m_underlyings; }
    std::span<const holding> holdings() const noexcept { return m_holdings; }
    Real rate() const noexcept { return m_rate; }
    void set_spot(std::size_t u, Real spot) {
        detail::check_option_inputs(spot, Real(1), Real(0), m_rate, Real(0), Real(0));
        m_underlyings.at(u).spot = spot;
    }

    /// Value of holding h with the spot of its underlying scaled by (1 + spot_move) and its vol by (1 + vol_shift).
    Real holding_value(std::size_t h, Real spot_move = 0, Real vol_shift = 0) const {
        const holding& p = m_holdings[h];
        const underlying& u = m_underlyings[p.underlying];
        const Real s = u.spot * (1 + spot_move);
        if (!(s > 0)) throw std::invalid_argument("spot move " + detail::fmt(spot_move) + " takes '" + u.symbol + "' to " + detail::fmt(s));
        if (!p.is_option) return p.quantity * p.multiplier * s;
        const Real vol = std::max(p.vol * (1 + vol_shift), Real(0));
        return p.quantity * p.multiplier *
               detail::bsm_unchecked(p.kind, s, p.strike, p.expiry, m_rate, u.dividend, vol).price;
    }
    /// Current value of the book.
    Real value() const {
        Real v = 0;
        for (std::size_t h = 0; h < m_holdings.size(); ++h) v += holding_value(h);
        return v;
    }
    /// Full-revaluation P&L for relative spot moves per underlying and one relative vol shift;
    /// per-holding P&L into `per_holding` when given (resized).
    Real pnl(std::span<const Real> spot_moves, Real vol_shift = 0, std::vector<Real>* per_holding = nullptr) const {
        detail::check_same_size(spot_moves.size(), m_underlyings.size(), "spot moves", "underlyings");
        detail::check_finite(spot_moves, "spot moves");
        detail::check_finite_value(vol_shift, "vol shift");
        if (per_holding) per_holding->assign(m_holdings.size(), 0);
        Real total = 0;
        for (std::size_t h = 0; h < m_holdings.size(); ++h) {
            const Real move = spot_moves[m_holdings[h].underlying];
            const Real d = holding_value(h, move, vol_shift) - holding_value(h);
            if (per_holding) (*per_holding)[h] = d;
            total += d;
        }
        return total;
    }
    Real pnl(const std::vector<Real>& spot_moves, Real vol_shift = 0, std::vector<Real>* per_holding = nullptr) const {
        return pnl(std::span<const Real>(spot_moves), vol_shift, per_holding);
    }

    /// Greeks aggregated per underlying (index = underlying index).
    std::vector<basic_book_greeks<Real>> greeks_by_underlying() const {
        std::vector<basic_book_greeks<Real>> out(m_underlyings.size());
        for (const holding& p : m_holdings) {
            const underlying& u = m_underlyings[p.underlying];
            auto& g = out[p.underlying];
            const Real n = p.quantity * p.multiplier;
            if (!p.is_option) {
                g.delta += n;
                continue;
            }
            const auto o = detail::bsm_unchecked(p.kind, u.spot, p.strike, p.expiry, m_rate, u.dividend, p.vol);
            g.delta += n * o.delta;
            g.gamma += n * o.gamma;
            g.vega += n * o.vega;
            g.theta += n * o.theta;
        }
        for (std::size_t i = 0; i < out.size(); ++i) {
            const Real s = m_underlyings[i].spot;
            out[i].dollar_delta = out[i].delta * s;
            out[i].dollar_gamma = out[i].gamma * s * s;
        }
        return out;
    }
    /// Totals over underlyings of dollar delta, dollar gamma, vega and theta (delta and gamma in
    /// units are summed too, meaningful only for a single underlying).
    basic_book_greeks<Real> total_greeks() const {
        basic_book_greeks<Real> t;
        for (const auto& g : greeks_by_underlying()) {
            t.delta += g.delta;
            t.dollar_delta += g.dollar_delta;
            t.gamma += g.gamma;
            t.dollar_gamma += g.dollar_gamma;
            t.vega += g.vega;
            t.theta += g.theta;
        }
        return t;
    }

private:
    void check_holding(std::size_t u, Real quantity, Real multiplier) const {
        if (u >= m_underlyings.size()) throw std::out_of_range("underlying index " + std::to_string(u) + " is out of range");
        detail::check_finite_value(quantity, "quantity");
        if (!(multiplier > 0) || !std::isfinite(multiplier)) {
            throw std::invalid_argument("multiplier " + detail::fmt(multiplier) + " must be positive and finite");
        }
    }

    Real m_rate;
    std::vector<underlying> m_underlyings;
    std::vector<holding> m_holdings;
    std::unordered_map<std::string, std::size_t> m_index;
};
using derivatives_book = basic_derivatives_book<double>;

} // namespace rtrisk
