// rtrisk_live: the live stack in one process. It loads a book from files (docs/book.md); the
// engine thread applies ticks (embedded simulator or file replay) to the per-node incremental
// risk state and publishes snapshots at a fixed rate; the network thread serves the dashboard,
// /ws/risk (snapshot + deltas, docs/protocol.md), /api/risk, /healthz and /metrics. With --once
// it prints the risk per node and exits. What it defends against, and how, is in docs/security.md; its limits
// under faults in docs/reliability.md.
//
//   source ──► engine thread ──► publication (immutable, pre-serialised) ──post──► io thread
//                                                                          ├─► ws clients (conflating)
//                                                                          └─► /metrics, static files
//
// Usage: rtrisk_live --help (every option is range-checked; a bad one exits with status 2).
// --low-latency publishes as soon as a client has nothing in flight and a new tick arrived
// (at most once per millisecond), with --publish-hz as the floor; meant for a few clients.

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.hpp"
#include "engine/publish_schedule.hpp"
#include "http/access_policy.hpp"
#include "http/metrics.hpp"
#include "http/request_target.hpp"
#include "http/static_files.hpp"
#include "rate_limited_log.hpp"
#include "server_options.hpp"
#include "sources/file_replay.hpp"
#include "wire/client_message.hpp"
#include "wire/publication.hpp"
#include "wire/snapshot_json.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace rtrisk_live;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto ping_interval = std::chrono::seconds(1);
constexpr auto header_timeout = std::chrono::seconds(10); // whole request header, first or next
constexpr std::size_t max_static_file_bytes = 64u << 20;
constexpr int connection_reserve = 64; // file descriptors kept for /healthz, files and the engine

// Security headers on every HTTP answer (docs/security.md).
constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

/// A generator for ping nonces (io thread only).
std::mt19937_64& session_rng() {
    static std::mt19937_64 gen(std::random_device{}());
    return gen;
}

