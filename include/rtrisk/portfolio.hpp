#pragma once
/// @file portfolio.hpp
/// A portfolio of linear positions stored as structure-of-arrays (one contiguous array per
/// field), so that loops over positions vectorise and a column of exposures maps straight onto
/// the scenario matrix (returns.hpp).
///
/// Conventions: market value and exposure of position i are q_i p_i m_i (signed); gross
/// exposure is sum |q_i p_i m_i|, net exposure sum q_i p_i m_i; P&L is in the price currency.
///
///     rtrisk::portfolio book;
///     book.add({"DAX", 10, 1600, 1628.75});
///     book.add({"SMI", -5, 1700, 1678.1});
///     book.net_exposure();   // 10 x 1628.75 - 5 x 1678.1

#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fwd.hpp"
#include "detail/check.hpp"
#include "position.hpp"

namespace rtrisk {

template <std::floating_point Real = double>
class basic_portfolio {
public:
    using value_type = Real;

    basic_portfolio() = default;

    /// Adds a position and returns its index. Throws std::invalid_argument on an empty or
    /// duplicate symbol, a non-finite number or a multiplier that is not positive.
    std::size_t add(const basic_position<Real>& p) {
        if (p.symbol.empty()) throw std::invalid_argument("position symbol is empty");
        if (m_index.contains(p.symbol)) throw std::invalid_argument("duplicate symbol '" + p.symbol + "'");
        detail::check_finite_value(p.quantity, "quantity of '" + p.symbol + "'");
        detail::check_finite_value(p.entry_price, "entry price of '" + p.symbol + "'");
        detail::check_finite_value(p.price, "price of '" + p.symbol + "'");
        if (!(p.multiplier > 0) || !std::isfinite(p.multiplier)) {
            throw std::invalid_argument("multiplier " + detail::fmt(p.multiplier) + " of '" + p.symbol +
                                        "' must be positive and finite");
        }
        const std::size_t i = m_symbols.size();
        m_index.emplace(p.symbol, i);
        m_symbols.push_back(p.symbol);
        m_quantity.push_back(p.quantity);
        m_entry_price.push_back(p.entry_price);
        m_price.push_back(p.price);
        m_multiplier.push_back(p.multiplier);
        return i;
    }

    std::size_t size() const noexcept { return m_symbols.size(); }
    bool empty() const noexcept { return m_symbols.empty(); }

    /// Index of `symbol`; throws std::out_of_range "unknown symbol 'XYZ'" when absent.
    std::size_t index_of(std::string_view symbol) const {
        auto it = m_index.find(std::string(symbol));
        if (it == m_index.end()) throw std::out_of_range("unknown symbol '" + std::string(symbol) + "'");
        return it->second;
    }
    /// Index of `symbol`, or nothing.
    std::optional<std::size_t> find(std::string_view symbol) const {
        auto it = m_index.find(std::string(symbol));
        if (it == m_index.end()) return std::nullopt;
        return it->second;
    }

    basic_position<Real> position(std::size_t i) const {
        check_index(i);
        return {m_symbols[i], m_quantity[i], m_entry_price[i], m_price[i], m_multiplier[i]};
    }

    std::span<const std::string> symbols() const noexcept { return m_symbols; }
    std::span<const Real> quantities() const noexcept { return m_quantity; }
    std::span<const Real> entry_prices() const noexcept { return m_entry_price; }
    std::span<const Real> prices() const noexcept { return m_price; }
    std::span<const Real> multipliers() const noexcept { return m_multiplier; }

    /// Sets the current price of position i. Throws on a non-finite price or a bad index.
    void set_price(std::size_t i, Real price) {
        check_index(i);
        detail::check_finite_value(price, "price of '" + m_symbols[i] + "'");
        m_price[i] = price;
    }
    void set_price(std::string_view symbol, Real price) { set_price(index_of(symbol), price); }

    /// Books a trade of `quantity` units (signed) at `price` on position i with average-cost
    /// accounting: adding to a position averages the entry price, reducing it realises
    /// (price - entry) x closed quantity x multiplier, crossing zero opens the remainder at
    /// `price`. The trade price becomes the current price. Returns the realised P&L.
    Real apply_trade(std::size_t i, Real quantity, Real price) {
        check_index(i);
        detail::check_finite_value(quantity, "trade quantity for '" + m_symbols[i] + "'");
        detail::check_finite_value(price, "trade price for '" + m_symbols[i] + "'");
        Real& q = m_quantity[i];
        Real& e = m_entry_price[i];
        Real realised = 0;
        if (q == 0 || (q > 0) == (quantity > 0)) {
            const Real nq = q + quantity;
            e = nq != 0 ? (q * e + quantity * price) / nq : price;
            q = nq;
        } else {
            const Real closed = std::abs(quantity) < std::abs(q) ? -quantity : q; // signed, same sign as q
            realised = closed * (price - e) * m_multiplier[i];
            q += quantity;
            if (q == 0 || (q > 0) != (closed > 0)) e = price; // flat or flipped: the rest opens at price
        }
        m_price[i] = price;
        m_realized_pnl += realised;
        return realised;
    }

    /// q_i p_i m_i.
    Real market_value(std::size_t i) const {
        check_index(i);
        return m_quantity[i] * m_price[i] * m_multiplier[i];
    }
    /// The vector of q_i p_i m_i, the exposures that scenario returns multiply.
    std::vector<Real> exposures() const {
        std::vector<Real> x(size());
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = m_quantity[i] * m_price[i] * m_multiplier[i];
        return x;
    }
    /// sum q_i p_i m_i (equals the net exposure for linear positions).
    Real market_value() const { return net_exposure(); }
    Real net_exposure() const {
        Real s = 0;
        for (std::size_t i = 0; i < size(); ++i) s += m_quantity[i] * m_price[i] * m_multiplier[i];
        return s;
    }
    Real gross_exposure() const {
        Real s = 0;
        for (std::size_t i = 0; i < size(); ++i) s += std::abs(m_quantity[i] * m_price[i] * m_multiplier[i]);
        return s;
    }
    /// sum q_i (p_i - entry_i) m_i.
    Real unrealized_pnl() const {
        Real s = 0;
        for (std::size_t i = 0; i < size(); ++i) s += m_quantity[i] * (m_price[i] - m_entry_price[i]) * m_multiplier[i];
        return s;
    }
    /// Sum of the P&L realised by apply_trade.
    Real realized_pnl() const noexcept { return m_realized_pnl; }

private:
    void check_index(std::size_t i) const {
        if (i >= size()) {
            throw std::out_of_range("position index " + std::to_string(i) + " is out of range for a portfolio of " +
                                    std::to_string(size()) + " positions");
        }
    }

    std::vector<std::string> m_symbols;
    std::vector<Real> m_quantity;
    std::vector<Real> m_entry_price;
    std::vector<Real> m_price;
    std::vector<Real> m_multiplier;
    std::unordered_map<std::string, std::size_t> m_index;
    Real m_realized_pnl = 0;
};

} // namespace rtrisk
