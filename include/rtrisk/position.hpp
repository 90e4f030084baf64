#pragma once
/// @file position.hpp
/// One holding: an instrument and how much of it.
///
/// Conventions: quantity is signed (shorts are negative); prices are per unit of the
/// instrument; `multiplier` is the contract size (1 for shares, e.g. 50 for an index future),
/// so market value = quantity x price x multiplier in the price currency.

#include <concepts>
#include <string>

#include "fwd.hpp"

namespace rtrisk {

template <std::floating_point Real = double>
struct basic_position {
    std::string symbol;
    Real quantity{};    ///< signed: negative is short
    Real entry_price{}; ///< average cost per unit
    Real price{};       ///< current price per unit
    Real multiplier{1}; ///< contract size, > 0

    /// quantity x price x multiplier (negative for a short).
    Real market_value() const { return quantity * price * multiplier; }
    /// quantity x (price - entry_price) x multiplier.
    Real unrealized_pnl() const { return quantity * (price - entry_price) * multiplier; }
};

} // namespace rtrisk
