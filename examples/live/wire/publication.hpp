#pragma once
// What the engine thread hands to the network thread: one immutable publication per publish
// tick, with the full snapshot body and the delta body against the previous publication
// already serialised, so fan-out to N clients costs no JSON work per client. The fields are
// wire/snapshot_json.hpp's encoding of a risk_snapshot; a field absent from a snapshot (a part
// refreshed at a lower rate) keeps its previous value.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <deque>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rtrisk_live {

struct risk_snapshot; // engine/risk_snapshot.hpp

struct publication {
    std::uint64_t version = 0;       ///< strictly increasing; the wire "seq"
    std::int64_t event_time_us = 0;  ///< event time of the newest tick included
    std::int64_t published_us = 0;   ///< wall-clock time of the publication (µs since the Unix epoch)
    std::string snapshot_body;       ///< JSON object: every field
    std::string delta_body;          ///< JSON object: changed fields + history_append, against version - 1
    /// Every field but history, serialised (to build catch-up deltas); a field unchanged since
    /// the previous publication shares its string.
    std::map<std::string, std::shared_ptr<const std::string>> fields;
    std::vector<std::string> changed; ///< fields that changed against version - 1
    nlohmann::json history_point;    ///< the point this publication appended
    std::string risk_body;           ///< GET /api/risk: the report of this snapshot with seq and event time
    std::shared_ptr<const risk_snapshot> snapshot; ///< the typed figures, for sinks that re-encode them
    nlohmann::json alert_events = nlohmann::json::array(); ///< limit breaches and clearings raised by this publication
};
using publication_ptr = std::shared_ptr<const publication>;

/// The changed rows of a table sent as columns (an object of equal-length arrays whose rows are
/// only ever appended, as `positions`): `{"count": rows now, "index": [changed rows, ascending],
/// COLUMN: [their values]...}` for the columns `changing`, and for every other column the values
/// of the appended rows only (rows index >= the old count, always listed). Null when `now` is no
/// such table against `before` (other columns, fewer rows, an old row's other columns changed):
/// the caller sends it whole.
inline nlohmann::json changed_rows(const nlohmann::json& before, const nlohmann::json& now, std::span<const char* const> changing) {
    using nlohmann::json;
    if (!before.is_object() || !now.is_object() || before.size() != now.size()) return nullptr;
    std::size_t old_rows = 0, rows = 0;
    for (auto it = now.begin(); it != now.end(); ++it) {
        const auto b = before.find(it.key());
        if (b == before.end() || !b->is_array() || !it->is_array()) return nullptr;
        if (it == now.begin()) old_rows = b->size(), rows = it->size();
        if (b->size() != old_rows || it->size() != rows) return nullptr;
    }
    if (rows < old_rows) return nullptr;
    for (auto it = now.begin(); it != now.end(); ++it) { // the other columns of the old rows must stand
        if (std::any_of(changing.begin(), changing.end(), [&](const char* c) { return it.key() == c; })) continue;
        const auto& b = before.at(it.key());
        if (!std::equal(b.begin(), b.end(), it->begin())) return nullptr;
    }
    std::vector<std::size_t> index;
    for (std::size_t r = 0; r < rows; ++r) {
        bool changed = r >= old_rows;
        for (const char* c : changing) changed = changed || now.at(c)[r] != before.at(c)[r];
        if (changed) index.push_back(r);
    }
    json out = {{"count", rows}, {"index", index}};
    for (auto it = now.begin(); it != now.end(); ++it) {
        const bool moving = std::any_of(changing.begin(), changing.end(), [&](const char* c) { return it.key() == c; });
        json col = json::array();
        if (moving) {
            for (const auto r : index) col.push_back((*it)[r]);
        } else {
            for (std::size_t r = old_rows; r < rows; ++r) col.push_back((*it)[r]);
        }
        out[it.key()] = std::move(col);
    }
    return out;
}

/// A JSON object from serialised fields, and one more field (`last`: serialised JSON).
inline std::string object_body(const std::map<std::string, std::shared_ptr<const std::string>>& fields, const std::string& key,
                               const std::string& last) {
    std::size_t size = last.size() + key.size() + 8;
    for (const auto& [k, v] : fields) size += k.size() + v->size() + 4;
    std::string out;
    out.reserve(size);
    out += '{';
    for (const auto& [k, v] : fields) {
        out += nlohmann::json(k).dump();
        out += ':';
        out += *v;
        out += ',';
    }
    out += nlohmann::json(key).dump();
    out += ':';
    out += last;
    out += '}';
    return out;
}