/// The server instance: a random id chosen at start and sent in every snapshot, so a client
/// knows when seq numbers restart (docs/protocol.md).
std::string make_instance_id() {
    std::random_device rd;
    std::mt19937_64 gen((std::uint64_t(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(now_us()));
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
    return buf;
}

/// Open connections against the limit (io thread only). A slot is held by a session for its life.
struct connection_limits {
    int max = 1000;
    int open = 0;
    int overflow = 0; ///< connections past `max`, answered from the reserve (/healthz or 503)
    metrics* m = nullptr;
};

class connection_slot {
public:
    connection_slot(connection_limits& l, bool overflow) : m_limits(&l), m_overflow(overflow) {
        (overflow ? l.overflow : l.open)++;
        l.m->connections = static_cast<std::uint64_t>(l.open + l.overflow);
    }
    connection_slot(connection_slot&& o) noexcept : m_limits(std::exchange(o.m_limits, nullptr)), m_overflow(o.m_overflow) {}
    connection_slot& operator=(connection_slot&&) = delete;
    ~connection_slot() {
        if (!m_limits) return;
        (m_overflow ? m_limits->overflow : m_limits->open)--;
        m_limits->m->connections = static_cast<std::uint64_t>(m_limits->open + m_limits->overflow);
    }
    bool overflow() const { return m_overflow; }

private:
    connection_limits* m_limits;
    bool m_overflow;
};

struct server_context {
    const server_config& cfg;
    metrics& m;
    access_policy policy;
    static_root files;
    std::string instance;
    rate_limited_log log;
    connection_limits limits;
};

class hub;

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
    ws_session(tcp::socket socket, hub& h, server_context& ctx, connection_slot slot)
        : m_ws(std::move(socket)), m_hub(h), m_ctx(ctx), m_slot(std::move(slot)) {}

    void run(http::request<http::string_body> req);
    void offer(const publication_ptr& p);
    void tick_timers(steady::time_point now);

private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t);
    void send(const publication_ptr& p);
    void send_text(std::shared_ptr<const std::string> text, std::uint64_t version);
    void on_write(beast::error_code ec, std::size_t);
    void close_with(std::uint16_t code, const char* reason);
    void drop_slow(const char* why);
    void end();
    void leave();
    std::uint64_t bytes_queued() const { return m_bytes_written + (m_writing && m_out ? m_out->size() : 0); }
    std::uint64_t bytes_unread() const { return bytes_queued() - std::min(bytes_queued(), m_bytes_read_by_client); }

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    hub& m_hub;
    server_context& m_ctx;
    connection_slot m_slot;
    std::uint64_t m_version = 0;       // version the client holds
    bool m_want_snapshot = true;
    std::uint64_t m_resyncs = 0;         // resync requests so far; a snapshot answers those up to m_out_resyncs
    std::uint64_t m_out_resyncs = 0;
    bool m_out_snapshot = false;
    bool m_writing = false;
    bool m_closing = false;
    bool m_joined = false;
    publication_ptr m_pending;          // latest publication not yet written (conflation slot)
    std::shared_ptr<const std::string> m_out;
    std::uint64_t m_out_version = 0;
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

class hub {
public:
    explicit hub(metrics& m) : m_metrics(m) {}
    /// Low-latency mode: set by the network thread when a client has nothing in flight, read by
    /// the engine thread to publish at once instead of waiting for the next fixed-rate slot.
    std::atomic<bool> client_ready{false};
    void join(const std::shared_ptr<ws_session>& s) {
        m_sessions.insert(s);
        m_metrics.clients = m_sessions.size();
    }
    void leave(const std::shared_ptr<ws_session>& s) {
        m_sessions.erase(s);
        m_metrics.clients = m_sessions.size();
    }
    void publish(publication_ptr p) {
        m_latest = std::move(p);
        m_recent.push(m_latest);
        m_metrics.publications_total++;
        for (const auto& s : std::vector<std::shared_ptr<ws_session>>(m_sessions.begin(), m_sessions.end())) s->offer(m_latest);
    }
    const publication_ptr& latest() const { return m_latest; }
    std::shared_ptr<const std::string> catch_up(std::uint64_t from) { return m_recent.catch_up(from); }
    void tick_timers() {
        const auto now = steady::now();
        for (const auto& s : std::vector<std::shared_ptr<ws_session>>(m_sessions.begin(), m_sessions.end())) s->tick_timers(now);
    }

private:
    metrics& m_metrics;
    std::set<std::shared_ptr<ws_session>> m_sessions;
    publication_ptr m_latest;
    recent_publications m_recent;
};

void ws_session::run(http::request<http::string_body> req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = websocket::stream_base::none(); // liveness is checked with our own pings
    t.keep_alive_pings = false;
    m_ws.set_option(t);
    websocket::permessage_deflate pmd;
    pmd.server_enable = m_ctx.cfg.deflate;
    pmd.compLevel = 1; // fastest: compressing the same delta once per client is the fan-out's main cost
    m_ws.set_option(pmd);
    m_ws.read_message_max(m_ctx.cfg.max_message);
    m_ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "rtrisk");
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

void ws_session::on_accept(beast::error_code ec) {
    if (ec) {
        m_ctx.m.bad_requests_total++; // a malformed upgrade (key, version) or a timeout
        return;
    }
    m_joined = true;
    m_hub.join(shared_from_this());
    if (m_hub.latest()) send(m_hub.latest());
    else m_hub.client_ready.store(true, std::memory_order_relaxed);
    do_read();
}

void ws_session::do_read() {
    m_ws.async_read(m_buffer, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
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
        // The snapshot answering a resync carries a seq above the client's: the latest if it is
        // newer than what the client holds, else the next publication. A write already under
        // way does not answer it.
        m_want_snapshot = true;
        ++m_resyncs;
        if (m_hub.latest()) offer(m_hub.latest());
    }
    do_read();
}

void ws_session::offer(const publication_ptr& p) {
    if (m_closing) return;
    if (m_writing) {
        if (m_pending) m_ctx.m.conflated_total++; // latest wins: the older pending one is dropped
        m_pending = p;
        return;
    }
    send(p);
}

void ws_session::send(const publication_ptr& p) {
    if (p->version <= m_version) return; // seq is strictly increasing on a connection
    const std::string* body = nullptr;
    std::shared_ptr<const std::string> catch_up;
    if (!m_want_snapshot && m_version + 1 == p->version) {
        body = &p->delta_body;
    } else if (!m_want_snapshot && p == m_hub.latest() && (catch_up = m_hub.catch_up(m_version))) {
        body = catch_up.get(); // skipped versions: one delta carrying all of them
        m_ctx.m.catch_up_deltas_total++;
    }
    const bool delta = body != nullptr;
    if (!delta) body = &p->snapshot_body;
    const auto now = now_us();
    std::string text;
    text.reserve(body->size() + 160);
    text += delta ? R"({"type":"delta","seq":)" : R"({"type":"snapshot","seq":)";
    text += std::to_string(p->version);
    if (delta) text += ",\"base\":" + std::to_string(m_version);
    else text += ",\"instance\":\"" + m_ctx.instance + "\"";
    text += ",\"event_time\":" + std::to_string(p->event_time_us) + ",\"send_time\":" + std::to_string(now);
    text += delta ? ",\"changes\":" : ",\"data\":";
    text += *body;
    text += "}";
    if (!delta) m_ctx.m.snapshots_sent_total++;
    m_out_snapshot = !delta;
    m_out_resyncs = m_resyncs;
    send_text(std::make_shared<const std::string>(std::move(text)), p->version);
}

void ws_session::send_text(std::shared_ptr<const std::string> text, std::uint64_t version) {
    m_out = std::move(text);
    m_out_version = version;
    m_writing = true;
    m_write_started = steady::now();
    m_ws.text(true);
    m_ws.async_write(net::buffer(*m_out), beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
    m_writing = false;
    if (ec) {
        end();
        return;
    }
    m_ctx.m.messages_sent_total++;
    m_bytes_written += m_out->size();
    m_last_sent = steady::now();
    if (m_out_version != 0) {
        m_version = m_out_version;
        if (m_out_snapshot && m_out_resyncs == m_resyncs) m_want_snapshot = false;
    }
    m_out.reset();
    if (m_closing) return;
    if (!m_pending) m_hub.client_ready.store(true, std::memory_order_relaxed);
    if (m_pending) {
        auto p = std::move(m_pending);
        m_pending.reset();
        send(p); // a delta if it is the next version, a catch-up delta if recent, else a snapshot
    }
}

void ws_session::tick_timers(steady::time_point now) {
    if (m_closing) return;
    const auto slow = std::chrono::milliseconds(m_ctx.cfg.slow_timeout_ms);
    if (m_writing && now - m_write_started > slow) return drop_slow("write blocked");
    if (m_ping_outstanding && now - m_ping_sent > slow) return drop_slow("no pong");
    if (bytes_unread() > m_ctx.cfg.max_queued_bytes) return drop_slow("too many bytes unread");
    if (!m_pinging && !m_ping_outstanding && now - m_ping_sent >= ping_interval) {
        m_pinging = m_ping_outstanding = true;
        m_ping_sent = now;
        m_ping_bytes = m_bytes_written;
        m_ping_payload = std::to_string(session_rng()()) + ":" + std::to_string(m_ping_bytes);
        m_ws.async_ping(websocket::ping_data(m_ping_payload.c_str()), [self = shared_from_this()](beast::error_code) { self->m_pinging = false; });
    }
    if (!m_writing && now - m_last_sent > std::chrono::milliseconds(m_ctx.cfg.heartbeat_ms)) {
        send_text(std::make_shared<const std::string>(R"({"type":"heartbeat","send_time":)" + std::to_string(now_us()) + "}"), 0);
    }
}

void ws_session::drop_slow(const char* why) {
    m_ctx.m.slow_disconnects_total++;
    m_ctx.log.write(std::string("closing a slow client (4408): ") + why);
    close_with(close_slow_consumer, "slow consumer");
}

/// Starts the closing handshake once; the close frame may queue behind a blocked write, so
/// the socket is closed outright 2 s later whatever the client does.
void ws_session::close_with(std::uint16_t code, const char* reason) {
    if (m_closing) return;
    m_closing = true;
    m_pending.reset();
    m_ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                     [self = shared_from_this()](beast::error_code) { self->end(); });
    auto timer = std::make_shared<net::steady_timer>(m_ws.get_executor(), std::chrono::seconds(2));
    timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->end(); });
}

