#pragma once
// Risk limits per node (docs/limits.md): a limits file (CSV or JSON Lines: node, measure, limit),
// the utilisation of each limit in every publication, and breach / cleared events with
// hysteresis, so a figure hovering at its limit does not flap.
//
//   utilisation = |figure| / limit   (VaR 99 and ES 97.5 are positive losses; net delta and vega
//                                     are signed, their limits bound the absolute value)
//   breach   when utilisation >  1                  (the figure is above its limit)
//   cleared  when utilisation <  clear_ratio (0.95)  after a breach, or when the limit is removed

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "book_files.hpp"
#include "risk_snapshot.hpp"

namespace rtrisk_live {

enum class limit_measure { var_99, es_975, gross_exposure, net_delta, vega };
inline constexpr std::array<std::string_view, 5> limit_measure_names{"var_99", "es_975", "gross_exposure", "net_delta", "vega"};

inline std::string_view to_string(limit_measure m) { return limit_measure_names[static_cast<std::size_t>(m)]; }
inline std::optional<limit_measure> parse_limit_measure(std::string_view s) {
    for (std::size_t i = 0; i < limit_measure_names.size(); ++i) {
        if (limit_measure_names[i] == s) return static_cast<limit_measure>(i);
    }
    return std::nullopt;
}

/// The figure a limit bounds, as a non-negative number: |net delta| and |vega|.
inline double limit_figure(double var_99, double es_975, double gross_exposure, double net_delta, double vega, limit_measure m) {
    switch (m) {
    case limit_measure::var_99: return var_99;
    case limit_measure::es_975: return es_975;
    case limit_measure::gross_exposure: return gross_exposure;
    case limit_measure::net_delta: return std::abs(net_delta);
    case limit_measure::vega: return std::abs(vega);
    }
    return 0;
}
inline double limit_figure(const node_risk& n, limit_measure m) { return limit_figure(n.var_99, n.es_975, n.gross_exposure, n.net_delta, n.vega, m); }

/// One limit: `limit` (currency, in (0, 1e15]) on `measure` of the node at `node` (its subtree).
struct node_limit {
    std::string node;
    limit_measure measure = limit_measure::var_99;
    double limit = 0;
    bool operator==(const node_limit&) const = default;
};

/// A bad limit; the message names the file and line, or the JSON field.
class limits_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {
inline void check_limits(const std::vector<node_limit>& limits, const std::vector<std::string>& where) {
    std::map<std::pair<std::string, limit_measure>, std::size_t> seen;
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& l = limits[i];
        if (const auto [it, fresh] = seen.emplace(std::pair{l.node, l.measure}, i); !fresh) {
            throw limits_error(where[i] + ": a second " + std::string(to_string(l.measure)) + " limit for node '" + printable(l.node) + "' (first at " +
                               where[it->second] + ")");
        }
    }
}
inline node_limit make_limit(const std::string& where, const std::string* node, const std::string* measure, std::optional<double> limit,
                             const std::string& limit_text) {
    if (!node) throw limits_error(where + ": field 'node' is missing");
    if (node->empty() || node->size() > 1024 || node->front() == '/' || node->back() == '/' || node->find("//") != std::string::npos ||
        node->front() == ' ' || node->back() == ' ' || node->front() == '\t' || node->back() == '\t') {
        throw limits_error(where + ": field 'node': '" + printable(*node) + "' is not a node path");
    }
    for (const char c : *node) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) throw limits_error(where + ": field 'node': '" + printable(*node) + "' holds a control character");
    }
    if (!measure) throw limits_error(where + ": field 'measure' is missing");
    const auto m = parse_limit_measure(*measure);
    if (!m) throw limits_error(where + ": field 'measure': '" + printable(*measure) + "' is not one of var_99, es_975, gross_exposure, net_delta, vega");
    if (!limit || !(*limit > 0 && *limit <= 1e15)) throw limits_error(where + ": field 'limit': '" + printable(limit_text) + "' is not a number in (0, 1e15]");
    return {*node, *m, *limit};
}
} // namespace detail

/// Parses a limits file's text (CSV with the header node,measure,limit, or JSON Lines with
/// those fields); `path` names it in errors. Throws limits_error naming FILE:LINE and field.
inline std::vector<node_limit> parse_limits(const std::string& text, const std::string& path) {
    std::istringstream in(text);
    std::vector<detail::record> records;
    try {
        records = detail::read_records(in, path, {"node", "measure", "limit"});
    } catch (const book_error& e) {
        if (std::string_view(e.what()).ends_with(": empty file")) return {}; // no limits
        throw limits_error(e.what());
    }
    std::vector<node_limit> out;
    std::vector<std::string> where;
    for (const auto& r : records) {
        const auto* text_limit = r.get("limit");
        const auto v = text_limit ? rtrisk_examples::parse_number<double>(*text_limit) : std::nullopt;
        out.push_back(detail::make_limit(r.where, r.get("node"), r.get("measure"), v, text_limit ? *text_limit : std::string()));
        where.push_back(r.where);
    }
    detail::check_limits(out, where);
    return out;
}