/// Builds publications from successive snapshots (engine thread only).
class publisher {
public:
    /// The columns of `positions` that change while a position is held (node, symbol and type do not).
    static constexpr std::array<const char*, 6> position_values{"quantity", "price", "market_value", "pnl", "component_var", "delta"};

    explicit publisher(std::size_t history_points) : m_history_points(history_points) {}

    /// Serialises each field once: a field absent from `data` (a part not refreshed this time)
    /// keeps its last value and string; a field is changed when its serialisation is.
    std::shared_ptr<publication> next(nlohmann::json data, std::int64_t event_time_us, std::int64_t now_us) {
        using nlohmann::json;
        const std::int64_t now_ms = now_us / 1000;
        const json point = json::array({now_ms, data.contains("total_pnl") ? data["total_pnl"] : m_values.value("total_pnl", json(0.0)),
                                        data.contains("var_99") ? data["var_99"] : m_values.value("var_99", json(0.0))});
        m_history.push_back(point);
        if (m_history.size() > m_history_points) m_history.erase(m_history.begin());
        auto p = std::make_shared<publication>();
        std::string delta = "{";
        for (auto it = data.begin(); it != data.end(); ++it) {
            const std::string& key = it.key();
            auto dumped = std::make_shared<const std::string>(it->dump());
            auto& held = m_fields[key];
            if (!held || *held != *dumped) {
                p->changed.push_back(key); // a catch-up delta sends the field whole
                json rows;
                if (key == "positions" && m_values.contains(key)) rows = changed_rows(m_values[key], *it, position_values); // docs/protocol.md
                delta += rows.is_null() ? json(key).dump() + ":" + *dumped : "\"positions_rows\":" + rows.dump();
                delta += ',';
                held = std::move(dumped);
            }
            m_values[key] = std::move(*it);
        }
        delta += "\"history_append\":[" + point.dump() + "]}";
        p->delta_body = std::move(delta);
        p->history_point = point;
        p->version = ++m_version;
        p->event_time_us = event_time_us;
        p->published_us = now_us;
        p->fields = m_fields;
        p->snapshot_body = object_body(m_fields, "history", m_history.dump());
        return p;
    }

private:
    std::size_t m_history_points;
    std::uint64_t m_version = 0;
    nlohmann::json m_values = nlohmann::json::object(); ///< the last value of every field
    std::map<std::string, std::shared_ptr<const std::string>> m_fields;
    nlohmann::json m_history = nlohmann::json::array();
};

/// The last few publications (network thread only), to bring a client that skipped versions
/// up to date with one delta instead of a snapshot: the fields changed in any skipped version,
/// with their latest values, and every skipped history point. Bodies are cached per starting
/// version, so clients that fell behind together share one string.
class recent_publications {
public:
    static constexpr std::size_t depth = 32; // 3.2 s at 10 Hz; further behind gets a snapshot

    void push(const publication_ptr& p) {
        m_ring.push_back(p);
        if (m_ring.size() > depth) m_ring.pop_front();
        m_cache.clear();
    }
    /// Delta body from `from` to the newest publication, or null when `from` is too old.
    std::shared_ptr<const std::string> catch_up(std::uint64_t from) {
        if (m_ring.empty() || from + 1 < m_ring.front()->version || from >= m_ring.back()->version) return nullptr;
        if (auto it = m_cache.find(from); it != m_cache.end()) return it->second;
        const auto& latest = *m_ring.back();
        std::set<std::string> keys;
        nlohmann::json history = nlohmann::json::array();
        for (const auto& p : m_ring) {
            if (p->version <= from) continue;
            keys.insert(p->changed.begin(), p->changed.end());
            history.push_back(p->history_point);
        }
        std::map<std::string, std::shared_ptr<const std::string>> changed;
        for (const auto& k : keys) changed.emplace(k, latest.fields.at(k));
        auto body = std::make_shared<const std::string>(object_body(changed, "history_append", history.dump()));
        m_cache.emplace(from, body);
        return body;
    }

private:
    std::deque<publication_ptr> m_ring;
    std::map<std::uint64_t, std::shared_ptr<const std::string>> m_cache;
};

} // namespace rtrisk_live