/// The connection is over: the socket closed (cancelling any blocked write) and the session out
/// of the hub. Its last shared_ptr goes with the last pending handler.
void ws_session::end() {
    beast::error_code ignored;
    beast::get_lowest_layer(m_ws).socket().close(ignored);
    leave();
}

void ws_session::leave() {
    if (m_joined) {
        m_joined = false;
        m_hub.leave(shared_from_this());
    }
}

std::string_view mime_type(std::string_view path) {
    const auto ext = path.substr(path.rfind('.') == std::string_view::npos ? path.size() : path.rfind('.'));
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "application/javascript";
    if (ext == ".css") return "text/css";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".json") return "application/json";
    if (ext == ".ico") return "image/x-icon";
    return "application/octet-stream";
}

/// One HTTP connection: requests in turn (RFC 9110/9112), upgraded to a ws_session on /ws/risk.
class http_session : public std::enable_shared_from_this<http_session> {
public:
    http_session(tcp::socket socket, hub& h, server_context& ctx, connection_slot slot)
        : m_stream(std::move(socket)), m_hub(h), m_ctx(ctx), m_slot(std::move(slot)) {}
    void run() { do_read(); }

private:
    struct answer {
        http::status status;
        std::string body;
        std::string_view type = "text/plain; charset=utf-8";
        std::string_view cache = "no-cache";
        bool close = false;
        std::vector<std::pair<http::field, std::string>> extra = {};
    };