/// Reads and parses a limits file; a file that does not exist holds no limits (it is created
/// when limits are saved).
inline std::vector<node_limit> load_limits(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) return {};
        throw limits_error("cannot open '" + path + "'");
    }
    std::ostringstream s;
    s << in.rdbuf();
    if (s.str().size() > (16u << 20)) throw limits_error(path + ": larger than 16 MiB");
    return parse_limits(s.str(), path);
}

/// The limits as a CSV file's text (what load_limits reads back).
inline std::string limits_csv(const std::vector<node_limit>& limits) {
    std::string out = "node,measure,limit\n";
    for (const auto& l : limits) {
        std::string node = l.node;
        if (node.find_first_of(",\" ") != std::string::npos) {
            std::string q = "\"";
            for (const char c : node) q += c == '"' ? std::string("\"\"") : std::string(1, c);
            node = q + "\"";
        }
        out += node + "," + std::string(to_string(l.measure)) + "," + nlohmann::json(l.limit).dump() + "\n";
    }
    return out;
}

/// Limits from JSON ({"limits": [{"node": ..., "measure": ..., "limit": ...}, ...]}), as
/// PUT /api/limits sends them; throws limits_error naming the field (`limits[2].limit`).
inline std::vector<node_limit> limits_from_json(const nlohmann::json& body) {
    if (!body.is_object() || !body.contains("limits") || !body["limits"].is_array()) throw limits_error("limits: an array is required");
    const auto& a = body["limits"];
    if (a.size() > 100000) throw limits_error("limits: more than 100000 limits");
    std::vector<node_limit> out;
    std::vector<std::string> where;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string at = "limits[" + std::to_string(i) + "]";
        const auto& e = a[i];
        if (!e.is_object()) throw limits_error(at + ": an object is required");
        for (const auto& [k, v] : e.items()) {
            if (k != "node" && k != "measure" && k != "limit") throw limits_error(at + ": unknown field '" + detail::printable(k) + "'");
        }
        const auto str = [&](const char* k) -> std::optional<std::string> {
            if (!e.contains(k)) return std::nullopt;
            if (!e[k].is_string()) throw limits_error(at + "." + k + ": a string is required");
            return e[k].get<std::string>();
        };
        const auto node = str("node"), measure = str("measure");
        std::optional<double> v;
        std::string text;
        if (e.contains("limit")) {
            if (!e["limit"].is_number()) throw limits_error(at + ".limit: a number is required");
            v = e["limit"].get<double>();
            text = e["limit"].dump();
        }
        try {
            out.push_back(detail::make_limit(at, node ? &*node : nullptr, measure ? &*measure : nullptr, v, text));
        } catch (const limits_error& err) { // "limits[2]: field 'limit': ..." -> "limits[2].limit: ..."
            std::string m = err.what();
            const auto f = m.find(": field '");
            if (f != std::string::npos) {
                const auto end = m.find('\'', f + 9);
                m = m.substr(0, f) + "." + m.substr(f + 9, end - f - 9) + m.substr(end + 1);
            }
            throw limits_error(m);
        }
        where.push_back(at);
    }
    detail::check_limits(out, where);
    return out;
}

inline nlohmann::json limits_json(const std::vector<node_limit>& limits) {
    auto a = nlohmann::json::array();
    for (const auto& l : limits) a.push_back({{"node", l.node}, {"measure", to_string(l.measure)}, {"limit", l.limit}});
    return {{"limits", std::move(a)}};
}

/// A limit in a publication: the figure now, its utilisation, whether it is in breach.
struct limit_status {
    node_limit limit;
    bool present = false; ///< the node exists in the book
    double value = 0, utilisation = 0;
    bool breached = false;
};

/// A breach or its clearing.
struct limit_event {
    std::int64_t time_ms = 0;
    std::string node;
    limit_measure measure = limit_measure::var_99;
    double value = 0, limit = 0;
    bool breach = true; ///< false: cleared
};

/// Watches the limits over successive snapshots (one thread). Hysteresis: a limit is breached
/// when its utilisation goes above 1 and stays so until it falls below clear_ratio.
class limit_monitor {
public:
    static constexpr double clear_ratio = 0.95;
    static constexpr std::size_t events_kept = 100;

