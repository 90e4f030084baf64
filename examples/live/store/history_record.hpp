#pragma once
// One publication as rows of the risk history (docs/history.md): every node's figures, and the
// leaves' positions when the record carries them. Two encodings: PostgreSQL's binary COPY for
// the tables, and one JSON line per record for the local journal (a line that does not parse,
// such as one torn by a crash, is refused with a reason).

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../engine/risk_snapshot.hpp"
#include "../sources/tick_line.hpp"
#include "copy_binary.hpp"

namespace rtrisk_live::history {

struct node_point {
    std::string node;
    double pnl = 0, var_99 = 0, es_975 = 0, gross_exposure = 0, net_delta = 0;
};

struct position_point {
    std::string node, symbol;
    double quantity = 0, price = 0, market_value = 0, pnl = 0, delta = 0;
};

/// A limit breach or clearing raised by the publication (docs/limits.md).
struct alert_point {
    std::int64_t time_ms = 0;
    std::string node, measure, event; ///< event: "breach" or "cleared"
    double value = 0, limit = 0;
};

struct record {
    std::string instance;
    std::uint64_t seq = 0;
    std::int64_t time_us = 0; ///< publication wall-clock time, µs since the Unix epoch
    std::vector<node_point> nodes;
    std::vector<position_point> positions; ///< empty when this record carries none
    std::vector<alert_point> alerts;       ///< usually empty
    std::size_t rows() const { return nodes.size() + positions.size() + alerts.size(); }
};

/// A snapshot's rows; its positions only when `with_positions` (and the snapshot has them).
inline record make_record(const risk_snapshot& s, std::string instance, std::uint64_t seq, std::int64_t time_us, bool with_positions) {
    record r{std::move(instance), seq, time_us, {}, {}, {}};
    r.nodes.reserve(s.nodes.size());
    for (const auto& n : s.nodes) r.nodes.push_back({n.path, n.pnl, n.var_99, n.es_975, n.gross_exposure, n.net_delta});
    if (with_positions && s.positions) {
        r.positions.reserve(s.positions->size());
        for (const auto& p : *s.positions) r.positions.push_back({p.node, p.symbol, p.quantity, p.price, p.market_value, p.pnl, p.delta});
    }
    return r;
}

/// Binary COPY streams for risk_history and risk_positions (column order of the tables).
struct copy_streams {
    pg::copy_binary history, positions;
    std::size_t history_rows = 0, position_rows = 0;
    void add(const record& r) {
        for (const auto& n : r.nodes) {
            history.row(9);
            history.timestamptz(r.time_us);
            history.text(r.instance);
            history.int8(static_cast<std::int64_t>(r.seq));
            history.text(n.node);
            for (double v : {n.pnl, n.var_99, n.es_975, n.gross_exposure, n.net_delta}) history.float8(v);
            ++history_rows;
        }
        for (const auto& p : r.positions) {
            positions.row(10);
            positions.timestamptz(r.time_us);
            positions.text(r.instance);
            positions.int8(static_cast<std::int64_t>(r.seq));
            positions.text(p.node);
            positions.text(p.symbol);
            for (double v : {p.quantity, p.price, p.market_value, p.pnl, p.delta}) positions.float8(v);
            ++position_rows;
        }
    }
};

namespace detail {
inline nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); } // NaN <-> null
inline double number(const nlohmann::json& j, const char* what) {
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!j.is_number()) throw std::invalid_argument(std::string(what) + ": a number expected");
    return j.get<double>();
}
inline const nlohmann::json& array(const nlohmann::json& j, std::size_t n, const char* what) {
    if (!j.is_array() || j.size() != n) throw std::invalid_argument(std::string(what) + ": an array of " + std::to_string(n) + " expected");
    return j;
}
inline std::string text(const nlohmann::json& j, const char* what) {
    if (!j.is_string()) throw std::invalid_argument(std::string(what) + ": a string expected");
    return j.get<std::string>();
}
} // namespace detail

/// The limit events of a publication (publication::alert_events, engine/limits.hpp's JSON).
inline std::vector<alert_point> alert_points(const nlohmann::json& events) {
    std::vector<alert_point> out;
    for (const auto& e : events) {
        out.push_back({e.at("time_ms").get<std::int64_t>(), e.at("node").get<std::string>(), e.at("measure").get<std::string>(),
                       e.at("event").get<std::string>(), e.at("value").get<double>(), e.at("limit").get<double>()});
    }
    return out;
}