    void do_read() {
        m_parser.emplace();
        m_parser->header_limit(16 * 1024);
        m_parser->body_limit(8192);
        m_stream.expires_after(header_timeout);
        http::async_read(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
            ec == net::error::connection_reset || ec == net::error::eof) {
            return close();
        }
        if (ec) {
            m_ctx.m.bad_requests_total++;
            if (ec == http::error::header_limit) {
                // The request line alone too long: 414; else the header fields: 431. Beast parses
                // the request line only with the whole header, so look for its end ourselves.
                const auto d = m_buffer.cdata();
                const std::string_view seen(static_cast<const char*>(d.data()), d.size());
                const auto eol = seen.find("\r\n");
                if (m_parser->get().target().empty() && (eol == std::string_view::npos || eol > max_target_length + 64)) {
                    return send_error(http::status::uri_too_long, "request target too long\n");
                }
                return send_error(http::status::request_header_fields_too_large, "request header fields too large\n");
            }
            if (ec == http::error::body_limit) return send_error(http::status::payload_too_large, "request body too large\n");
            return send_error(http::status::bad_request, "malformed request: " + ec.message() + "\n");
        }
        auto req = m_parser->release();
        try {
            handle(std::move(req));
        } catch (const std::exception& e) {
            m_ctx.log.write(std::string("internal error answering a request: ") + e.what());
            send_error(http::status::internal_server_error, "internal error\n");
        }
    }

