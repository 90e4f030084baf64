#pragma once
// The JSON encoding of a risk_snapshot: the wire's snapshot/delta fields (docs/protocol.md,
// schema in docs/protocol.schema.json), rounded for display (currency to cents, prices and
// gamma to 1e-6), and the exact risk report of --once and GET /api/risk (docs/book.md).

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../engine/risk_snapshot.hpp"
#include "display_rounding.hpp"
#include "json_text.hpp"

namespace rtrisk_live {

namespace detail {

inline nlohmann::json node_json(const node_risk& n, double (*r)(double)) {
    nlohmann::json top = nlohmann::json::array();
    for (const auto& c : n.top_contributors) top.push_back({{"node", c.node}, {"symbol", c.symbol}, {"component_var", r(c.component_var)}});
    return {{"path", n.path},
            {"parent", n.parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.parent)},
            {"depth", n.depth},
            {"positions_count", n.positions_count},
            {"market_value", r(n.market_value)},
            {"pnl", r(n.pnl)},
            {"net_delta", r(n.net_delta)},
            {"gross_exposure", r(n.gross_exposure)},
            {"vega", r(n.vega)},
            {"theta", r(n.theta)},
            {"var_99", r(n.var_99)},
            {"es_975", r(n.es_975)},
            {"component_var", r(n.component_var)},
            {"top_contributors", std::move(top)}};
}
inline double exact(double v) { return v; }
} // namespace detail

/// The figures of a P&L explain (pnl_explain.hpp) as a JSON object, exact.
inline nlohmann::json explain_json(const rtrisk::pnl_explain& e) {
    return {{"actual", e.actual}, {"delta", e.delta}, {"gamma", e.gamma}, {"vega", e.vega},
            {"theta", e.theta}, {"trading", e.trading}, {"unexplained", e.unexplained}};
}

/// The wire's `nodes`: every node's figures rounded for display, without its top contributors
/// (a client reads those for one node from GET /api/node). Written straight to text: 281 nodes
/// at 10 Hz cost no JSON tree.
inline std::string nodes_json(const std::vector<node_risk>& nodes) {
    using detail::append_number;
    using detail::cents;
    std::string out;
    out.reserve(nodes.size() * 320 + 2);
    out += '[';
    for (const auto& n : nodes) {
        if (out.size() > 1) out += ',';
        out += "{\"path\":";
        detail::append_string(out, n.path);
        out += ",\"parent\":";
        if (n.parent.empty()) out += "null";
        else detail::append_string(out, n.parent);
        out += ",\"depth\":" + std::to_string(n.depth) + ",\"positions_count\":" + std::to_string(n.positions_count);
        for (const auto& [key, v] : {std::pair{"market_value", n.market_value}, {"pnl", n.pnl}, {"net_delta", n.net_delta},
                                     {"gross_exposure", n.gross_exposure}, {"vega", n.vega}, {"theta", n.theta}, {"var_99", n.var_99},
                                     {"es_975", n.es_975}, {"component_var", n.component_var}}) {
            out += ",\"";
            out += key;
            out += "\":";
            append_number(out, cents(v));
        }
        out += '}';
    }
    out += ']';
    return out;
}

/// The wire fields of a snapshot but `history`, which the publisher adds, and `nodes` and
/// `positions`, which it takes as text (nodes_json, wire/position_columns.hpp). The
/// headline figures are the root node's. Parts the snapshot does not hold are left out, so
/// the publisher repeats their last values.
inline nlohmann::json to_wire(const risk_snapshot& s) {
    using nlohmann::json;
    using detail::cents;
    const auto& root = s.nodes.at(0);
    json d = {{"total_pnl", cents(root.pnl)},
              {"market_value", cents(root.market_value)},
              {"gross_exposure", cents(root.gross_exposure)},
              {"net_exposure", cents(s.net_exposure)},
              {"net_delta", cents(root.net_delta)},
              {"positions_count", root.positions_count},
              {"var_99", cents(root.var_99)},
              {"es_975", cents(root.es_975)},
              {"scenarios", s.scenarios},
              {"ticks_total", s.ticks_total}};
    if (s.greeks) {
        json g = json::array();
        for (const auto& x : *s.greeks) {
            g.push_back({{"underlying", x.underlying}, {"delta", cents(x.delta)}, {"dollar_delta", cents(x.dollar_delta)},
                         {"gamma", detail::micro(x.gamma)}, {"vega", cents(x.vega)}, {"theta", cents(x.theta)}});
        }
        d["greeks"] = std::move(g);
    }
    if (s.stress) {
        json st = json::array();
        for (const auto& x : *s.stress) st.push_back({{"name", x.name}, {"pnl", cents(x.pnl)}});
        d["stress"] = std::move(st);
    }
    if (s.grid) {
        json rows = json::array();
        for (const auto& row : s.grid->pnl) {
            json r = json::array();
            for (const double v : row) r.push_back(cents(v));
            rows.push_back(std::move(r));
        }
        d["grid"] = {{"spot", s.grid->spot}, {"vol", s.grid->vol}, {"pnl", std::move(rows)}};
    }
    if (s.var_methods) {
        const auto optional = [](const std::optional<double>& v) { return v ? json(cents(*v)) : json(nullptr); };
        d["var_methods"] = {{"gaussian", cents(s.var_methods->gaussian)},
                            {"cornish_fisher", cents(s.var_methods->cornish_fisher)},
                            {"historical", cents(s.var_methods->historical)},
                            {"ewma", optional(s.var_methods->ewma)},
                            {"filtered_historical", optional(s.var_methods->filtered_historical)},
                            {"age_weighted", optional(s.var_methods->age_weighted)}};
    }
    if (s.explain) { // columns in the order of `nodes` at this publication
        json e = {{"since_us", s.explain_since_us}, {"path", json::array()}};
        for (const char* k : {"actual", "delta", "gamma", "vega", "theta", "trading", "unexplained"}) e[k] = json::array();
        for (std::size_t n = 0; n < s.explain->size() && n < s.nodes.size(); ++n) {
            const auto& x = (*s.explain)[n];
            e["path"].push_back(s.nodes[n].path);
            e["actual"].push_back(cents(x.actual));
            e["delta"].push_back(cents(x.delta));
            e["gamma"].push_back(cents(x.gamma));
            e["vega"].push_back(cents(x.vega));
            e["theta"].push_back(cents(x.theta));
            e["trading"].push_back(cents(x.trading));
            e["unexplained"].push_back(cents(x.unexplained));
        }
        d["explain"] = std::move(e);
    }
    if (s.factors) {
        json f = json::array();
        for (const auto& g : *s.factors) {
            f.push_back({{"factor", g.factor}, {"group", g.group}, {"positions_count", g.positions_count}, {"net_delta", cents(g.net_delta)},
                         {"gross_exposure", cents(g.gross_exposure)}, {"var_99", cents(g.var_99)}, {"es_975", cents(g.es_975)},
                         {"component_var", cents(g.component_var)}});
        }
        d["factors"] = std::move(f);
    }
    return d;
}

/// The risk report (--once, GET /api/risk): every node's figures, exact (not rounded).
inline nlohmann::json risk_report(const risk_snapshot& s) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : s.nodes) nodes.push_back(detail::node_json(n, detail::exact));
    return {{"scenarios", s.scenarios}, {"ticks_total", s.ticks_total}, {"nodes", std::move(nodes)}};
}

} // namespace rtrisk_live
