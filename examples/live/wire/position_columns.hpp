#pragma once
// The wire's `positions` (docs/protocol.md): every position as columns, rounded for display
// (currency to cents, prices to 1e-6), and `positions_rows`, the rows that changed between two
// refreshes. Typed and written straight to text: 10,000 positions are compared and encoded in
// a few milliseconds, where a JSON tree of 90,000 values costs tens.

#include <algorithm>
#include <charconv>
#include <iterator>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../engine/risk_snapshot.hpp"
#include "display_rounding.hpp"
#include "json_text.hpp"

namespace rtrisk_live {

struct position_columns {
    std::vector<std::string> node, symbol, type; ///< fixed while a position is held
    std::vector<double> quantity, price, market_value, pnl, component_var, delta;
    std::size_t size() const { return node.size(); }
};

/// The columns in wire order, by name: those fixed while a position is held, then the values.
inline constexpr std::pair<const char*, std::vector<std::string> position_columns::*> position_key_columns[] = {
    {"node", &position_columns::node}, {"symbol", &position_columns::symbol}, {"type", &position_columns::type}};
inline constexpr std::pair<const char*, std::vector<double> position_columns::*> position_value_columns[] = {
    {"quantity", &position_columns::quantity}, {"price", &position_columns::price},
    {"market_value", &position_columns::market_value}, {"pnl", &position_columns::pnl},
    {"component_var", &position_columns::component_var}, {"delta", &position_columns::delta}};

namespace detail {

template <class T, class Pick>
void append_column(std::string& out, const char* key, const std::vector<T>& col, Pick&& rows) {
    out += '"';
    out += key;
    out += "\":[";
    bool first = true;
    rows([&](std::size_t r) {
        if (!first) out += ',';
        first = false;
        if constexpr (std::is_same_v<T, std::string>) append_string(out, col[r]);
        else append_number(out, col[r]);
    });
    out += ']';
}
} // namespace detail

/// The columns of a snapshot's positions, rounded as the wire shows them.
inline position_columns position_columns_of(const std::vector<position_risk>& rows) {
    using detail::cents;
    position_columns c;
    for (auto* v : {&c.node, &c.symbol, &c.type}) v->reserve(rows.size());
    for (auto* v : {&c.quantity, &c.price, &c.market_value, &c.pnl, &c.component_var, &c.delta}) v->reserve(rows.size());
    for (const auto& p : rows) {
        c.node.push_back(p.node);
        c.symbol.push_back(p.symbol);
        c.type.push_back(p.type);
        c.quantity.push_back(p.quantity);
        c.price.push_back(detail::micro(p.price));
        c.market_value.push_back(cents(p.market_value));
        c.pnl.push_back(cents(p.pnl));
        c.component_var.push_back(cents(p.component_var));
        c.delta.push_back(cents(p.delta));
    }
    return c;
}

/// `positions`: {"node": [...], ..., "delta": [...]}.
inline std::string columns_json(const position_columns& c) {
    std::string out;
    out.reserve(c.size() * 96 + 128);
    const auto all = [&](auto&& f) {
        for (std::size_t r = 0; r < c.size(); ++r) f(r);
    };
    char sep = '{';
    for (const auto& [key, col] : position_key_columns) {
        out += std::exchange(sep, ',');
        detail::append_column(out, key, c.*col, all);
    }
    for (const auto& [key, col] : position_value_columns) {
        out += ',';
        detail::append_column(out, key, c.*col, all);
    }
    out += '}';
    return out;
}

/// `positions_rows` from `before` to `now`: the rows whose values changed and every appended
/// row, with the values of those rows and the node, symbol and type of the appended ones.
/// Nullopt when `now` is not `before` with rows updated or appended (fewer rows, or an old row
/// with another node, symbol or type): the caller sends the columns whole.
inline std::optional<std::string> changed_rows_json(const position_columns& before, const position_columns& now) {
    const std::size_t old = before.size();
    if (now.size() < old) return std::nullopt;
    for (const auto& [key, col] : position_key_columns) {
        if (!std::equal((before.*col).begin(), (before.*col).end(), (now.*col).begin())) return std::nullopt;
    }
    std::vector<std::size_t> index;
    for (std::size_t r = 0; r < now.size(); ++r) {
        // bitwise compare of the rounded values: NaN-safe, and -0 vs 0 counts as a change (harmless)
        const auto differs = [&](const auto& column) {
            const auto col = column.second;
            return std::memcmp(&(now.*col)[r], &(before.*col)[r], sizeof(double)) != 0;
        };
        if (r >= old || std::any_of(std::begin(position_value_columns), std::end(position_value_columns), differs)) index.push_back(r);
    }
    std::string out;
    out.reserve(index.size() * 64 + (now.size() - old) * 48 + 128);
    out += "{\"count\":";
    out += std::to_string(now.size());
    out += ",\"index\":[";
    for (std::size_t i = 0; i < index.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(index[i]);
    }
    out += ']';
    const auto changed = [&](auto&& f) {
        for (const auto r : index) f(r);
    };
    const auto appended = [&](auto&& f) {
        for (std::size_t r = old; r < now.size(); ++r) f(r);
    };
    for (const auto& [key, col] : position_value_columns) {
        out += ',';
        detail::append_column(out, key, now.*col, changed);
    }
    for (const auto& [key, col] : position_key_columns) {
        out += ',';
        detail::append_column(out, key, now.*col, appended);
    }
    out += '}';
    return out;
}

} // namespace rtrisk_live