    void handle(http::request<http::string_body> req) {
        const bool http11 = req.version() >= 11;
        if (req.count(http::field::host) > 1) return bad(req, http::status::bad_request, "more than one Host header\n");
        const auto host = sv(req[http::field::host]);
        if (host.empty() && http11) return bad(req, http::status::bad_request, "Host header required\n");
        if (req.method() == http::verb::unknown) return bad(req, http::status::not_implemented, "method not implemented\n");
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            return reply(req, {http::status::method_not_allowed, "GET and HEAD only\n", {}, "no-cache", true, {{http::field::allow, "GET, HEAD"}}});
        }
        request_target target;
        try {
            target = parse_request_target(sv(req.target()));
        } catch (const bad_target& e) {
            return bad(req, static_cast<http::status>(e.status()), std::string(e.what()) + "\n");
        }
        const std::string_view effective_host = target.authority.empty() ? host : std::string_view(target.authority);
        if (!m_ctx.policy.host_allowed(effective_host, http11 || !target.authority.empty())) {
            m_ctx.m.rejected_hosts_total++;
            return bad(req, http::status::misdirected_request, "unknown Host: this server answers to its loopback names only (see --allow-host)\n");
        }
        if (m_slot.overflow()) { // past the connection limit: health only
            const bool health = target.segments.size() == 1 && target.segments[0] == "healthz";
            if (health) return reply(req, {http::status::ok, "ok\n", {}, "no-cache", true});
            return reply(req, {http::status::service_unavailable, "too many connections\n", {}, "no-cache", true, {{http::field::retry_after, "1"}}});
        }
        const std::string path = target.path();
        if (path == "/ws/risk") {
            if (!websocket::is_upgrade(req) || req.method() != http::verb::get) {
                return reply(req, {http::status::upgrade_required, "WebSocket only\n", {}, "no-cache", false,
                                   {{http::field::upgrade, "websocket"}, {http::field::connection, "Upgrade"}}});
            }
            const std::string origin(req[http::field::origin]);
            if (req.count(http::field::origin) > 1 || !m_ctx.policy.origin_allowed(origin, effective_host)) {
                m_ctx.m.rejected_upgrades_total++;
                return reply(req, {http::status::forbidden, "origin not allowed\n"});
            }
            const auto token = target.param("token");
            if (!m_ctx.policy.token_ok(sv(req[http::field::authorization]), token ? &*token : nullptr)) {
                m_ctx.m.rejected_upgrades_total++;
                return reply(req, {http::status::unauthorized, "bearer token required\n", {}, "no-cache", false,
                                   {{http::field::www_authenticate, "Bearer"}}});
            }
            m_stream.expires_never();
            std::make_shared<ws_session>(m_stream.release_socket(), m_hub, m_ctx, std::move(m_slot))->run(std::move(req));
            return;
        }
        if (websocket::is_upgrade(req)) {
            m_ctx.m.rejected_upgrades_total++;
            return reply(req, {http::status::not_found, "no WebSocket at " + path + "\n"});
        }
        if (path == "/healthz") return reply(req, {http::status::ok, "ok\n"});
        if (path == "/api/risk") {
            const auto token = target.param("token");
            if (!m_ctx.policy.token_ok(sv(req[http::field::authorization]), token ? &*token : nullptr)) {
                return reply(req, {http::status::unauthorized, "bearer token required\n", {}, "no-cache", false,
                                   {{http::field::www_authenticate, "Bearer"}}});
            }
            if (!m_hub.latest()) return reply(req, {http::status::service_unavailable, "no risk computed yet\n"});
            return reply(req, {http::status::ok, m_hub.latest()->risk_body, "application/json", "no-cache"});
        }
        if (path == "/metrics") return reply(req, {http::status::ok, m_ctx.m.prometheus(m_ctx.instance), "text/plain; version=0.0.4"});
        serve_file(req, target);
    }

    void serve_file(const http::request<http::string_body>& req, const request_target& target) {
        const auto file = m_ctx.files.resolve(target);
        if (!file) {
            if (m_ctx.files.root().empty()) return reply(req, {http::status::not_found, "dashboard not built: run scripts/run\n"});
            return reply(req, {http::status::not_found, "not found\n"});
        }
        std::error_code ec;
        const auto size = std::filesystem::file_size(*file, ec);
        if (ec || size > max_static_file_bytes) return reply(req, {http::status::not_found, "not found\n"});
        std::ifstream in(*file, std::ios::binary);
        std::string body(size, '\0');
        if (!in.read(body.data(), static_cast<std::streamsize>(size))) return reply(req, {http::status::not_found, "not found\n"});
        const bool immutable = !target.segments.empty() && target.segments.front() == "assets"; // Vite's hashed file names
        reply(req, {http::status::ok, std::move(body), mime_type(file->string()), immutable ? "public, max-age=31536000, immutable" : "no-cache"});
    }

    /// A refused request: counted, answered, and the connection closed.
    void bad(const http::request<http::string_body>& req, http::status status, std::string body) {
        m_ctx.m.bad_requests_total++;
        reply(req, {status, std::move(body), {}, "no-cache", true});
    }

    template <class Response>
    void decorate(Response& res, const answer& a) {
        res.set(http::field::server, "rtrisk");
        res.set(http::field::content_type, std::string(a.type));
        res.set(http::field::cache_control, std::string(a.cache));
        res.set("Content-Security-Policy", content_security_policy);
        res.set("X-Content-Type-Options", "nosniff");
        res.set("X-Frame-Options", "DENY");
        res.set("Referrer-Policy", "no-referrer");
        res.set("Cross-Origin-Opener-Policy", "same-origin");
        res.set("Cross-Origin-Resource-Policy", "same-origin");
        res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
        for (const auto& [f, v] : a.extra) res.set(f, v);
    }

    void reply(const http::request<http::string_body>& req, answer a) {
        const bool keep_alive = req.keep_alive() && !a.close;
        if (req.method() == http::verb::head) {
            // The same header fields as GET, Content-Length included, and no body.
            auto res = std::make_shared<http::response<http::empty_body>>(a.status, req.version());
            decorate(*res, a);
            res->content_length(a.body.size());
            res->keep_alive(keep_alive);
            return write(res);
        }
        auto res = std::make_shared<http::response<http::string_body>>(a.status, req.version());
        decorate(*res, a);
        res->keep_alive(keep_alive);
        res->body() = std::move(a.body);
        res->prepare_payload();
        write(res);
    }

    /// An answer to a request that could not be parsed: HTTP/1.1, then close.
    void send_error(http::status status, std::string body) {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
        decorate(*res, answer{status, {}});
        res->keep_alive(false);
        res->body() = std::move(body);
        res->prepare_payload();
        write(res);
    }

    template <class Response>
    void write(const std::shared_ptr<Response>& res) {
        m_stream.expires_after(header_timeout);
        http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (!res->keep_alive()) return self->linger();
            self->do_read();
        });
    }

    /// After an answer that ends the connection: stop sending, then read and discard what the
    /// client still sends for up to 1 s, so the kernel does not reset the connection (and lose
    /// the answer) over unread request bytes (RFC 9112 section 9.6).
    void linger() {
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        m_stream.expires_after(std::chrono::seconds(1));
        linger_more();
    }
    void linger_more() {
        m_stream.async_read_some(net::buffer(m_discard), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->linger_more();
        });
    }

    void close() {
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        m_stream.close();
    }

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    std::array<char, 4096> m_discard{};
    hub& m_hub;
    server_context& m_ctx;
    connection_slot m_slot;
};

