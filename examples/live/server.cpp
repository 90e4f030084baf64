// rtrisk_live: the live stack in one process. The engine thread applies ticks (embedded
// simulator or file replay) to the incremental risk state and publishes snapshots at a fixed
// rate; the network thread serves the dashboard, /ws/risk (snapshot + deltas, docs/protocol.md),
// /healthz and /metrics.
//
//   source ──► engine thread ──► publication (immutable, pre-serialised) ──post──► io thread
//                                                                          ├─► ws clients (conflating)
//                                                                          └─► /metrics, static files
//
// Usage: rtrisk_live [--port 8080] [--bind 127.0.0.1] [--static web/dist] [--rate 10000]
//                    [--publish-hz 10] [--positions-hz 2] [--ticks FILE] [--synthetic 46] [--scenarios 500]
//                    [--token SECRET] [--allow-origin URL]... [--max-message 4096]
//                    [--slow-timeout-ms 10000] [--heartbeat-ms 5000] [--sndbuf BYTES] [--data FILE]
//                    [--no-deflate] [--low-latency]
// --low-latency publishes as soon as a client has nothing in flight and a new tick arrived
// (at most once per millisecond), with --publish-hz as the floor; meant for a few clients.

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine.hpp"
#include "hub.hpp"

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace rtrisk_live;
using steady = std::chrono::steady_clock;

namespace {

struct server_config {
    std::string bind = "127.0.0.1";
    unsigned short port = 8080;
    std::string static_dir = "web/dist";
    double rate = 10000;
    double publish_hz = 10;
    double positions_hz = 2;
    std::string ticks_file;
    std::string token;
    std::vector<std::string> allowed_origins;
    std::size_t max_message = 4096;
    int slow_timeout_ms = 10000;
    int heartbeat_ms = 5000;
    int sndbuf = 0;
    bool deflate = true;
    bool low_latency = false;
    engine_config engine;
};

// Close codes (docs/protocol.md).
constexpr std::uint16_t close_bad_json = 1007;     // malformed client message
constexpr std::uint16_t close_policy = 1008;       // unknown message type
constexpr std::uint16_t close_slow_consumer = 4408; // stopped reading

class hub;

// Low-latency mode: set by the network thread when a client has nothing in flight, read by the
// engine thread to publish at once instead of waiting for the next fixed-rate tick.
std::atomic<bool> g_client_ready{false};

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
    ws_session(tcp::socket socket, hub& h, const server_config& cfg, metrics& m)
        : m_ws(std::move(socket)), m_hub(h), m_cfg(cfg), m_metrics(m) {}

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
    void leave();

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buffer;
    hub& m_hub;
    const server_config& m_cfg;
    metrics& m_metrics;
    std::uint64_t m_version = 0;       // version the client holds
    bool m_want_snapshot = true;
    bool m_writing = false;
    bool m_closing = false;
    bool m_joined = false;
    publication_ptr m_pending;          // latest publication not yet written (conflation slot)
    std::shared_ptr<const std::string> m_out;
    std::uint64_t m_out_version = 0;
    steady::time_point m_write_started{};
    steady::time_point m_last_sent = steady::now();
};

class hub {
public:
    explicit hub(metrics& m) : m_metrics(m) {}
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
    m_ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server)); // idle pings, 30 s handshake
    websocket::permessage_deflate pmd;
    pmd.server_enable = m_cfg.deflate;
    pmd.compLevel = 1; // fastest: compressing the same delta once per client is the fan-out's main cost
    m_ws.set_option(pmd);
    m_ws.read_message_max(m_cfg.max_message);
    m_ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "rtrisk");
    }));
    if (m_cfg.sndbuf > 0) beast::get_lowest_layer(m_ws).socket().set_option(net::socket_base::send_buffer_size(m_cfg.sndbuf));
    m_ws.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
    if (ec) return;
    m_joined = true;
    m_hub.join(shared_from_this());
    if (m_hub.latest()) send(m_hub.latest());
    else g_client_ready.store(true, std::memory_order_relaxed);
    do_read();
}

void ws_session::do_read() {
    m_ws.async_read(m_buffer, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (ec == websocket::error::message_too_big) m_metrics.bad_messages_total++; // Beast closes with 1009
        leave();
        return;
    }
    const std::string text = beast::buffers_to_string(m_buffer.data());
    m_buffer.consume(m_buffer.size());
    nlohmann::json msg;
    try {
        msg = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        m_metrics.bad_messages_total++;
        close_with(close_bad_json, "malformed JSON");
        return;
    }
    const std::string type = msg.is_object() && msg.contains("type") && msg["type"].is_string() ? msg["type"].get<std::string>() : "";
    if (type == "resync") {
        m_want_snapshot = true;
        if (m_hub.latest()) offer(m_hub.latest());
    } else if (type == "ping") {
        // Answered by the next message anyway; a ping only proves the client is alive.
    } else {
        m_metrics.bad_messages_total++;
        close_with(close_policy, "unknown message type");
        return;
    }
    do_read();
}

