#pragma once
// The WebSocket sink: websocket_fanout holds the sessions of one io thread and hands each
// publication to every one; ws_session is one client of /ws/risk (docs/protocol.md): snapshot on
// connect, then deltas, a bounded queue with latest-wins conflation, catch-up deltas or a snapshot
// for a client that fell behind, pings with nonces and pong-proven reading, slow and dead clients
// closed. websocket_sink posts each publication to every io thread's fan-out.

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <memory>
#include <string>
#include <vector>

#include "../app/server_context.hpp"
#include "../wire/client_message.hpp"
#include "../wire/client_stream.hpp"
#include "../wire/publication.hpp"
#include "sink.hpp"

namespace rtrisk_live {

class websocket_fanout;

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
    ws_session(tcp::socket socket, websocket_fanout& h, server_context& ctx, connection_slot slot);

    void run(http::request<http::string_body> req);
    void offer(const publication_ptr& p);
    void tick_timers(steady::time_point now);
    std::size_t hub_index = 0; ///< place in its fan-out's list (websocket_fanout only)

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t);
    void write(std::optional<outgoing_message> m);
    void on_write(beast::error_code ec, std::size_t);
    void close_with(std::uint16_t code, const char* reason);
    void drop_slow(const char* why);
    void end();
    void leave();
    std::uint64_t bytes_queued() const { return m_bytes_written + (m_out ? m_out->size() : 0); }
    std::uint64_t bytes_unread() const { return bytes_queued() - std::min(bytes_queued(), m_bytes_read_by_client); }

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    websocket_fanout& m_hub;
    server_context& m_ctx;
    connection_slot m_slot;
    client_stream m_stream;
    bool m_closing = false;
    bool m_joined = false;
    std::shared_ptr<const std::string> m_out;
    steady::time_point m_write_started{};
    steady::time_point m_last_sent = steady::now();
    // Reading is proven by pongs: each ping carries an unguessable nonce and the bytes whose
    // writes had completed before it; only an exact echo counts, and it can come back only after
    // the client has read those bytes (docs/protocol.md, slow clients).
    std::uint64_t m_bytes_written = 0;
    std::uint64_t m_bytes_read_by_client = 0;
    std::string m_ping_payload;
    std::uint64_t m_ping_bytes = 0;
    bool m_ping_outstanding = false;
    bool m_pinging = false;
    steady::time_point m_ping_sent = steady::now();
};

class websocket_fanout {
public:
    websocket_fanout(metrics& m, std::string instance, std::atomic<bool>& ready) : client_ready(ready), m_metrics(m), m_feed(std::move(instance)) {}
    /// Low-latency mode: set by the network thread when a client has nothing in flight, read by
    /// the engine thread to publish at once instead of waiting for the next fixed-rate slot.
    std::atomic<bool>& client_ready;
    void join(const std::shared_ptr<ws_session>& s) {
        s->hub_index = m_sessions.size();
        m_sessions.push_back(s);
        m_metrics.clients++;
    }
    void leave(const std::shared_ptr<ws_session>& s) {
        const std::size_t i = s->hub_index;
        if (i >= m_sessions.size() || m_sessions[i] != s) return;
        m_sessions[i] = std::move(m_sessions.back());
        m_sessions[i]->hub_index = i;
        m_sessions.pop_back();
        m_metrics.clients--;
    }
    void publish(publication_ptr p) {
        m_feed.publish(std::move(p));
        for (const auto& s : std::vector<std::shared_ptr<ws_session>>(m_sessions)) s->offer(m_feed.latest());
    }
    /// At exit, with the io threads stopped: lets go of every session while its io_context is alive
    /// (a session with handlers pending goes with them, when the io_context is destroyed).
    void clear() {
        m_metrics.clients -= m_sessions.size();
        m_sessions.clear();
    }
    const publication_ptr& latest() const { return m_feed.latest(); }
    publication_feed& feed() { return m_feed; }
    metrics& stats() { return m_metrics; }
    void tick_timers() {
        const auto now = steady::now();
        for (const auto& s : std::vector<std::shared_ptr<ws_session>>(m_sessions)) s->tick_timers(now);
    }

private:
    metrics& m_metrics;
    std::vector<std::shared_ptr<ws_session>> m_sessions;
    publication_feed m_feed;
};

