#pragma once
// The trading system's messages on Kafka (docs/protocol.md, "Kafka topics"), one JSON object per
// message value:
//   ticks:  {"symbol": "DAX", "price": 6123.5, "ts": 1764072000123456}
//   trades: {"id": "T-000123", "node": "FIRM/Equities/EU/alice", "symbol": "DAX",
//            "quantity": -10, "price": 6120.0, "ts": 1764072000123456}
// `ts` is the event time in integer microseconds since the Unix epoch. Parsing is strict, as for
// tick files: every listed key is required, no other key is accepted, numbers are finite and
// within the tick bounds, and every refusal names the field.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../sources/tick_line.hpp"

namespace rtrisk_live {

constexpr std::size_t max_kafka_message_bytes = 4096;
constexpr std::size_t max_trade_id_length = 128;
/// Event times lie in [0, 4102444800000000] (1970 to 2100-01-01, microseconds).
constexpr std::int64_t max_event_time_us = 4102444800000000;

struct market_message {
    bool is_trade = false;
    std::string symbol;
    double price = 0;
    double quantity = 0; ///< trades only: signed, non-zero
    std::int64_t ts = 0; ///< event time, microseconds since the Unix epoch
    std::string id;      ///< trades only
    std::string node;    ///< trades only
};

namespace detail {
inline void check_text(std::string_view field, std::string_view s, std::size_t max) {
    if (s.empty()) throw std::invalid_argument("\"" + std::string(field) + "\" is empty");
    if (s.size() > max) throw std::invalid_argument("\"" + std::string(field) + "\" longer than " + std::to_string(max) + " bytes");
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) throw std::invalid_argument("\"" + std::string(field) + "\" '" + excerpt(s) + "' holds a control character");
    }
}
} // namespace detail

/// Parses one message value of the ticks topic (`is_trade` false) or the trades topic (true);
/// throws std::invalid_argument naming the offending field.
inline market_message parse_market_message(std::string_view payload, bool is_trade) {
    if (payload.size() > max_kafka_message_bytes) {
        throw std::invalid_argument("message longer than " + std::to_string(max_kafka_message_bytes) + " bytes");
    }
    const auto j = detail::parse_json(payload, 2, "JSON message");
    if (!j.is_object()) throw std::invalid_argument("a message must be a JSON object");
    market_message m;
    m.is_trade = is_trade;
    unsigned seen = 0;
    enum : unsigned { symbol = 1, price = 2, ts = 4, id = 8, node = 16, quantity = 32 };
    auto string_field = [](const std::string& k, const nlohmann::json& v) {
        if (!v.is_string()) throw std::invalid_argument("\"" + k + "\" must be a string, got " + detail::excerpt(v.dump()));
        return v.get<std::string>();
    };
    for (const auto& [k, v] : j.items()) {
        if (k == "symbol") {
            m.symbol = string_field(k, v);
            seen |= symbol;
        } else if (k == "price" || (is_trade && k == "quantity")) {
            if (!v.is_number()) throw std::invalid_argument("\"" + k + "\" must be a number, got " + detail::excerpt(v.dump()));
            (k == "price" ? m.price : m.quantity) = v.get<double>();
            seen |= k == "price" ? price : quantity;
        } else if (k == "ts") {
            if (!v.is_number_integer()) throw std::invalid_argument("\"ts\" must be integer microseconds, got " + detail::excerpt(v.dump()));
            if (v.is_number_unsigned() ? v.get<std::uint64_t>() > std::uint64_t(max_event_time_us)
                                       : (v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > max_event_time_us)) {
                throw std::invalid_argument("\"ts\" " + detail::excerpt(v.dump()) + " is outside [0, 4102444800000000] (microseconds, 1970 to 2100)");
            }
            m.ts = v.get<std::int64_t>();
            seen |= ts;
        } else if (is_trade && (k == "id" || k == "node")) {
            (k == "id" ? m.id : m.node) = string_field(k, v);
            seen |= k == "id" ? id : node;
        } else {
            throw std::invalid_argument("unknown field \"" + detail::excerpt(k) + "\"");
        }
    }
    const unsigned required = is_trade ? (symbol | price | ts | id | node | quantity) : (symbol | price | ts);
    for (const auto& [bit, name] : {std::pair{symbol, "symbol"}, {price, "price"}, {ts, "ts"}, {id, "id"}, {node, "node"}, {quantity, "quantity"}}) {
        if ((required & bit) && !(seen & bit)) throw std::invalid_argument(std::string("missing \"") + name + "\"");
    }
    detail::check_symbol(m.symbol);
    detail::check_bounds(m.price, m.quantity);
    if (is_trade) {
        if (m.quantity == 0) throw std::invalid_argument("\"quantity\" is 0: a trade moves a position");
        detail::check_text("id", m.id, max_trade_id_length);
        detail::check_text("node", m.node, max_node_length);
    }
    return m;
}

} // namespace rtrisk_live
