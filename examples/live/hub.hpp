#pragma once
// What the engine thread hands to the network thread: one immutable publication per publish
// tick, with the full snapshot body and the delta body against the previous publication
// already serialised, so fan-out to N clients costs no JSON work per client.

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

struct publication {
    std::uint64_t version = 0;       ///< strictly increasing; the wire "seq"
    std::int64_t event_time_us = 0;  ///< event time of the newest tick included
    std::string snapshot_body;       ///< JSON object: every field
    std::string delta_body;          ///< JSON object: changed fields + history_append, against version - 1
    nlohmann::json data;             ///< every field but history (to build catch-up deltas)
    std::vector<std::string> changed; ///< fields that changed against version - 1
    nlohmann::json history_point;    ///< the point this publication appended
};
using publication_ptr = std::shared_ptr<const publication>;

/// Builds publications from successive snapshots (engine thread only).
class publisher {
public:
    explicit publisher(std::size_t history_points) : m_history_points(history_points) {}

    publication_ptr next(nlohmann::json data, std::int64_t event_time_us, std::int64_t now_ms) {
        using nlohmann::json;
        const json point = json::array({now_ms, data.value("total_pnl", 0.0), data.value("var_99", 0.0)});
        m_history.push_back(point);
        if (m_history.size() > m_history_points) m_history.erase(m_history.begin());
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

/// Counters for /metrics (written by either thread, read by the HTTP handler).
struct metrics {
    std::atomic<std::uint64_t> ticks_total{0};
    std::atomic<double> ticks_per_second{0};
    std::atomic<std::uint64_t> publications_total{0};
    std::atomic<std::uint64_t> clients{0};
    std::atomic<std::uint64_t> messages_sent_total{0};
    std::atomic<std::uint64_t> snapshots_sent_total{0};
    std::atomic<std::uint64_t> conflated_total{0};
    std::atomic<std::uint64_t> catch_up_deltas_total{0};
    std::atomic<std::uint64_t> slow_disconnects_total{0};
    std::atomic<std::uint64_t> bad_messages_total{0};
    std::atomic<std::uint64_t> rejected_upgrades_total{0};
    std::atomic<std::uint64_t> tick_rejects_total{0};
    std::atomic<std::uint64_t> bad_requests_total{0};
    std::atomic<std::uint64_t> rejected_hosts_total{0};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> accept_errors_total{0};
    std::atomic<std::uint64_t> refused_connections_total{0};
    std::atomic<std::uint64_t> internal_errors_total{0};
    // Publish latency histogram (seconds to build a publication), Prometheus buckets.
    static constexpr double bounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25};
    std::atomic<std::uint64_t> publish_buckets[std::size(bounds) + 1]{};
    std::atomic<double> publish_seconds_sum{0};

    void observe_publish(double seconds) {
        std::size_t i = 0;
        while (i < std::size(bounds) && seconds > bounds[i]) ++i;
        publish_buckets[i].fetch_add(1);
        double cur = publish_seconds_sum.load();
        while (!publish_seconds_sum.compare_exchange_weak(cur, cur + seconds)) {
        }
    }

    std::string prometheus(const std::string& instance) const {
        std::string out = "# HELP rtrisk_instance_info The server instance (new at every start; also in snapshots).\n"
                          "# TYPE rtrisk_instance_info gauge\nrtrisk_instance_info{instance=\"" + instance + "\"} 1\n";
        auto line = [&](const char* name, const char* type, const char* help, double v) {
            out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
                   std::to_string(v) + "\n";
        };
        line("rtrisk_ticks_total", "counter", "Ticks applied to the risk state.", double(ticks_total));
        line("rtrisk_ticks_per_second", "gauge", "Ticks applied over the last second.", ticks_per_second);
        line("rtrisk_tick_rejects_total", "counter", "Ticks rejected (malformed line, bad price, quantity or symbol); every one counted, the log rate-limited.", double(tick_rejects_total));
        line("rtrisk_publications_total", "counter", "Snapshots published.", double(publications_total));
        line("rtrisk_clients", "gauge", "Connected WebSocket clients.", double(clients));
        line("rtrisk_messages_sent_total", "counter", "WebSocket messages written.", double(messages_sent_total));
        line("rtrisk_snapshots_sent_total", "counter", "Full snapshots written (connects, resyncs, catch-up).", double(snapshots_sent_total));
        line("rtrisk_messages_conflated_total", "counter", "Publications replaced by a newer one before a slow client took them.", double(conflated_total));
        line("rtrisk_catch_up_deltas_total", "counter", "Deltas spanning skipped versions (instead of snapshots).", double(catch_up_deltas_total));
        line("rtrisk_slow_disconnects_total", "counter", "Clients disconnected for not reading.", double(slow_disconnects_total));
        line("rtrisk_bad_messages_total", "counter", "Malformed, oversized, binary or badly framed client WebSocket messages.", double(bad_messages_total));
        line("rtrisk_bad_requests_total", "counter", "HTTP requests refused as malformed (400, 413, 414, 421, 431, 501).", double(bad_requests_total));
        line("rtrisk_rejected_hosts_total", "counter", "HTTP requests refused for a Host this server does not answer to.", double(rejected_hosts_total));
        line("rtrisk_connections", "gauge", "Open TCP connections (HTTP and WebSocket).", double(connections));
        line("rtrisk_accept_errors_total", "counter", "Failed accepts (out of file descriptors and the like).", double(accept_errors_total));
        line("rtrisk_refused_connections_total", "counter", "Connections past the limit (answered /healthz or 503, or shed).", double(refused_connections_total));
        line("rtrisk_internal_errors_total", "counter", "Exceptions caught in a handler or a publication (logged).", double(internal_errors_total));
        line("rtrisk_rejected_upgrades_total", "counter", "WebSocket upgrades refused (Origin, token, path).", double(rejected_upgrades_total));
        out += "# HELP rtrisk_publish_seconds Time to build one publication.\n# TYPE rtrisk_publish_seconds histogram\n";
        std::uint64_t cum = 0;
        for (std::size_t i = 0; i <= std::size(bounds); ++i) {
            cum += publish_buckets[i];
            const std::string le = i < std::size(bounds) ? std::to_string(bounds[i]) : "+Inf";
            out += "rtrisk_publish_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cum) + "\n";
        }
        out += "rtrisk_publish_seconds_sum " + std::to_string(publish_seconds_sum.load()) + "\n";
        out += "rtrisk_publish_seconds_count " + std::to_string(cum) + "\n";
        return out;
    }
};

} // namespace rtrisk_live
