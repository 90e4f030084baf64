#pragma once
// The JSON of POST /api/whatif (docs/protocol.md, "What-if"; schemas what_if_request and
// what_if_response in docs/protocol.schema.json):
//   {"trades": [{"node": "FIRM/Equities/EU/alice", "symbol": "DAX", "quantity": 10, "price": 15000}]}
//   -> {"nodes": [{"path", "var_99_before", "var_99_after", "es_975_before", "es_975_after", ...,
//                  "breaches": [{"measure", "limit", "value", "utilisation"}]}, ...]}
// Figures are exact (not rounded), as in /api/risk.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../engine/engine.hpp"
#include "../engine/limits.hpp"
#include "../sources/tick_line.hpp"

namespace rtrisk_live {

/// A request that cannot be answered; the message names the field (`trades[0].quantity`).
class bad_what_if : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Parses a what-if request body; throws bad_what_if.
inline std::vector<what_if_trade> parse_what_if_request(std::string_view body) {
    nlohmann::json j;
    try {
        j = detail::parse_json(body, 4, "request body");
    } catch (const std::invalid_argument& e) {
        throw bad_what_if(e.what());
    }
    if (!j.is_object()) throw bad_what_if("request body: a JSON object is required");
    for (const auto& [k, v] : j.items()) {
        if (k != "trades") throw bad_what_if("unknown field '" + detail::excerpt(k) + "'");
    }
    if (!j.contains("trades") || !j["trades"].is_array()) throw bad_what_if("trades: an array is required");
    const auto& a = j["trades"];
    if (a.empty()) throw bad_what_if("trades: at least one trade is required");
    if (a.size() > engine::max_what_if_trades) throw bad_what_if("trades: more than " + std::to_string(engine::max_what_if_trades) + " trades");
    std::vector<what_if_trade> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string at = "trades[" + std::to_string(i) + "]";
        const auto& e = a[i];
        if (!e.is_object()) throw bad_what_if(at + ": an object is required");
        what_if_trade t;
        for (const auto& [k, v] : e.items()) {
            if (k == "node" || k == "symbol") {
                if (!v.is_string()) throw bad_what_if(at + "." + k + ": a string is required");
                (k == "node" ? t.node : t.symbol) = v.get<std::string>();
            } else if (k == "quantity" || k == "price") {
                if (!v.is_number()) throw bad_what_if(at + "." + k + ": a number is required");
                if (k == "quantity") t.quantity = v.get<double>();
                else t.price = v.get<double>();
            } else {
                throw bad_what_if(at + ": unknown field '" + detail::excerpt(k) + "'");
            }
        }
        if (!e.contains("node")) throw bad_what_if(at + ".node: required");
        if (!e.contains("symbol")) throw bad_what_if(at + ".symbol: required");
        if (!e.contains("quantity")) throw bad_what_if(at + ".quantity: required");
        out.push_back(std::move(t));
    }
    return out;
}

/// The answer: every node touched, deepest first, with the limits its figures after the trades
/// would breach (utilisation above 1).
inline nlohmann::json what_if_json(const std::vector<what_if_node>& nodes, const std::vector<node_limit>& limits) {
    auto out = nlohmann::json::array();
    for (const auto& n : nodes) {
        auto breaches = nlohmann::json::array();
        for (const auto& l : limits) {
            if (l.node != n.path) continue;
            const double before = limit_figure(n.var_99_before, n.es_975_before, n.gross_exposure_before, n.net_delta_before, n.vega_before, l.measure);
            const double after = limit_figure(n.var_99_after, n.es_975_after, n.gross_exposure_after, n.net_delta_after, n.vega_after, l.measure);
            if (after > l.limit) {
                breaches.push_back({{"measure", to_string(l.measure)}, {"limit", l.limit}, {"value_before", before}, {"value", after},
                                    {"utilisation", after / l.limit}, {"breached_before", before > l.limit}});
            }
        }
        out.push_back({{"path", n.path},
                       {"exists", n.exists},
                       {"var_99_before", n.var_99_before},
                       {"var_99_after", n.var_99_after},
                       {"es_975_before", n.es_975_before},
                       {"es_975_after", n.es_975_after},
                       {"gross_exposure_before", n.gross_exposure_before},
                       {"gross_exposure_after", n.gross_exposure_after},
                       {"net_delta_before", n.net_delta_before},
                       {"net_delta_after", n.net_delta_after},
                       {"vega_before", n.vega_before},
                       {"vega_after", n.vega_after},
                       {"pnl_before", n.pnl_before},
                       {"pnl_after", n.pnl_after},
                       {"breaches", std::move(breaches)}});
    }
    return {{"nodes", std::move(out)}};
}

} // namespace rtrisk_live
