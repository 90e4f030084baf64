#pragma once
// What the engine thread hands to the network thread: one immutable publication per publish
// tick, with the full snapshot body and the delta body against the previous publication
// already serialised, so fan-out to N clients costs no JSON work per client. The fields are
// wire/snapshot_json.hpp's encoding of a risk_snapshot; a field absent from a snapshot (a part
// refreshed at a lower rate) keeps its previous value.

#include <atomic>
#include <cstdint>
#include <memory>
#include <deque>
#include <map>
#include <set>
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
    nlohmann::json data;             ///< every field but history (to build catch-up deltas)
    std::vector<std::string> changed; ///< fields that changed against version - 1
    nlohmann::json history_point;    ///< the point this publication appended
    std::string risk_body;           ///< GET /api/risk: the report of this snapshot with seq and event time
    std::shared_ptr<const risk_snapshot> snapshot; ///< the typed figures, for sinks that re-encode them
    nlohmann::json alert_events = nlohmann::json::array(); ///< limit breaches and clearings raised by this publication
};
using publication_ptr = std::shared_ptr<const publication>;

/// Builds publications from successive snapshots (engine thread only).
class publisher {
public:
    explicit publisher(std::size_t history_points) : m_history_points(history_points) {}

    std::shared_ptr<publication> next(nlohmann::json data, std::int64_t event_time_us, std::int64_t now_us) {
        using nlohmann::json;
        const std::int64_t now_ms = now_us / 1000;
        const json point = json::array({now_ms, data.value("total_pnl", 0.0), data.value("var_99", 0.0)});
        m_history.push_back(point);
        if (m_history.size() > m_history_points) m_history.erase(m_history.begin());
        for (auto it = m_last.begin(); it != m_last.end(); ++it) {
            if (!data.contains(it.key())) data[it.key()] = it.value(); // a part not refreshed this time
        }
        json changes = json::object();
        auto p = std::make_shared<publication>();
        for (auto it = data.begin(); it != data.end(); ++it) {
            if (!m_last.contains(it.key()) || m_last[it.key()] != it.value()) {
                changes[it.key()] = it.value();
                p->changed.push_back(it.key());
            }
        }
        changes["history_append"] = json::array({point});
        p->history_point = point;
        p->version = ++m_version;
        p->event_time_us = event_time_us;
        p->published_us = now_us;
        p->delta_body = changes.dump();
        m_last = std::move(data);
        json full = m_last;
        full["history"] = m_history;
        p->snapshot_body = full.dump();
        p->data = m_last;
        return p;
    }

private:
    std::size_t m_history_points;
    std::uint64_t m_version = 0;
    nlohmann::json m_last = nlohmann::json::object();
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
        nlohmann::json changes = nlohmann::json::object();
        for (const auto& k : keys) changes[k] = latest.data.at(k);
        changes["history_append"] = std::move(history);
        auto body = std::make_shared<const std::string>(changes.dump());
        m_cache.emplace(from, body);
        return body;
    }

private:
    std::deque<publication_ptr> m_ring;
    std::map<std::uint64_t, std::shared_ptr<const std::string>> m_cache;
};

} // namespace rtrisk_live