inline ws_session::ws_session(tcp::socket socket, websocket_fanout& h, server_context& ctx, connection_slot slot)
    : m_ws(std::move(socket)), m_hub(h), m_ctx(ctx), m_slot(std::move(slot)), m_stream(h.feed(), h.stats()) {}

inline void ws_session::run(http::request<http::string_body> req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none(); // liveness is checked with our own pings
    t.keep_alive_pings = false;
    m_ws.set_option(t);
    // A client asking for rtrisk.deflate-raw gets frames compressed once for all clients, and no
    // permessage-deflate on top; others get text frames, deflated per connection if negotiated.
    std::string protocols;
    for (auto [it, end] = req.equal_range(http::field::sec_websocket_protocol); it != end; ++it) (protocols += sv(it->value())) += ',';
    const framing f = requested_framing(protocols);
    m_stream.set_framing(f);
    websocket::permessage_deflate pmd;
    pmd.server_enable = m_ctx.cfg.deflate && f == framing::text;
    pmd.compLevel = 1; // fastest: permessage-deflate compresses the same delta once per client
    m_ws.set_option(pmd);
    m_ws.read_message_max(m_ctx.cfg.max_message);
    m_ws.set_option(websocket::stream_base::decorator([shared = f == framing::deflate_raw](websocket::response_type& res) {
        res.set(http::field::server, "rtrisk");
        if (shared) res.set(http::field::sec_websocket_protocol, beast::string_view(deflate_raw_subprotocol.data(), deflate_raw_subprotocol.size()));
    }));
    // Called only inside the read operation, whose handler holds a shared_ptr to this session.
    m_ws.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
        if (kind != websocket::frame_type::pong || !m_ping_outstanding || sv(payload) != m_ping_payload) return;
        m_bytes_read_by_client = std::max(m_bytes_read_by_client, m_ping_bytes);
        m_ping_outstanding = false;
    });
    if (m_ctx.cfg.sndbuf > 0) {
        beast::error_code ignored;
        beast::get_lowest_layer(m_ws).socket().set_option(net::socket_base::send_buffer_size(m_ctx.cfg.sndbuf), ignored);
    }
    m_ws.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

inline void ws_session::on_accept(beast::error_code ec) {
    if (ec) {
        m_ctx.m.bad_requests_total++; // a malformed upgrade (key, version) or a timeout
        return;
    }
    m_joined = true;
    m_hub.join(shared_from_this());
    if (m_hub.latest()) write(m_stream.offer(m_hub.latest()));
    else m_hub.client_ready.store(true, std::memory_order_relaxed);
    do_read();
}

inline void ws_session::do_read() {
    m_ws.async_read(m_buffer, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

inline void ws_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        // Beast answers these itself (1009 too big, 1002 protocol error, 1007 bad UTF-8).
        if (ec == websocket::error::message_too_big || ec == websocket::condition::protocol_violation) {
            m_ctx.m.bad_messages_total++;
            m_ctx.log.write("client sent a bad WebSocket frame: " + ec.message());
        }
        // Closed, reset, half-closed or refused: the connection is over even if a write is
        // still blocked on it.
        end();
        return;
    }
    if (m_closing) return; // a close is under way: Beast reads until the client's close frame
    if (m_ws.got_binary()) {
        m_ctx.m.bad_messages_total++;
        m_buffer.consume(m_buffer.size());
        close_with(close_unsupported_data, "binary messages are not accepted");
        return;
    }
    const auto data = m_buffer.cdata();
    const auto parsed = parse_client_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    m_buffer.consume(m_buffer.size());
    if (const auto* err = std::get_if<client_message_error>(&parsed)) {
        m_ctx.m.bad_messages_total++;
        close_with(err->close_code, err->reason.c_str());
        return;
    }
    if (std::get<client_request>(parsed) == client_request::resync) {
        if (!m_closing) write(m_stream.resync());
    }
    do_read();
}

