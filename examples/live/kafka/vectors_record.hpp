#pragma once
// The vectors topic's record (docs/scaling.md): what the nodes of one trades partition hold
// directly, with their scenario P&L vectors, from the engine that owns the partition. Key
// "partition-P"; value a JSON object:
//   {"instance", "seq", "event_time_us", "ticks_total", "partition", "partitions", "scenarios",
//    "nodes": [{"path", "market_value", "pnl", "net_delta", "gross_exposure", "vega", "theta",
//               "linear_exposure", "positions_count", "scenario_pnl": [T numbers],
//               "explain": [actual, delta, gamma, vega, theta, trading, unexplained] (optional: 0s),
//               "detail": {...}}]}            (with the positions part, at the positions rate)
//   detail: {"positions": [{"symbol", "type", "quantity", "price", "market_value", "pnl", "delta",
//                           "scenario_pnl": [T numbers]}],
//            "greeks": [{"underlying", "delta", "dollar_delta", "gamma", "vega", "theta"}],
//            "stress": [P&L per rtrisk::standard_scenarios(), in order],
//            "grid": [[P&L per vol shift] per spot move] (engine.hpp's grid axes)}
// Numbers are written in full precision (round-trip), so sums at the aggregator are exact up to
// the order of addition. decode() is strict: a record from the topic is outside input.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <rtrisk/stress.hpp>

#include "../engine/grid_axes.hpp"
#include "../engine/risk_snapshot.hpp"
#include "../sources/tick_line.hpp"

