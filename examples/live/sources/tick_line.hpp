#pragma once
// One line of a tick file (docs/protocol.md, "Tick files"): CSV `symbol,price[,quantity[,node]]`
// or an NDJSON object {"symbol": "DAX", "price": 6123.5, "quantity": 0, "node": "FIRM/EU/alice"}.
// Parsing is strict: every number must be consumed whole ("5abc" is refused), finite and within
// the documented bounds, an NDJSON object may hold only those four keys, and every refusal says why. Bounds keep
// every later sum finite: a position's exposure stays far below 1e300.

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../../common/parse_number.hpp"
#include "../../common/utf8.hpp"

namespace rtrisk_live {

constexpr std::size_t max_tick_line_bytes = 1024;
constexpr std::size_t max_symbol_length = 64;
constexpr double max_tick_price = 1e9;     ///< prices lie in (0, 1e9]
constexpr double max_tick_quantity = 1e9;  ///< |quantity| <= 1e9 per trade
constexpr std::size_t max_node_length = 256;

struct tick_fields {
    std::string symbol;
    double price = 0;
    double quantity = 0; ///< 0: a price update; otherwise a trade booked at `price`
    std::string node;    ///< the trade's node path; empty: the one node holding the symbol
};

namespace detail {
inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// A printable excerpt of untrusted text for a log line (at most 60 bytes, others escaped).
inline std::string excerpt(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < 60; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\'') {
            out.push_back(static_cast<char>(c));
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    if (s.size() > 60) out += "...";
    return out;
}

inline std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

inline void check_symbol(std::string_view s) {
    if (s.empty()) throw std::invalid_argument("empty symbol");
    if (s.size() > max_symbol_length) throw std::invalid_argument("symbol longer than " + std::to_string(max_symbol_length) + " bytes");
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) throw std::invalid_argument("symbol '" + excerpt(s) + "' holds a control character");
    }
    if (!rtrisk_examples::valid_utf8(s)) throw std::invalid_argument("symbol '" + excerpt(s) + "' is not UTF-8");
}

inline void check_node(std::string_view s) {
    if (s.size() > max_node_length) throw std::invalid_argument("node longer than " + std::to_string(max_node_length) + " bytes");
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) throw std::invalid_argument("node '" + excerpt(s) + "' holds a control character");
    }
    if (!rtrisk_examples::valid_utf8(s)) throw std::invalid_argument("node '" + excerpt(s) + "' is not UTF-8");
}

inline void check_bounds(double price, double quantity) {
    if (!(std::isfinite(price) && price > 0 && price <= max_tick_price)) {
        throw std::invalid_argument("price " + num(price) + " is outside (0, 1e9]");
    }
    if (!(std::isfinite(quantity) && std::abs(quantity) <= max_tick_quantity)) {
        throw std::invalid_argument("quantity " + num(quantity) + " is outside [-1e9, 1e9]");
    }
}

/// Parses untrusted JSON nested at most `max_depth` deep; throws std::invalid_argument
/// ("malformed WHAT: ..." or "WHAT nested too deep").
inline nlohmann::json parse_json(std::string_view text, int max_depth, const std::string& what) {
    try {
        return nlohmann::json::parse(text, [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (depth > max_depth) throw std::invalid_argument(what + " nested too deep");
            return true;
        });
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument("malformed " + what + ": " + e.what());
    }
}

inline double parse_number(std::string_view field, const char* what) {
    const auto v = rtrisk_examples::parse_number<double>(field);
    if (!v) throw std::invalid_argument(std::string(what) + " '" + excerpt(field) + "' is not a finite number");
    return *v;
}
} // namespace detail

/// True for a CSV header line (first field "symbol").
inline bool is_tick_header(std::string_view line) { return detail::trim(line.substr(0, line.find(','))) == "symbol"; }

/// Parses one non-empty line; throws std::invalid_argument saying what is wrong.
inline tick_fields parse_tick_line(std::string_view line) {
    if (line.size() > max_tick_line_bytes) throw std::invalid_argument("line longer than " + std::to_string(max_tick_line_bytes) + " bytes");
    tick_fields t;
    if (detail::trim(line).substr(0, 1) == "{") {
        const auto j = detail::parse_json(line, 2, "JSON tick");
        if (!j.is_object()) throw std::invalid_argument("a JSON tick must be an object");
        bool has_symbol = false, has_price = false;
        for (const auto& [k, v] : j.items()) {
            if (k == "symbol") {
                if (!v.is_string()) throw std::invalid_argument("\"symbol\" must be a string, got " + detail::excerpt(v.dump()));
                t.symbol = v.get<std::string>();
                has_symbol = true;
            } else if (k == "node") {
                if (!v.is_string()) throw std::invalid_argument("\"node\" must be a string, got " + detail::excerpt(v.dump()));
                t.node = v.get<std::string>();
            } else if (k == "price" || k == "quantity") {
                if (!v.is_number()) throw std::invalid_argument("\"" + k + "\" must be a number, got " + detail::excerpt(v.dump()));
                (k == "price" ? t.price : t.quantity) = v.get<double>();
                has_price = has_price || k == "price";
            } else {
                throw std::invalid_argument("unknown field \"" + detail::excerpt(k) + "\"");
            }
        }
        if (!has_symbol) throw std::invalid_argument("missing \"symbol\"");
        if (!has_price) throw std::invalid_argument("missing \"price\"");
    } else {
        std::string_view fields[4];
        std::size_t n = 0, start = 0;
        while (true) {
            const auto comma = line.find(',', start);
            if (n == 4) throw std::invalid_argument("expected symbol,price[,quantity[,node]], got more fields");
            fields[n++] = detail::trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        if (n < 2) throw std::invalid_argument("expected symbol,price[,quantity[,node]], got '" + detail::excerpt(line) + "'");
        t.symbol = std::string(fields[0]);
        t.price = detail::parse_number(fields[1], "price");
        if (n >= 3) t.quantity = detail::parse_number(fields[2], "quantity");
        if (n == 4) t.node = std::string(fields[3]);
    }
    detail::check_symbol(t.symbol);
    detail::check_node(t.node);
    detail::check_bounds(t.price, t.quantity);
    return t;
}

} // namespace rtrisk_live