/// Accepts connections up to the limit; past it, from a reserve that answers only /healthz.
/// When the process is out of file descriptors it sheds the waiting connection (a spare
/// descriptor is kept for that) and pauses before accepting again, instead of spinning.
class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, tcp::endpoint ep, hub& h, server_context* ctx)
        : m_acceptor(ioc), m_retry(ioc), m_hub(h), m_ctx(ctx) {
        m_acceptor.open(ep.protocol());
        m_acceptor.set_option(net::socket_base::reuse_address(true));
        m_acceptor.bind(ep);
        m_acceptor.listen(net::socket_base::max_listen_connections);
        m_spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    ~listener() {
        if (m_spare >= 0) ::close(m_spare);
    }
    void set_context(server_context* ctx) { m_ctx = ctx; }
    void run() { do_accept(); }
    unsigned short port() const { return m_acceptor.local_endpoint().port(); }

private:
    void do_accept() {
        m_acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) { self->on_accept(ec, std::move(s)); });
    }

    void on_accept(beast::error_code ec, tcp::socket s) {
        if (ec == net::error::operation_aborted) return;
        try {
            handle_accept(ec, std::move(s));
        } catch (const std::exception& e) { // e.g. bad_alloc: this connection is lost, accepting goes on
            m_ctx->m.internal_errors_total++;
            m_ctx->log.write(std::string("accept handler failed: ") + e.what());
            do_accept();
        }
    }

    void handle_accept(beast::error_code ec, tcp::socket s) {
        if (ec) {
            m_ctx->m.accept_errors_total++;
            m_ctx->log.write("accept failed: " + ec.message());
            if (ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_buffer_space || ec == net::error::no_memory) {
                shed_one();
                m_retry.expires_after(std::chrono::milliseconds(100));
                m_retry.async_wait([self = shared_from_this()](beast::error_code) { self->do_accept(); });
                return;
            }
            return do_accept();
        }
        auto& l = m_ctx->limits;
        const bool overflow = l.open >= l.max;
        if (overflow && l.overflow >= connection_reserve / 2) {
            m_ctx->m.refused_connections_total++;
            beast::error_code ignored;
            s.close(ignored);
        } else {
            beast::error_code ignored;
            s.set_option(tcp::no_delay(true), ignored);
            if (overflow) m_ctx->m.refused_connections_total++;
            std::make_shared<http_session>(std::move(s), m_hub, *m_ctx, connection_slot(l, overflow))->run();
        }
        do_accept();
    }

    /// Out of descriptors: free the spare, accept the oldest waiting connection and close it
    /// (the client sees a reset, not a hang), take the spare back.
    void shed_one() {
        if (m_spare < 0) return;
        ::close(m_spare);
        const int fd = ::accept4(m_acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            ::close(fd);
            m_ctx->m.refused_connections_total++;
        }
        m_spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }

    tcp::acceptor m_acceptor;
    net::steady_timer m_retry;
    hub& m_hub;
    server_context* m_ctx;
    int m_spare = -1;
};