void ws_session::offer(const publication_ptr& p) {
    if (m_closing) return;
    if (m_writing) {
        if (m_pending) m_metrics.conflated_total++; // latest wins: the older pending one is dropped
        m_pending = p;
        return;
    }
    send(p);
}

void ws_session::send(const publication_ptr& p) {
    if (!m_want_snapshot && p->version <= m_version) return; // nothing new
    const std::string* body = nullptr;
    std::shared_ptr<const std::string> catch_up;
    if (!m_want_snapshot && m_version + 1 == p->version) {
        body = &p->delta_body;
    } else if (!m_want_snapshot && p == m_hub.latest() && (catch_up = m_hub.catch_up(m_version))) {
        body = catch_up.get(); // skipped versions: one delta carrying all of them
        m_metrics.catch_up_deltas_total++;
    }
    const bool delta = body != nullptr;
    if (!delta) body = &p->snapshot_body;
    const auto now = now_us();
    std::string text;
    text.reserve(body->size() + 128);
    text += delta ? R"({"type":"delta","seq":)" : R"({"type":"snapshot","seq":)";
    text += std::to_string(p->version);
    if (delta) text += ",\"base\":" + std::to_string(m_version);
    text += ",\"event_time\":" + std::to_string(p->event_time_us) + ",\"send_time\":" + std::to_string(now);
    text += delta ? ",\"changes\":" : ",\"data\":";
    text += *body;
    text += "}";
    if (!delta) m_metrics.snapshots_sent_total++;
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
        leave();
        return;
    }
    m_metrics.messages_sent_total++;
    m_last_sent = steady::now();
    if (m_out_version != 0) {
        m_version = m_out_version;
        m_want_snapshot = false;
    }
    m_out.reset();
    if (m_closing) return;
    if (!m_pending) g_client_ready.store(true, std::memory_order_relaxed);
    if (m_pending) {
        auto p = std::move(m_pending);
        m_pending.reset();
        send(p); // a delta if it is the next version, a catch-up delta if recent, else a snapshot
    }
}

void ws_session::tick_timers(steady::time_point now) {
    if (m_closing) return;
    if (m_writing && now - m_write_started > std::chrono::milliseconds(m_cfg.slow_timeout_ms)) {
        m_metrics.slow_disconnects_total++;
        m_closing = true;
        // The close frame queues behind the blocked write; if the client never reads again the
        // socket is closed outright 2 s later.
        m_ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(close_slow_consumer), "slow consumer"),
                         [self = shared_from_this()](beast::error_code) { self->leave(); });
        auto timer = std::make_shared<net::steady_timer>(m_ws.get_executor(), std::chrono::seconds(2));
        timer->async_wait([self = shared_from_this(), timer](beast::error_code) {
            beast::error_code ignored;
            beast::get_lowest_layer(self->m_ws).socket().close(ignored);
            self->leave();
        });
        return;
    }
    if (!m_writing && now - m_last_sent > std::chrono::milliseconds(m_cfg.heartbeat_ms)) {
        send_text(std::make_shared<const std::string>(R"({"type":"heartbeat","send_time":)" + std::to_string(now_us()) + "}"), 0);
    }
}

void ws_session::close_with(std::uint16_t code, const char* reason) {
    m_closing = true;
    m_ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [self = shared_from_this()](beast::error_code) { self->leave(); });
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