/// The journal line of a record (without the newline): {"i","s","t","n":[[node,pnl,var_99,
/// es_975,gross_exposure,net_delta]...],"p":[[node,symbol,quantity,price,market_value,pnl,delta]...]},
/// and when it holds limit events "a":[[time_ms,node,measure,event,value,limit]...].
inline std::string encode_line(const record& r) {
    using nlohmann::json;
    json nodes = json::array(), positions = json::array();
    for (const auto& n : r.nodes) {
        nodes.push_back({n.node, detail::number(n.pnl), detail::number(n.var_99), detail::number(n.es_975), detail::number(n.gross_exposure),
                         detail::number(n.net_delta)});
    }
    for (const auto& p : r.positions) {
        positions.push_back({p.node, p.symbol, detail::number(p.quantity), detail::number(p.price), detail::number(p.market_value),
                             detail::number(p.pnl), detail::number(p.delta)});
    }
    json line{{"i", r.instance}, {"s", r.seq}, {"t", r.time_us}, {"n", std::move(nodes)}, {"p", std::move(positions)}};
    if (!r.alerts.empty()) {
        json alerts = json::array();
        for (const auto& a : r.alerts) alerts.push_back({a.time_ms, a.node, a.measure, a.event, detail::number(a.value), detail::number(a.limit)});
        line["a"] = std::move(alerts);
    }
    return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Parses a journal line; throws std::invalid_argument naming what is wrong.
inline record decode_line(std::string_view line) {
    const auto j = rtrisk_live::detail::parse_json(line, 8, "journal line");
    if (!j.is_object() || j.size() != (j.contains("a") ? 6u : 5u)) throw std::invalid_argument("journal line: an object with i, s, t, n, p (and a) expected");
    for (const char* k : {"i", "s", "t", "n", "p"}) {
        if (!j.contains(k)) throw std::invalid_argument(std::string("journal line: no \"") + k + "\"");
    }
    record r;
    r.instance = detail::text(j.at("i"), "i");
    if (!j.at("s").is_number_unsigned()) throw std::invalid_argument("s: a sequence number expected");
    r.seq = j.at("s").get<std::uint64_t>();
    if (!j.at("t").is_number_integer()) throw std::invalid_argument("t: microseconds expected");
    r.time_us = j.at("t").get<std::int64_t>();
    if (r.time_us < 0 || r.time_us > 4102444800000000LL) throw std::invalid_argument("t: outside 1970-2100");
    if (!j.at("n").is_array() || !j.at("p").is_array()) throw std::invalid_argument("n, p: arrays expected");
    for (const auto& e : j.at("n")) {
        detail::array(e, 6, "n[]");
        r.nodes.push_back({detail::text(e[0], "node"), detail::number(e[1], "pnl"), detail::number(e[2], "var_99"), detail::number(e[3], "es_975"),
                           detail::number(e[4], "gross_exposure"), detail::number(e[5], "net_delta")});
    }
    for (const auto& e : j.at("p")) {
        detail::array(e, 7, "p[]");
        r.positions.push_back({detail::text(e[0], "node"), detail::text(e[1], "symbol"), detail::number(e[2], "quantity"), detail::number(e[3], "price"),
                               detail::number(e[4], "market_value"), detail::number(e[5], "pnl"), detail::number(e[6], "delta")});
    }
    if (j.contains("a")) {
        if (!j.at("a").is_array()) throw std::invalid_argument("a: an array expected");
        for (const auto& e : j.at("a")) {
            detail::array(e, 6, "a[]");
            if (!e[0].is_number_integer()) throw std::invalid_argument("a[]: time_ms expected");
            auto event = detail::text(e[3], "event");
            if (event != "breach" && event != "cleared") throw std::invalid_argument("a[]: event must be breach or cleared");
            r.alerts.push_back({e[0].get<std::int64_t>(), detail::text(e[1], "node"), detail::text(e[2], "measure"), std::move(event),
                                detail::number(e[4], "value"), detail::number(e[5], "limit")});
        }
    }
    return r;
}

} // namespace rtrisk_live::history
