#pragma once
// The wire's `positions` (docs/protocol.md): every position as columns, rounded for display
// (currency to cents, prices to 1e-6), and `positions_rows`, the rows that changed between two
// refreshes. Typed and written straight to text: 10,000 positions are compared and encoded in
// a few milliseconds, where a JSON tree of 90,000 values costs tens.

#include <charconv>
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

namespace rtrisk_live {

struct position_columns {
    std::vector<std::string> node, symbol, type; ///< fixed while a position is held
    std::vector<double> quantity, price, market_value, pnl, component_var, delta;
    std::size_t size() const { return node.size(); }
};

namespace detail {
inline double round_to(double v, double scale) { return std::round(v * scale) / scale; }

inline void append_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest round-trip form
    out.append(buf, r.ptr);
}
inline void append_string(std::string& out, const std::string& s) {
    for (const unsigned char ch : s) {
        if (ch < 0x20 || ch == '"' || ch == '\\') { // rare: let the JSON library escape it
            out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return;
        }
    }
    out += '"';
    out += s;
    out += '"';
}
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
    using detail::round_to;
    position_columns c;
    for (auto* v : {&c.node, &c.symbol, &c.type}) v->reserve(rows.size());
    for (auto* v : {&c.quantity, &c.price, &c.market_value, &c.pnl, &c.component_var, &c.delta}) v->reserve(rows.size());
    for (const auto& p : rows) {
        c.node.push_back(p.node);
        c.symbol.push_back(p.symbol);
        c.type.push_back(p.type);
        c.quantity.push_back(p.quantity);
        c.price.push_back(round_to(p.price, 1e6));
        c.market_value.push_back(round_to(p.market_value, 100));
        c.pnl.push_back(round_to(p.pnl, 100));
        c.component_var.push_back(round_to(p.component_var, 100));
        c.delta.push_back(round_to(p.delta, 100));
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
    out += '{';
    detail::append_column(out, "node", c.node, all);
    out += ',';
    detail::append_column(out, "symbol", c.symbol, all);
    out += ',';
    detail::append_column(out, "type", c.type, all);
    for (const auto& [key, col] : {std::pair{"quantity", &c.quantity}, {"price", &c.price}, {"market_value", &c.market_value}, {"pnl", &c.pnl},
                                   {"component_var", &c.component_var}, {"delta", &c.delta}}) {
        out += ',';
        detail::append_column(out, key, *col, all);
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
    for (std::size_t r = 0; r < old; ++r) {
        if (now.node[r] != before.node[r] || now.symbol[r] != before.symbol[r] || now.type[r] != before.type[r]) return std::nullopt;
    }
    std::vector<std::size_t> index;
    for (std::size_t r = 0; r < now.size(); ++r) {
        // bitwise compare of the rounded values: NaN-safe, and -0 vs 0 counts as a change (harmless)
        const auto same = [&](const std::vector<double>& a, const std::vector<double>& b) {
            return std::memcmp(&a[r], &b[r], sizeof(double)) == 0;
        };
        if (r >= old || !same(now.quantity, before.quantity) || !same(now.price, before.price) || !same(now.market_value, before.market_value) ||
            !same(now.pnl, before.pnl) || !same(now.component_var, before.component_var) || !same(now.delta, before.delta)) {
            index.push_back(r);
        }
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
    for (const auto& [key, col] : {std::pair{"quantity", &now.quantity}, {"price", &now.price}, {"market_value", &now.market_value}, {"pnl", &now.pnl},
                                   {"component_var", &now.component_var}, {"delta", &now.delta}}) {
        out += ',';
        detail::append_column(out, key, *col, changed);
    }
    for (const auto& [key, col] : {std::pair{"node", &now.node}, {"symbol", &now.symbol}, {"type", &now.type}}) {
        out += ',';
        detail::append_column(out, key, *col, appended);
    }
    out += '}';
    return out;
}

} // namespace rtrisk_live