class http_session : public std::enable_shared_from_this<http_session> {
public:
    http_session(tcp::socket socket, hub& h, const server_config& cfg, metrics& m)
        : m_stream(std::move(socket)), m_hub(h), m_cfg(cfg), m_metrics(m) {}
    void run() { do_read(); }

private:
    void do_read() {
        m_parser.emplace();
        m_parser->body_limit(8192);
        m_stream.expires_after(std::chrono::seconds(30));
        http::async_read(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) return;
        auto req = m_parser->release();
        const std::string target(req.target());
        const std::string path = target.substr(0, target.find('?'));
        if (websocket::is_upgrade(req)) {
            if (path != "/ws/risk") return reply(req, http::status::not_found, "no WebSocket at " + path + "\n");
            if (!origin_allowed(req)) {
                m_metrics.rejected_upgrades_total++;
                return reply(req, http::status::forbidden, "origin not allowed\n");
            }
            if (!token_ok(req, target)) {
                m_metrics.rejected_upgrades_total++;
                return reply(req, http::status::unauthorized, "bearer token required\n");
            }
            m_stream.expires_never();
            std::make_shared<ws_session>(m_stream.release_socket(), m_hub, m_cfg, m_metrics)->run(std::move(req));
            return;
        }
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            return reply(req, http::status::method_not_allowed, "GET only\n");
        }
        if (path == "/healthz") return reply(req, http::status::ok, "ok\n");
        if (path == "/metrics") return reply(req, http::status::ok, m_metrics.prometheus(), "text/plain; version=0.0.4");
        serve_file(req, path);
    }

    bool origin_allowed(const http::request<http::string_body>& req) const {
        const auto origin = req[http::field::origin];
        if (origin.empty()) return true; // non-browser clients send none; browsers always do
        for (const auto& o : m_cfg.allowed_origins)
            if (origin == o) return true;
        // Same origin by default: http://<Host header>.
        return origin == "http://" + std::string(req[http::field::host]);
    }

    bool token_ok(const http::request<http::string_body>& req, const std::string& target) const {
        if (m_cfg.token.empty()) return true;
        if (req[http::field::authorization] == "Bearer " + m_cfg.token) return true;
        return target.find("token=" + m_cfg.token) != std::string::npos; // browsers cannot set headers on WebSocket
    }

    void serve_file(const http::request<http::string_body>& req, std::string path) {
        if (path.find("..") != std::string::npos) return reply(req, http::status::bad_request, "bad path\n");
        if (path == "/") path = "/index.html";
        std::filesystem::path file = std::filesystem::path(m_cfg.static_dir) / path.substr(1);
        if (!std::filesystem::is_regular_file(file)) {
            if (path.find('.') != std::string::npos) return reply(req, http::status::not_found, "not found\n");
            file = std::filesystem::path(m_cfg.static_dir) / "index.html"; // client-side routes
        }
        std::ifstream in(file, std::ios::binary);
        if (!in) return reply(req, http::status::not_found, "dashboard not built: run scripts/run\n");
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const bool immutable = path.rfind("/assets/", 0) == 0; // Vite's hashed file names
        reply(req, http::status::ok, std::move(body), mime_type(file.string()), immutable ? "public, max-age=31536000, immutable" : "no-cache");
    }

    void reply(const http::request<http::string_body>& req, http::status status, std::string body,
               std::string_view type = "text/plain; charset=utf-8", std::string_view cache = "no-cache") {
        auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
        res->set(http::field::server, "rtrisk");
        res->set(http::field::content_type, std::string(type));
        res->set(http::field::cache_control, std::string(cache));
        res->keep_alive(req.keep_alive());
        res->body() = req.method() == http::verb::head ? std::string() : std::move(body);
        res->prepare_payload();
        http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            if (ec || !res->keep_alive()) {
                beast::error_code ignored;
                self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                return;
            }
            self->do_read();
        });
    }

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    hub& m_hub;
    const server_config& m_cfg;
    metrics& m_metrics;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, tcp::endpoint ep, hub& h, const server_config& cfg, metrics& m)
        : m_ioc(ioc), m_acceptor(ioc), m_hub(h), m_cfg(cfg), m_metrics(m) {
        m_acceptor.open(ep.protocol());
        m_acceptor.set_option(net::socket_base::reuse_address(true));
        m_acceptor.bind(ep);
        m_acceptor.listen(net::socket_base::max_listen_connections);
    }
    void run() { do_accept(); }
    unsigned short port() const { return m_acceptor.local_endpoint().port(); }

private:
    void do_accept() {
        m_acceptor.async_accept(net::make_strand(m_ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (!ec) {
                s.set_option(tcp::no_delay(true));
                std::make_shared<http_session>(std::move(s), self->m_hub, self->m_cfg, self->m_metrics)->run();
            }
            self->do_accept();
        });
    }
    net::io_context& m_ioc;
    tcp::acceptor m_acceptor;
    hub& m_hub;
    const server_config& m_cfg;
    metrics& m_metrics;
};

server_config parse_args(int argc, char** argv) {
    server_config c;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto v = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument("missing value after " + k);
            return argv[++i];
        };
        if (k == "--port") c.port = static_cast<unsigned short>(std::stoi(v()));
        else if (k == "--bind") c.bind = v();
        else if (k == "--static") c.static_dir = v();
        else if (k == "--rate") c.rate = std::stod(v());
        else if (k == "--publish-hz") c.publish_hz = std::stod(v());
        else if (k == "--positions-hz") c.positions_hz = std::stod(v());
        else if (k == "--ticks") c.ticks_file = v();
        else if (k == "--synthetic") c.engine.synthetic = std::stoi(v());
        else if (k == "--scenarios") c.engine.scenarios = std::stoi(v());
        else if (k == "--data") c.engine.data_path = v();
        else if (k == "--token") c.token = v();
        else if (k == "--allow-origin") c.allowed_origins.push_back(v());
        else if (k == "--max-message") c.max_message = static_cast<std::size_t>(std::stoul(v()));
        else if (k == "--slow-timeout-ms") c.slow_timeout_ms = std::stoi(v());
        else if (k == "--heartbeat-ms") c.heartbeat_ms = std::stoi(v());
        else if (k == "--sndbuf") c.sndbuf = std::stoi(v());
        else if (k == "--no-deflate") c.deflate = false;
        else if (k == "--low-latency") c.low_latency = true;
        else throw std::invalid_argument("unknown option " + k);
    }
    if (!(c.publish_hz > 0 && c.publish_hz <= 1000)) throw std::invalid_argument("--publish-hz must be in (0, 1000]");
    if (!(c.positions_hz > 0 && c.positions_hz <= c.publish_hz)) throw std::invalid_argument("--positions-hz must be in (0, --publish-hz]");
    return c;
}

