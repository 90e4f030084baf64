#pragma once
// What one client of /ws/risk is sent, whatever carries it (Beast's ws_session, or the Python
// service): a snapshot first, then deltas with strictly increasing seq; one write in flight and
// one publication pending (latest wins, counted as conflated); a client that skipped versions gets
// one catch-up delta from the recent publications, or a snapshot when it is too far behind; a
// resync request is answered by a snapshot with a seq above the client's (docs/protocol.md).
//
// The transport calls offer() for each publication, resync() when the client asks, written()
// when a write completed, and writes each message returned. One thread per stream.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "../http/metrics.hpp"
#include "../sources/source.hpp"
#include "publication.hpp"

namespace rtrisk_live {

/// What every stream of one server shares: the latest publication and the recent ones.
class publication_feed {
public:
    explicit publication_feed(std::string instance) : m_instance(std::move(instance)) {}
    void publish(publication_ptr p) {
        m_latest = std::move(p);
        m_recent.push(m_latest);
    }
    const publication_ptr& latest() const { return m_latest; }
    std::shared_ptr<const std::string> catch_up(std::uint64_t from) { return m_recent.catch_up(from); }
    const std::string& instance() const { return m_instance; }

private:
    std::string m_instance;
    publication_ptr m_latest;
    recent_publications m_recent;
};

/// One message to write: its text and the publication version it brings the client to (0 for a
/// heartbeat).
struct outgoing_message {
    std::shared_ptr<const std::string> text;
    std::uint64_t version = 0;
};

class client_stream {
public:
    client_stream(publication_feed& feed, metrics& m) : m_feed(feed), m_metrics(m) {}

    /// A new publication: the message to write now, or nothing (a write is in flight: kept as the
    /// pending one, an older pending one dropped).
    std::optional<outgoing_message> offer(const publication_ptr& p) {
        if (m_closed) return std::nullopt;
        if (m_writing) {
            if (m_pending) m_metrics.conflated_total++;
            m_pending = p;
            return std::nullopt;
        }
        return compose(p);
    }

    /// The client asked for a snapshot: the answer, now or after the write in flight.
    std::optional<outgoing_message> resync() {
        m_want_snapshot = true;
        ++m_resyncs;
        if (!m_feed.latest()) return std::nullopt;
        return offer(m_feed.latest());
    }

    /// The write in flight completed: the pending publication's message, if any.
    std::optional<outgoing_message> written() {
        m_writing = false;
        m_metrics.messages_sent_total++;
        if (m_out_version != 0) {
            m_version = m_out_version;
            if (m_out_snapshot && m_out_resyncs == m_resyncs) m_want_snapshot = false;
        }
        if (m_closed || !m_pending) return std::nullopt;
        auto p = std::move(m_pending);
        m_pending.reset();
        return compose(p);
    }

    /// A heartbeat to write when nothing is in flight (the transport decides when it is due).
    std::optional<outgoing_message> heartbeat(std::int64_t now) {
        if (m_closed || m_writing) return std::nullopt;
        return start({std::make_shared<const std::string>(R"({"type":"heartbeat","send_time":)" + std::to_string(now) + "}"), 0}, false);
    }

    /// No more messages: the pending one is dropped, later offers ignored.
    void close() {
        m_closed = true;
        m_pending.reset();
    }

    bool writing() const { return m_writing; }
    /// Nothing in flight and nothing pending: the client could take a publication at once.
    bool ready() const { return !m_writing && !m_pending && !m_closed; }
    std::uint64_t version() const { return m_version; }

private:
    std::optional<outgoing_message> compose(const publication_ptr& p) {
        if (p->version <= m_version) return std::nullopt; // seq is strictly increasing on a connection
        const std::string* body = nullptr;
        std::shared_ptr<const std::string> catch_up;
        if (!m_want_snapshot && m_version + 1 == p->version) {
            body = &p->delta_body;
        } else if (!m_want_snapshot && p == m_feed.latest() && (catch_up = m_feed.catch_up(m_version))) {
            body = catch_up.get(); // skipped versions: one delta carrying all of them
            m_metrics.catch_up_deltas_total++;
        }
        const bool delta = body != nullptr;
        if (!delta) body = &p->snapshot_body;
        std::string text;
        text.reserve(body->size() + 160);
        text += delta ? R"({"type":"delta","seq":)" : R"({"type":"snapshot","seq":)";
        text += std::to_string(p->version);
        if (delta) text += ",\"base\":" + std::to_string(m_version);
        else text += ",\"instance\":\"" + m_feed.instance() + "\"";
        text += ",\"event_time\":" + std::to_string(p->event_time_us) + ",\"send_time\":" + std::to_string(now_us());
        text += delta ? ",\"changes\":" : ",\"data\":";
        text += *body;
        text += "}";
        if (!delta) m_metrics.snapshots_sent_total++;
        return start({std::make_shared<const std::string>(std::move(text)), p->version}, !delta);
    }

    outgoing_message start(outgoing_message m, bool snapshot) {
        m_writing = true;
        m_out_version = m.version;
        m_out_snapshot = snapshot;
        m_out_resyncs = m_resyncs;
        return m;
    }

    publication_feed& m_feed;
    metrics& m_metrics;
    std::uint64_t m_version = 0; // version the client holds
    bool m_want_snapshot = true;
    std::uint64_t m_resyncs = 0; // resync requests so far; a snapshot answers those up to m_out_resyncs
    std::uint64_t m_out_resyncs = 0;
    bool m_out_snapshot = false;
    std::uint64_t m_out_version = 0;
    bool m_writing = false;
    bool m_closed = false;
    publication_ptr m_pending; // latest publication not yet written (conflation slot)
};

} // namespace rtrisk_live