namespace rtrisk_live::kafka {

constexpr std::size_t max_vectors_record_bytes = 64u << 20;
constexpr std::size_t max_record_scenarios = 100000;

struct partition_vectors {
    std::string instance;
    std::uint64_t seq = 0;
    std::int64_t event_time_us = 0;
    std::uint64_t ticks_total = 0;
    std::int32_t partition = 0;
    std::int32_t partitions = 0;
    std::size_t scenarios = 0;
    std::vector<own_vector> nodes;
};

/// The record of `partition` (of `partitions`): the own vectors of the nodes whose path maps there.
template <class PartitionOf>
nlohmann::json encode_partition(const risk_snapshot& s, std::int32_t partition, std::int32_t partitions, const std::string& instance,
                                std::uint64_t seq, PartitionOf partition_of) {
    nlohmann::json nodes = nlohmann::json::array();
    if (s.own_vectors) {
        for (const auto& o : *s.own_vectors) {
            if (partition_of(o.path) != partition) continue;
            const auto& t = o.totals;
            nlohmann::json node = {{"path", o.path},                     {"market_value", t.market_value}, {"pnl", t.pnl},
                                   {"net_delta", t.net_delta},           {"gross_exposure", t.gross_exposure}, {"vega", t.vega},
                                   {"theta", t.theta},                   {"linear_exposure", o.linear_exposure},
                                   {"positions_count", o.positions_count}, {"scenario_pnl", o.scenario_pnl}};
            const auto& e = o.explain;
            node["explain"] = {e.actual, e.delta, e.gamma, e.vega, e.theta, e.trading, e.unexplained};
            if (o.detail) {
                const auto& d = *o.detail;
                nlohmann::json rows = nlohmann::json::array(), greeks = nlohmann::json::array(), stress = nlohmann::json::array();
                for (std::size_t i = 0; i < d.positions.size(); ++i) {
                    const auto& r = d.positions[i];
                    rows.push_back({{"symbol", r.symbol}, {"type", r.type}, {"quantity", r.quantity}, {"price", r.price}, {"market_value", r.market_value},
                                    {"pnl", r.pnl}, {"delta", r.delta}, {"scenario_pnl", d.position_pnl.at(i)}});
                }
                for (const auto& g : d.greeks) {
                    greeks.push_back({{"underlying", g.underlying}, {"delta", g.delta}, {"dollar_delta", g.dollar_delta}, {"gamma", g.gamma},
                                      {"vega", g.vega}, {"theta", g.theta}});
                }
                for (const auto& x : d.stress) stress.push_back(x.pnl);
                node["detail"] = {{"positions", std::move(rows)}, {"greeks", std::move(greeks)}, {"stress", std::move(stress)}, {"grid", d.grid.pnl}};
            }
            nodes.push_back(std::move(node));
        }
    }
    return {{"instance", instance},   {"seq", seq},           {"event_time_us", s.event_time_us}, {"ticks_total", s.ticks_total},
            {"partition", partition}, {"partitions", partitions}, {"scenarios", s.scenarios},      {"nodes", std::move(nodes)}};
}

namespace record_detail {
template <class Number>
own_vector::detail_part decode_detail(const nlohmann::json& d, std::size_t scenarios, const std::string& path, Number number) {
    using nlohmann::json;
    const std::string where = "node '" + rtrisk_live::detail::excerpt(path) + "': \"detail\": ";
    auto array = [&](const json& o, const char* k) -> const json& {
        if (!o.is_object() || !o.contains(k) || !o[k].is_array()) throw std::invalid_argument(where + "\"" + k + "\" must be an array");
        return o[k];
    };
    auto text = [&](const json& o, const char* k) {
        if (!o.is_object() || !o.contains(k) || !o[k].is_string() || o[k].get<std::string>().size() > 256) {
            throw std::invalid_argument(where + "\"" + k + "\" must be a string of at most 256 bytes");
        }
        return o[k].get<std::string>();
    };
    auto finite = [&](const json& x) {
        if (!x.is_number() || !std::isfinite(x.get<double>())) throw std::invalid_argument(where + "holds " + rtrisk_live::detail::excerpt(x.dump()));
        return x.get<double>();
    };
    own_vector::detail_part out;
    for (const auto& r : array(d, "positions")) {
        out.positions.push_back({path, text(r, "symbol"), text(r, "type"), number(r, "quantity"), number(r, "price"), number(r, "market_value"),
                                 number(r, "pnl"), number(r, "delta"), 0.0});
        const auto& v = array(r, "scenario_pnl");
        if (v.size() != scenarios) throw std::invalid_argument(where + "a position's \"scenario_pnl\" must hold " + std::to_string(scenarios) + " numbers");
        auto& pnl = out.position_pnl.emplace_back();
        for (const auto& x : v) pnl.push_back(finite(x));
    }
    for (const auto& g : array(d, "greeks")) {
        out.greeks.push_back({text(g, "underlying"), number(g, "delta"), number(g, "dollar_delta"), number(g, "gamma"), number(g, "vega"), number(g, "theta")});
    }
    const auto& scenarios_list = rtrisk::standard_scenarios();
    const auto& stress = array(d, "stress");
    if (stress.size() != scenarios_list.size()) throw std::invalid_argument(where + "\"stress\" must hold " + std::to_string(scenarios_list.size()) + " numbers");
    for (std::size_t i = 0; i < stress.size(); ++i) out.stress.push_back({scenarios_list[i].name, finite(stress[i])});
    out.grid.spot = grid_spot_moves();
    out.grid.vol = grid_vol_shifts();
    const auto& grid = array(d, "grid");
    if (grid.size() != out.grid.spot.size()) throw std::invalid_argument(where + "\"grid\" must hold " + std::to_string(out.grid.spot.size()) + " rows");
    for (const auto& row : grid) {
        if (!row.is_array() || row.size() != out.grid.vol.size()) throw std::invalid_argument(where + "a \"grid\" row must hold " + std::to_string(out.grid.vol.size()) + " numbers");
        auto& r = out.grid.pnl.emplace_back();
        for (const auto& x : row) r.push_back(finite(x));
    }
    return out;
}
} // namespace record_detail

/// Parses a record; throws std::invalid_argument naming the offending field.
inline partition_vectors decode_partition(std::string_view value) {
    using nlohmann::json;
    if (value.size() > max_vectors_record_bytes) throw std::invalid_argument("record longer than 64 MiB");
    const json j = rtrisk_live::detail::parse_json(value, 8, "JSON record");
    auto field = [](const json& o, const char* k) -> const json& {
        if (!o.is_object() || !o.contains(k)) throw std::invalid_argument(std::string("missing \"") + k + "\"");
        return o[k];
    };
    auto integer = [&](const json& o, const char* k, std::int64_t lo, std::int64_t hi) {
        const auto& v = field(o, k);
        if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(hi)) || v.get<std::int64_t>() < lo ||
            v.get<std::int64_t>() > hi) {
            throw std::invalid_argument(std::string("\"") + k + "\" must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                                        "], got " + rtrisk_live::detail::excerpt(v.dump()));
        }
        return v.get<std::int64_t>();
    };
    auto number = [&](const json& o, const char* k) {
        const auto& v = field(o, k);
        if (!v.is_number() || !std::isfinite(v.get<double>())) {
            throw std::invalid_argument(std::string("\"") + k + "\" must be a finite number, got " + rtrisk_live::detail::excerpt(v.dump()));
        }
        return v.get<double>();
    };
    if (!j.is_object()) throw std::invalid_argument("a record must be a JSON object");
    partition_vectors r;
    const auto& inst = field(j, "instance");
    if (!inst.is_string() || inst.get<std::string>().size() > 64) throw std::invalid_argument("\"instance\" must be a string of at most 64 bytes");
    r.instance = inst.get<std::string>();
    r.seq = static_cast<std::uint64_t>(integer(j, "seq", 0, INT64_MAX));
    r.event_time_us = integer(j, "event_time_us", 0, INT64_MAX);
    r.ticks_total = static_cast<std::uint64_t>(integer(j, "ticks_total", 0, INT64_MAX));
    r.partitions = static_cast<std::int32_t>(integer(j, "partitions", 1, 100000));
    r.partition = static_cast<std::int32_t>(integer(j, "partition", 0, r.partitions - 1));
    r.scenarios = static_cast<std::size_t>(integer(j, "scenarios", 100, max_record_scenarios)); // as book files
    const auto& nodes = field(j, "nodes");
    if (!nodes.is_array()) throw std::invalid_argument("\"nodes\" must be an array");
    for (const auto& n : nodes) {
        own_vector o;
        const auto& path = field(n, "path");
        if (!path.is_string()) throw std::invalid_argument("\"path\" must be a string");
        o.path = path.get<std::string>();
        if (o.path.empty()) throw std::invalid_argument("\"path\" is empty");
        rtrisk_live::detail::check_node(o.path);
        o.totals = {number(n, "market_value"), number(n, "pnl"), number(n, "net_delta"), number(n, "gross_exposure"), number(n, "vega"), number(n, "theta")};
        o.linear_exposure = number(n, "linear_exposure");
        o.positions_count = static_cast<std::size_t>(integer(n, "positions_count", 0, INT32_MAX));
        const auto& v = field(n, "scenario_pnl");
        if (!v.is_array() || v.size() != r.scenarios) {
            throw std::invalid_argument("node '" + rtrisk_live::detail::excerpt(o.path) + "': \"scenario_pnl\" must hold " + std::to_string(r.scenarios) + " numbers");
        }
        o.scenario_pnl.reserve(r.scenarios);
        for (const auto& x : v) {
            if (!x.is_number() || !std::isfinite(x.get<double>())) {
                throw std::invalid_argument("node '" + rtrisk_live::detail::excerpt(o.path) + "': \"scenario_pnl\" holds " + rtrisk_live::detail::excerpt(x.dump()));
            }
            o.scenario_pnl.push_back(x.get<double>());
        }
        if (n.contains("explain")) {
            const auto& e = n["explain"];
            if (!e.is_array() || e.size() != 7 || !std::all_of(e.begin(), e.end(), [](const auto& x) { return x.is_number() && std::isfinite(x.template get<double>()); })) {
                throw std::invalid_argument("node '" + rtrisk_live::detail::excerpt(o.path) + "': \"explain\" must hold 7 finite numbers");
            }
            o.explain = {e[0].get<double>(), e[1].get<double>(), e[2].get<double>(), e[3].get<double>(), e[4].get<double>(), e[5].get<double>(), e[6].get<double>()};
        }
        if (n.contains("detail")) o.detail = record_detail::decode_detail(n["detail"], r.scenarios, o.path, number);
        r.nodes.push_back(std::move(o));
    }
    return r;
}

} // namespace rtrisk_live::kafka