std::atomic<bool> g_stop{false};

} // namespace

int main(int argc, char** argv) try {
    const server_config cfg = parse_args(argc, argv);
    metrics m;
    engine eng(cfg.engine);
    std::unique_ptr<source> src;
    if (cfg.ticks_file.empty()) src = eng.make_simulator(cfg.rate);
    else src = std::make_unique<file_source>(cfg.ticks_file, eng.symbol_index());

    net::io_context ioc(1);
    hub h(m);
    auto l = std::make_shared<listener>(ioc, tcp::endpoint(net::ip::make_address(cfg.bind), cfg.port), h, cfg, m);
    l->run();
    net::steady_timer timer(ioc);
    std::function<void()> arm = [&] {
        timer.expires_after(std::chrono::milliseconds(250));
        timer.async_wait([&](beast::error_code ec) {
            if (ec) return;
            h.tick_timers();
            arm();
        });
    };
    arm();
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        g_stop = true;
        ioc.stop();
    });
    std::printf("rtrisk live: http://%s:%u/  (WebSocket /ws/risk, /healthz, /metrics; %s)\n", cfg.bind.c_str(), l->port(),
                cfg.ticks_file.empty() ? "simulator" : cfg.ticks_file.c_str());
    std::fflush(stdout);

    std::thread engine_thread([&] {
        publisher pub(static_cast<std::size_t>(cfg.engine.history_points));
        std::vector<tick> batch;
        batch.reserve(8192);
        const auto period = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(1.0 / cfg.publish_hz));
        auto next_pub = steady::now();
        auto last_pub = steady::now();
        std::int64_t last_event_published = -1;
        auto second_start = steady::now();
        std::uint64_t ticks_at_second = 0, publishes = 0;
        bool live = true;
        // Parametric VaR methods once a second; the positions table at --positions-hz.
        const auto slow_every = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(cfg.publish_hz)));
        const auto positions_every = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(cfg.publish_hz / cfg.positions_hz)));
        while (!g_stop) {
            batch.clear();
            if (live) live = src->next(batch, 8192);
            for (const auto& r : src->take_rejects()) {
                m.tick_rejects_total++;
                std::fprintf(stderr, "rtrisk live: rejected tick: %s\n", r.c_str());
            }
            for (const auto& t : batch) {
                try {
                    eng.apply(t);
                } catch (const std::exception& e) {
                    m.tick_rejects_total++;
                    std::fprintf(stderr, "rtrisk live: rejected tick: %s\n", e.what());
                }
            }
            m.ticks_total = eng.ticks();
            const auto now = steady::now();
            if (now - second_start >= std::chrono::seconds(1)) {
                m.ticks_per_second = double(eng.ticks() - ticks_at_second) / std::chrono::duration<double>(now - second_start).count();
                ticks_at_second = eng.ticks();
                second_start = now;
            }
            const bool early = cfg.low_latency && g_client_ready.load(std::memory_order_relaxed) &&
                               now - last_pub >= std::chrono::milliseconds(1) && eng.last_event_us() != last_event_published;
            if (now >= next_pub || early) {
                g_client_ready.store(false, std::memory_order_relaxed);
                last_pub = now;
                last_event_published = eng.last_event_us();
                const auto t0 = steady::now();
                const auto n = publishes++;
                auto data = eng.snapshot(n % slow_every == 0, n % positions_every == 0);
                auto p = pub.next(std::move(data), eng.last_event_us(), now_us() / 1000);
                m.observe_publish(std::chrono::duration<double>(steady::now() - t0).count());
                net::post(ioc, [&h, p = std::move(p)]() mutable { h.publish(std::move(p)); });
                if (!early) next_pub += period;
                if (next_pub < now) next_pub = now + period;
            } else if (batch.empty()) {
                std::this_thread::sleep_for(std::min<steady::duration>(std::chrono::microseconds(cfg.low_latency ? 50 : 200), next_pub - now));
            }
        }
    });
    ioc.run();
    g_stop = true;
    engine_thread.join();
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "rtrisk live: %s\n", e.what());
    return 1;
}
