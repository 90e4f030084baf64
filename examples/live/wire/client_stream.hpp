#pragma once
// What one client of /ws/risk is sent, whatever carries it (Beast's ws_session, or the Python
// service): a snapshot first, then deltas with strictly increasing seq; one write in flight and
// one publication pending (latest wins, counted as conflated); a client that skipped versions gets
// one catch-up delta from the recent publications, or a snapshot when it is too far behind; a
// resync request is answered by a snapshot with a seq above the client's (docs/protocol.md).
//
// The transport calls offer() for each publication, resync() when the client asks, written()
// when a write completed, and writes each message returned. One thread per stream.
//
// Two framings (docs/protocol.md): `text`, each message a text frame stamped with its own
// send_time (permessage-deflate, if negotiated, compresses it again for each client); and
// `deflate_raw`, deltas, catch-up deltas and snapshots as binary frames of raw DEFLATE, each
// composed and compressed once for every client that is sent it (send_time is when that was
// done), heartbeats as text frames.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "../http/metrics.hpp"
#include "../sources/source.hpp"
#include "deflate_raw.hpp"
#include "framing.hpp"
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
    template <class Make>
    std::shared_ptr<const std::string> catch_up_message(std::uint64_t from, Make&& make) {
        return m_recent.catch_up_message(from, std::forward<Make>(make));
    }
    const std::string& instance() const { return m_instance; }

private:
    std::string m_instance;
    publication_ptr m_latest;
    recent_publications m_recent;
};

/// One message to write: its bytes, the publication version it brings the client to (0 for a
/// heartbeat), and whether it goes as a binary frame (raw DEFLATE) or a text frame.
struct outgoing_message {
    std::shared_ptr<const std::string> text;
    std::uint64_t version = 0;
    bool binary = false;
};

/// The text of a delta (`base` set) or a snapshot (`instance` set) of publication `p`.
inline std::string message_text(const publication& p, std::optional<std::uint64_t> base, std::string_view instance, std::int64_t send_time,
                                 const std::string& body) {
    std::string text;
    text.reserve(body.size() + 160);
    text += base ? R"({"type":"delta","seq":)" : R"({"type":"snapshot","seq":)";
    text += std::to_string(p.version);
    if (base) text += ",\"base\":" + std::to_string(*base);
    else (text += ",\"instance\":\"") += std::string(instance) + "\"";
    text += ",\"event_time\":" + std::to_string(p.event_time_us) + ",\"send_time\":" + std::to_string(send_time);
    text += base ? ",\"changes\":" : ",\"data\":";
    text += body;
    text += "}";
    return text;
}

class client_stream {
public:
    client_stream(publication_feed& feed, metrics& m, framing f = framing::text) : m_feed(feed), m_metrics(m), m_framing(f) {}

    /// The framing, chosen at the handshake (before the first message).
    void set_framing(framing f) { m_framing = f; }
    framing framing_used() const { return m_framing; }

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
        const bool shared = m_framing == framing::deflate_raw;
        auto compressed = [this](std::string text) {
            m_metrics.frames_compressed_total++;
            return deflate_raw(text);
        };
        std::shared_ptr<const std::string> text;
        bool delta = true;
        if (!m_want_snapshot && m_version + 1 == p->version) {
            if (shared) text = p->delta_frame.get([&] { return compressed(message_text(*p, m_version, {}, now_us(), p->delta_body)); });
            else text = std::make_shared<const std::string>(message_text(*p, m_version, {}, now_us(), p->delta_body));
        } else if (!m_want_snapshot && p == m_feed.latest() && m_feed.catch_up(m_version)) {
            // skipped versions: one delta carrying all of them
            auto make = [&](const std::string& body) { return message_text(*p, m_version, {}, now_us(), body); };
            if (shared) text = m_feed.catch_up_message(m_version, [&](const std::string& body) { return compressed(make(body)); });
            else text = std::make_shared<const std::string>(make(*m_feed.catch_up(m_version)));
            m_metrics.catch_up_deltas_total++;
        } else {
            delta = false;
            auto make = [&] { return message_text(*p, std::nullopt, m_feed.instance(), now_us(), p->snapshot_body); };
            if (shared) text = p->snapshot_frame.get([&] { return compressed(make()); });
            else text = std::make_shared<const std::string>(make());
            m_metrics.snapshots_sent_total++;
        }
        return start({std::move(text), p->version, shared}, !delta);
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
    framing m_framing;
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