    /// New limits: a limit that stays (same node and measure) keeps its state; a removed limit
    /// in breach ends with a "cleared" event at `time_ms`.
    std::vector<limit_event> set(std::vector<node_limit> limits, std::int64_t time_ms) {
        std::vector<limit_status> next;
        std::vector<limit_event> events;
        for (auto& l : limits) {
            limit_status s;
            s.limit = std::move(l);
            for (const auto& old : m_status) {
                if (old.limit.node == s.limit.node && old.limit.measure == s.limit.measure) {
                    s.breached = old.breached;
                    s.value = old.value;
                    s.present = old.present;
                    s.utilisation = s.value / s.limit.limit;
                }
            }
            next.push_back(std::move(s));
        }
        for (const auto& old : m_status) {
            const bool kept = std::any_of(next.begin(), next.end(), [&](const limit_status& s) { return s.limit.node == old.limit.node && s.limit.measure == old.limit.measure; });
            if (!kept && old.breached) events.push_back({time_ms, old.limit.node, old.limit.measure, old.value, old.limit.limit, false});
        }
        m_status = std::move(next);
        remember(events);
        return events;
    }

    /// The utilisations at `snap`; returns the events it raises. A node absent from the book
    /// has no figure: its limits neither breach nor clear.
    std::vector<limit_event> update(const risk_snapshot& snap, std::int64_t time_ms) {
        std::vector<limit_event> events;
        if (m_status.empty()) return events;
        std::unordered_map<std::string_view, const node_risk*> by_path;
        for (const auto& n : snap.nodes) by_path.emplace(n.path, &n);
        for (auto& s : m_status) {
            const auto it = by_path.find(s.limit.node);
            s.present = it != by_path.end();
            if (!s.present) continue;
            s.value = limit_figure(*it->second, s.limit.measure);
            s.utilisation = s.value / s.limit.limit;
            if (!s.breached && s.utilisation > 1) {
                s.breached = true;
                events.push_back({time_ms, s.limit.node, s.limit.measure, s.value, s.limit.limit, true});
            } else if (s.breached && s.utilisation < clear_ratio) {
                s.breached = false;
                events.push_back({time_ms, s.limit.node, s.limit.measure, s.value, s.limit.limit, false});
            }
        }
        remember(events);
        return events;
    }

    const std::vector<limit_status>& status() const { return m_status; }
    std::vector<node_limit> limits() const {
        std::vector<node_limit> out;
        for (const auto& s : m_status) out.push_back(s.limit);
        return out;
    }
    /// The events raised since the last call, oldest first.
    std::vector<limit_event> take_new() { return std::exchange(m_new, {}); }
    /// The last events_kept events, oldest first.
    const std::vector<limit_event>& recent_events() const { return m_events; }
    std::size_t breached() const { return static_cast<std::size_t>(std::count_if(m_status.begin(), m_status.end(), [](const limit_status& s) { return s.breached; })); }

private:
    void remember(const std::vector<limit_event>& events) {
        m_new.insert(m_new.end(), events.begin(), events.end());
        m_events.insert(m_events.end(), events.begin(), events.end());
        if (m_events.size() > events_kept) m_events.erase(m_events.begin(), m_events.end() - static_cast<std::ptrdiff_t>(events_kept));
    }
    std::vector<limit_status> m_status;
    std::vector<limit_event> m_events;
    std::vector<limit_event> m_new;
};

inline nlohmann::json limit_event_json(const limit_event& e) {
    return {{"time_ms", e.time_ms}, {"node", e.node}, {"measure", to_string(e.measure)}, {"value", std::round(e.value * 100) / 100},
            {"limit", e.limit}, {"event", e.breach ? "breach" : "cleared"}};
}

/// The wire fields of the limits: `limits` (every limit's figure, utilisation and state) and
/// `alerts` (the last 100 events, oldest first).
inline void add_limits_wire(nlohmann::json& data, const limit_monitor& m) {
    auto limits = nlohmann::json::array();
    for (const auto& s : m.status()) {
        limits.push_back({{"node", s.limit.node}, {"measure", to_string(s.limit.measure)}, {"limit", s.limit.limit},
                          {"value", s.present ? nlohmann::json(std::round(s.value * 100) / 100) : nlohmann::json(nullptr)},
                          {"utilisation", s.present ? nlohmann::json(std::round(s.utilisation * 1e4) / 1e4) : nlohmann::json(nullptr)},
                          {"breached", s.breached}});
    }
    auto alerts = nlohmann::json::array();
    for (const auto& e : m.recent_events()) alerts.push_back(limit_event_json(e));
    data["limits"] = std::move(limits);
    data["alerts"] = std::move(alerts);
}

} // namespace rtrisk_live
