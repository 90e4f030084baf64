#pragma once
// What the engine thread hands to the network thread: one immutable publication per publish
// tick, with the full snapshot body and the delta body against the previous publication
// already serialised, so fan-out to N clients costs no JSON work per client. The fields are
// wire/snapshot_json.hpp's encoding of a risk_snapshot; a field absent from a snapshot (a part
// refreshed at a lower rate) keeps its previous value.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "position_columns.hpp"

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
    /// GET /api/risk: the report of this snapshot with seq and event time, encoded on first use
    /// (from any thread), so publications nobody asks for cost nothing.
    struct lazy_text {
        std::function<std::string()> make;
        const std::string& get() const {
            std::call_once(m_once, [this] { m_text = make ? make() : std::string(); });
            return m_text;
        }

    private:
        mutable std::once_flag m_once;
        mutable std::string m_text;
    } risk_body;
    /// A message built once for every client that is sent it, on first use (from any thread).
    class shared_message {
    public:
        template <class Make>
        const std::shared_ptr<const std::string>& get(Make&& make) const {
            std::call_once(m_once, [&] { m_text = std::make_shared<const std::string>(make()); });
            return m_text;
        }

    private:
        mutable std::once_flag m_once;
        mutable std::shared_ptr<const std::string> m_text;
    };
    /// The delta against version - 1 and the snapshot, compressed (wire/client_stream.hpp, frames
    /// deflate_raw): one compression per publication whatever the number of clients.
    shared_message delta_frame, snapshot_frame;
    std::shared_ptr<const risk_snapshot> snapshot; ///< the typed figures, for sinks that re-encode them
    nlohmann::json alert_events = nlohmann::json::array(); ///< limit breaches and clearings raised by this publication
};
using publication_ptr = std::shared_ptr<const publication>;

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
    explicit publisher(std::size_t history_points) : m_history_points(history_points) {}

    /// Serialises each field once: a field absent from `data` (a part not refreshed this time)
    /// keeps its last value and string; a field is changed when its serialisation is. Fields in
    /// `encoded` come serialised already (key, JSON text). The positions, when refreshed, come
    /// typed: a delta carries the rows that changed.
    std::shared_ptr<publication> next(nlohmann::json data, std::int64_t event_time_us, std::int64_t now_us,
                                      std::optional<position_columns> positions = std::nullopt,
                                      std::vector<std::pair<std::string, std::string>> encoded = {}) {
        using nlohmann::json;
        const std::int64_t now_ms = now_us / 1000;
        if (data.contains("total_pnl")) m_total_pnl = data["total_pnl"];
        if (data.contains("var_99")) m_var_99 = data["var_99"];
        const json point = json::array({now_ms, m_total_pnl, m_var_99});
        m_history.push_back(point);
        if (m_history.size() > m_history_points) m_history.erase(m_history.begin());
        auto p = std::make_shared<publication>();
        std::string delta = "{";
        for (auto it = data.begin(); it != data.end(); ++it) encoded.emplace_back(it.key(), it->dump());
        for (auto& [key, text] : encoded) {
            auto dumped = std::make_shared<const std::string>(std::move(text));
            auto& held = m_fields[key];
            if (!held || *held != *dumped) {
                p->changed.push_back(key); // a catch-up delta sends the field whole
                delta += json(key).dump() + ":" + *dumped + ",";
                held = std::move(dumped);
            }
        }
        if (positions) {
            auto dumped = std::make_shared<const std::string>(columns_json(*positions));
            auto& held = m_fields["positions"];
            if (!held || *held != *dumped) {
                p->changed.push_back("positions");
                const auto rows = m_positions ? changed_rows_json(*m_positions, *positions) : std::nullopt; // docs/protocol.md
                delta += rows ? "\"positions_rows\":" + *rows + "," : "\"positions\":" + *dumped + ",";
                held = std::move(dumped);
            }
            m_positions = std::move(positions);
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
    nlohmann::json m_total_pnl = 0.0, m_var_99 = 0.0; ///< the last values, for the history points
    std::optional<position_columns> m_positions;      ///< the last positions
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
        return catch_up_entry(from) ? m_cache[from].body : nullptr;
    }
    /// The catch-up message from `from`, made by `make(body)` once per starting version and
    /// publication (shared by every client that fell behind from there), or null.
    template <class Make>
    std::shared_ptr<const std::string> catch_up_message(std::uint64_t from, Make&& make) {
        if (!catch_up_entry(from)) return nullptr;
        auto& e = m_cache[from];
        if (!e.message) e.message = std::make_shared<const std::string>(make(*e.body));
        return e.message;
    }

private:
    bool catch_up_entry(std::uint64_t from) {
        if (m_ring.empty() || from + 1 < m_ring.front()->version || from >= m_ring.back()->version) return false;
        if (m_cache.count(from)) return true;
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
        m_cache[from].body = std::make_shared<const std::string>(object_body(changed, "history_append", history.dump()));
        return true;
    }

    struct catch_up_texts {
        std::shared_ptr<const std::string> body, message;
    };
    std::deque<publication_ptr> m_ring;
    std::map<std::uint64_t, catch_up_texts> m_cache;
};

} // namespace rtrisk_live
