#pragma once
// The JSON of GET /api/node?path=P (docs/protocol.md, "Node detail"; schema node_detail in
// docs/protocol.schema.json): one node's Greeks by underlying, option positions, stress, spot x
// vol grid, scenario P&L histogram, tail scenarios and top 10 contributors; and of
// GET /api/backtest?path=P (schema node_backtest). Exact figures.

#include <nlohmann/json.hpp>

#include "../engine/risk_snapshot.hpp"
#include "snapshot_json.hpp"

namespace rtrisk_live {

inline nlohmann::json node_detail_json(const node_detail& d) {
    using nlohmann::json;
    json greeks = json::array(), options = json::array(), stress = json::array(), tail = json::array(), top = json::array();
    for (const auto& g : d.greeks) {
        greeks.push_back({{"underlying", g.underlying}, {"delta", g.delta}, {"dollar_delta", g.dollar_delta}, {"gamma", g.gamma}, {"vega", g.vega}, {"theta", g.theta}});
    }
    for (const auto& o : d.options) {
        options.push_back({{"node", o.node}, {"symbol", o.symbol}, {"underlying", o.underlying}, {"type", o.type}, {"strike", o.strike},
                           {"expiry", o.expiry}, {"vol", o.vol}, {"quantity", o.quantity}, {"price", o.price}, {"market_value", o.market_value},
                           {"delta", o.delta}, {"dollar_delta", o.dollar_delta}, {"gamma", o.gamma}, {"vega", o.vega}, {"theta", o.theta}});
    }
    for (const auto& s : d.stress) stress.push_back({{"name", s.name}, {"pnl", s.pnl}});
    for (const auto& t : d.tail) tail.push_back({{"scenario", t.scenario}, {"label", t.label}, {"pnl", t.pnl}});
    for (const auto& c : d.top_contributors) top.push_back({{"node", c.node}, {"symbol", c.symbol}, {"component_var", c.component_var}});
    nlohmann::json explain = nlohmann::json::array();
    for (const auto& p : d.explain) {
        nlohmann::json row = explain_json(p.explain);
        row["node"] = p.node;
        row["symbol"] = p.symbol;
        explain.push_back(std::move(row));
    }
    return {{"path", d.path},
            {"var_99", d.var_99},
            {"es_975", d.es_975},
            {"scenarios", d.scenarios},
            {"greeks", std::move(greeks)},
            {"options", std::move(options)},
            {"stress", std::move(stress)},
            {"grid", {{"spot", d.grid.spot}, {"vol", d.grid.vol}, {"pnl", d.grid.pnl}}},
            {"histogram", {{"edges", d.bin_edges}, {"counts", d.bin_counts}}},
            {"tail", std::move(tail)},
            {"top_contributors", std::move(top)},
            {"explain", {{"since_us", d.explain_since_us}, {"positions", std::move(explain)}}}};
}

/// GET /api/backtest?path=P (schema node_backtest).
inline nlohmann::json node_backtest_json(const node_backtest& b) {
    using nlohmann::json;
    json days = json::array();
    for (const auto& d : b.days) days.push_back({{"label", d.label}, {"pnl", d.pnl}, {"var_99", d.var_99}, {"exception", d.exception}});
    return {{"path", b.path},
            {"window", b.window},
            {"confidence", 0.99},
            {"days", std::move(days)},
            {"exceptions", b.exceptions},
            {"kupiec_p", b.kupiec_p},
            {"christoffersen_independence_p", b.christoffersen_independence_p},
            {"christoffersen_conditional_p", b.christoffersen_conditional_p},
            {"traffic_light", b.traffic_light},
            {"stressed", b.stressed ? json{{"var_99", b.stressed->var_99}, {"window", b.stressed->window}, {"start", b.stressed->start},
                                           {"end", b.stressed->end}}
                                    : json(nullptr)}};
}

} // namespace rtrisk_live