/// The open-file limit raised to its hard maximum; returns the soft limit in force.
int raise_open_file_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
    if (r.rlim_cur < r.rlim_max) {
        rlimit want = r;
        want.rlim_cur = std::min<rlim_t>(r.rlim_max, 1 << 20);
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) r = want;
    }
    return static_cast<int>(std::min<rlim_t>(r.rlim_cur, 1 << 20));
}

std::atomic<bool> g_stop{false};

/// The engine thread's loop: apply ticks, publish at the fixed rate. Nothing a tick source
/// can send ends it: every exception is counted and logged with its place.
void run_engine(const server_config& cfg, engine& eng, source& src, metrics& m, rate_limited_log& log, net::io_context& ioc, hub& h) {
    publisher pub(static_cast<std::size_t>(cfg.history_points));
    publish_schedule schedule(cfg.publish_hz, cfg.positions_hz, cfg.low_latency, steady::now());
    const nlohmann::json server_info = {{"publish_ms", 1000.0 / cfg.publish_hz}, {"heartbeat_ms", cfg.heartbeat_ms}, {"history_points", cfg.history_points}};
    std::vector<tick> batch;
    batch.reserve(8192);
    std::vector<std::string> reject_sample;
    auto second_start = steady::now();
    std::uint64_t ticks_at_second = 0;
    bool live = true;
    while (!g_stop) {
        batch.clear();
        try {
            if (live) live = src.next(batch, 8192);
        } catch (const std::exception& e) {
            m.tick_rejects_total++;
            log.write(std::string("tick source failed, stopped: ") + e.what());
            live = false;
        }
        reject_sample.clear();
        m.tick_rejects_total += src.take_rejects(reject_sample);
        for (const auto& r : reject_sample) log.write("rejected tick: " + r);
        for (const auto& t : batch) {
            try {
                eng.apply(t);
            } catch (const std::exception& e) {
                m.tick_rejects_total++;
                log.write("rejected tick: " + src.where(t) + ": " + e.what());
            }
        }
        m.ticks_total = eng.ticks();
        const auto now = steady::now();
        if (now - second_start >= std::chrono::seconds(1)) {
            m.ticks_per_second = double(eng.ticks() - ticks_at_second) / std::chrono::duration<double>(now - second_start).count();
            ticks_at_second = eng.ticks();
            second_start = now;
        }
        const auto d = schedule.poll(now, eng.last_event_us(), h.client_ready.load(std::memory_order_relaxed));
        if (d.publish) {
            h.client_ready.store(false, std::memory_order_relaxed);
            const auto t0 = steady::now();
            try {
                const auto snap = eng.snapshot(d.parts);
                auto data = to_wire(snap);
                data["server"] = server_info; // constant: sent in snapshots, never again in deltas
                auto p = pub.next(std::move(data), snap.event_time_us, now_us() / 1000);
                auto report = risk_report(snap);
                report["seq"] = p->version;
                report["event_time_us"] = snap.event_time_us;
                p->risk_body = report.dump();
                m.observe_publish(std::chrono::duration<double>(steady::now() - t0).count());
                net::post(ioc, [&h, p = publication_ptr(std::move(p))]() mutable { h.publish(std::move(p)); });
            } catch (const std::exception& e) {
                m.internal_errors_total++;
                log.write(std::string("publication failed, the previous one stands: ") + e.what());
            }
        } else if (batch.empty()) {
            std::this_thread::sleep_for(std::min<steady::duration>(std::chrono::microseconds(cfg.low_latency ? 50 : 200), schedule.next_due() - now));
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    std::optional<server_config> parsed;
    try {
        parsed = parse_server_options(argc, argv);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "rtrisk live: %s\nrtrisk live: run with --help for the options\n", e.what());
        return 2;
    }
    if (!parsed) return 0;
    const server_config& cfg = *parsed;
    std::signal(SIGPIPE, SIG_IGN);
    try {
        metrics m;
        std::unique_ptr<engine> eng_ptr;
        std::unique_ptr<source> src;
        try { // the files named on the command line: a bad one is a usage error
            eng_ptr = std::make_unique<engine>(load_book(cfg.book, cfg.market));
            if (cfg.once) {
                std::puts(risk_report(eng_ptr->snapshot()).dump().c_str());
                return 0;
            }
            if (cfg.ticks_file.empty()) src = eng_ptr->make_simulator(cfg.rate, cfg.market_speed, cfg.seed);
            else src = std::make_unique<file_source>(cfg.ticks_file, eng_ptr->symbol_index());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rtrisk live: %s\n", e.what());
            return 2;
        }
        engine& eng = *eng_ptr;

        net::io_context ioc(1);
        hub h(m);
        auto l = std::make_shared<listener>(ioc, tcp::endpoint(net::ip::make_address(cfg.bind), cfg.port), h, nullptr);
        server_context ctx{cfg, m, access_policy(cfg.bind, l->port(), cfg.allowed_hosts, cfg.allowed_origins, cfg.token),
                           static_root(cfg.static_dir), make_instance_id(), rate_limited_log(), connection_limits{}};
        const int fd_limit = raise_open_file_limit();
        ctx.limits.max = cfg.max_connections > 0 ? cfg.max_connections : std::max(16, fd_limit - connection_reserve);
        ctx.limits.m = &m;
        l->set_context(&ctx);
        l->run();
        net::steady_timer timer(ioc);
        std::function<void()> arm = [&] {
            timer.expires_after(std::chrono::milliseconds(250));
            timer.async_wait([&](beast::error_code ec) {
                if (ec) return;
                try {
                    h.tick_timers();
                } catch (const std::exception& e) { // supervision must go on
                    m.internal_errors_total++;
                    ctx.log.write(std::string("client supervision failed: ") + e.what());
                }
                arm();
            });
        };
        arm();
        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) {
            g_stop = true;
            ioc.stop();
        });
        std::printf("rtrisk live: http://%s:%u/  (WebSocket /ws/risk, /api/risk, /healthz, /metrics; %s; instance %s; up to %d connections)\n",
                    cfg.bind.c_str(), l->port(), cfg.ticks_file.empty() ? "simulator" : cfg.ticks_file.c_str(), ctx.instance.c_str(),
                    ctx.limits.max);
        std::fflush(stdout);

        std::thread engine_thread([&] {
            try {
                run_engine(cfg, eng, *src, m, ctx.log, ioc, h);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "rtrisk live: engine stopped: %s\n", e.what());
                g_stop = true;
                ioc.stop();
            }
        });
        // A handler that throws is logged and the loop goes on; nothing a client sends stops it.
        while (!g_stop) {
            try {
                ioc.run();
                break;
            } catch (const std::exception& e) {
                m.internal_errors_total++;
                ctx.log.write(std::string("network handler failed: ") + e.what());
            }
        }
        g_stop = true;
        engine_thread.join();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtrisk live: %s\n", e.what());
        return 1;
    }
}