inline void ws_session::offer(const publication_ptr& p) {
    if (!m_closing) write(m_stream.offer(p));
}

inline void ws_session::write(std::optional<outgoing_message> m) {
    if (!m) return;
    m_out = std::move(m->text);
    m_write_started = steady::now();
    m_ws.binary(m->binary);
    m_ws.async_write(net::buffer(*m_out), beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

inline void ws_session::on_write(beast::error_code ec, std::size_t) {
    if (ec) {
        end();
        return;
    }
    m_bytes_written += m_out->size();
    m_last_sent = steady::now();
    m_out.reset();
    auto next = m_stream.written();
    if (m_closing) return;
    if (m_stream.ready() && !next) m_hub.client_ready.store(true, std::memory_order_relaxed);
    write(std::move(next)); // a delta if it is the next version, a catch-up delta if recent, else a snapshot
}

inline void ws_session::tick_timers(steady::time_point now) {
    if (m_closing) return;
    const auto slow = std::chrono::milliseconds(m_ctx.cfg.slow_timeout_ms);
    if (m_stream.writing() && now - m_write_started > slow) return drop_slow("write blocked");
    if (m_ping_outstanding && now - m_ping_sent > slow) return drop_slow("no pong");
    if (bytes_unread() > m_ctx.cfg.max_queued_bytes) return drop_slow("too many bytes unread");
    if (!m_pinging && !m_ping_outstanding && now - m_ping_sent >= ping_interval) {
        m_pinging = m_ping_outstanding = true;
        m_ping_sent = now;
        m_ping_bytes = m_bytes_written;
        m_ping_payload = std::to_string(session_rng()()) + ":" + std::to_string(m_ping_bytes);
        m_ws.async_ping(websocket::ping_data(m_ping_payload.c_str()), [self = shared_from_this()](beast::error_code) { self->m_pinging = false; });
    }
    if (now - m_last_sent > std::chrono::milliseconds(m_ctx.cfg.heartbeat_ms)) write(m_stream.heartbeat(now_us())); // none while a write is in flight
}

inline void ws_session::drop_slow(const char* why) {
    m_ctx.m.slow_disconnects_total++;
    m_ctx.log.write(std::string("closing a slow client (4408): ") + why);
    close_with(close_slow_consumer, "slow consumer");
}

/// Starts the closing handshake once; the close frame may queue behind a blocked write, so
/// the socket is closed outright 2 s later whatever the client does.
inline void ws_session::close_with(std::uint16_t code, const char* reason) {
    if (m_closing) return;
    m_closing = true;
    m_stream.close();
    m_ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                     [self = shared_from_this()](beast::error_code) { self->end(); });
    auto timer = std::make_shared<net::steady_timer>(m_ws.get_executor(), std::chrono::seconds(2));
    timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->end(); });
}

/// The connection is over: the socket closed (cancelling any blocked write) and the session out
/// of the hub. Its last shared_ptr goes with the last pending handler.
inline void ws_session::end() {
    beast::error_code ignored;
    beast::get_lowest_layer(m_ws).socket().close(ignored);
    leave();
}

inline void ws_session::leave() {
    if (m_joined) {
        m_joined = false;
        m_hub.leave(shared_from_this());
    }
}


/// One io thread's part of the server: its io_context and the fan-out of its sessions.
struct io_shard {
    net::io_context& ioc;
    websocket_fanout& fanout;
};

/// The WebSocket sink as the engine sees it: each publication is posted to every io thread, which
/// owns its sessions (no lock; full queues are each session's conflation slot). A publication's
/// shared frames are compressed once, by whichever thread needs them first.
class websocket_sink : public sink {
public:
    websocket_sink(std::vector<io_shard> shards, metrics& m) : m_shards(std::move(shards)), m_metrics(m) {}
    void consume(const publication_ptr& p) override {
        m_metrics.publications_total++;
        for (auto& s : m_shards) net::post(s.ioc, [&f = s.fanout, p]() mutable { f.publish(std::move(p)); });
    }

private:
    std::vector<io_shard> m_shards;
    metrics& m_metrics;
};

} // namespace rtrisk_live
