#pragma once
// One HTTP connection of rtrisk_live (RFC 9110/9112): the routes (/healthz, /metrics,
// /api/risk, the dashboard's static files) and the upgrade of /ws/risk to a ws_session, with the
// Host, Origin and token checks of docs/security.md and the security headers on every answer.

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../app/server_context.hpp"
#include "../sinks/websocket_fanout.hpp"
#include "allowed_methods.hpp"
#include "history_answer.hpp"
#include "history_request.hpp"
#include "request_target.hpp"
#include "security_headers.hpp"
#include "transfer_coding.hpp"
#include "websocket_key.hpp"

namespace rtrisk_live {

/// One HTTP connection: requests in turn (RFC 9110/9112), upgraded to a ws_session on /ws/risk.
class http_session : public std::enable_shared_from_this<http_session> {
public:
    http_session(tcp::socket socket, websocket_fanout& h, server_context& ctx, connection_slot slot)
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
        m_parser->header_limit(max_header_bytes);
        m_parser->body_limit(max_body_bytes);
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
            m_ctx.m.internal_errors_total++;
            m_ctx.log.write(std::string("internal error answering a request: ") + e.what());
            send_error(http::status::internal_server_error, "internal error\n");
        }
    }

    void handle(http::request<http::string_body> req) {
        const bool http11 = req.version() >= 11;
        {
            std::vector<beast::string_view> codings;
            for (auto [at, end] = req.equal_range(http::field::transfer_encoding); at != end; ++at) codings.push_back(at->value());
            if (const auto refusal = transfer_coding_refusal(codings, http11)) return bad(req, http::status::bad_request, *refusal + "\n");
        }
        if (req.count(http::field::host) > 1) return bad(req, http::status::bad_request, "more than one Host header\n");
        const auto host = sv(req[http::field::host]);
        if (host.empty() && http11) return bad(req, http::status::bad_request, "Host header required\n");
        if (req.method() == http::verb::unknown) return bad(req, http::status::not_implemented, "method not implemented\n");
        request_target target;
        if (req.method() != http::verb::connect && !(req.method() == http::verb::options && req.target() == "*")) {
            try {
                target = parse_request_target(sv(req.target()));
            } catch (const bad_target& e) {
                return bad(req, static_cast<http::status>(e.status()), std::string(e.what()) + "\n");
            }
        }
        const std::string path = target.path();
        if (!method_allowed(path, sv(req.method_string()))) {
            const auto allow = allowed_methods(path);
            return reply(req, {http::status::method_not_allowed, std::string(allow) + " only\n", "text/plain; charset=utf-8", "no-cache", true, {{http::field::allow, std::string(allow)}}});
        }
        const std::string_view effective_host = target.authority.empty() ? host : std::string_view(target.authority);
        if (!m_ctx.policy.host_allowed(effective_host, http11 || !target.authority.empty())) {
            m_ctx.m.rejected_hosts_total++;
            return bad(req, http::status::misdirected_request, "unknown Host: this server answers to its loopback names only (see --allow-host)\n");
        }
        if (m_slot.overflow()) { // past the connection limit: health only
            const bool health = target.segments.size() == 1 && target.segments[0] == "healthz";
            if (health) return reply(req, {http::status::ok, "ok\n", "text/plain; charset=utf-8", "no-cache", true});
            return reply(req, {http::status::service_unavailable, "too many connections\n", "text/plain; charset=utf-8", "no-cache", true, {{http::field::retry_after, "1"}}});
        }
        if (path == "/ws/risk") {
            if (!websocket::is_upgrade(req) || req.method() != http::verb::get) {
                return reply(req, {http::status::upgrade_required, "WebSocket only\n", "text/plain; charset=utf-8", "no-cache", false,
                                   {{http::field::upgrade, "websocket"}, {http::field::connection, "Upgrade"}}});
            }
            std::vector<beast::string_view> keys;
            for (auto [at, end] = req.equal_range(http::field::sec_websocket_key); at != end; ++at) keys.push_back(at->value());
            if (!websocket_key_valid(keys)) {
                return bad(req, http::status::bad_request, "Sec-WebSocket-Key must be one base64 value of 16 bytes (RFC 6455 section 4.2.1)\n");
            }
            const std::string origin(req[http::field::origin]);
            if (req.count(http::field::origin) > 1 || !m_ctx.policy.origin_allowed(origin, effective_host)) {
                m_ctx.m.rejected_upgrades_total++;
                return reply(req, {http::status::forbidden, "origin not allowed\n"});
            }
            const auto token = target.param("token");
            if (!m_ctx.policy.token_ok(sv(req[http::field::authorization]), token ? &*token : nullptr)) {
                m_ctx.m.rejected_upgrades_total++;
                return reply(req, {http::status::unauthorized, "bearer token required\n", "text/plain; charset=utf-8", "no-cache", false,
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
        if (path == "/api/risk" || path == "/api/history" || path == "/api/whatif" || path == "/api/limits" || path == "/api/node" || path == "/api/backtest") {
            const auto token = target.param("token");
            if (!m_ctx.policy.token_ok(sv(req[http::field::authorization]), token ? &*token : nullptr)) {
                return reply(req, {http::status::unauthorized, "bearer token required\n", "text/plain; charset=utf-8", "no-cache", false,
                                   {{http::field::www_authenticate, "Bearer"}}});
            }
            if (req.method() == http::verb::post) { // a browser's cross-site POST is refused as an upgrade is (docs/security.md)
                const std::string origin(req[http::field::origin]);
                if (req.count(http::field::origin) > 1 || (req.count(http::field::origin) == 1 && !m_ctx.policy.origin_allowed(origin, effective_host))) {
                    m_ctx.m.bad_requests_total++;
                    return reply(req, {http::status::forbidden, "origin not allowed\n"});
                }
                auto shared_req = std::make_shared<http::request<http::string_body>>(std::move(req));
                const std::string_view body = shared_req->body(); // parsed before the call returns
                return (path == "/api/whatif" ? m_ctx.what_if : m_ctx.set_limits)(body, answer_later(shared_req));
            }
            if (path == "/api/limits") return send_answer(req, m_ctx.risk_limits());
            if (path == "/api/node" || path == "/api/backtest") {
                return (path == "/api/node" ? m_ctx.node_detail : m_ctx.backtest)(target, answer_later(std::make_shared<http::request<http::string_body>>(req)));
            }
            if (path == "/api/history") return serve_history(req, target);
            if (!m_hub.latest()) return reply(req, {http::status::service_unavailable, "no risk computed yet\n"});
            return reply(req, {http::status::ok, m_hub.latest()->risk_body.get(), "application/json", "no-cache"});
        }
        if (path == "/metrics") return reply(req, {http::status::ok, m_ctx.m.prometheus(m_ctx.instance), "text/plain; version=0.0.4"});
        serve_file(req, target);
    }

    /// GET /api/history (docs/protocol.md, "History"): from the database on the reader's thread
    /// (the answer comes back to this session's executor), else, or when that fails, from the
    /// in-memory ring.
    void serve_history(const http::request<http::string_body>& req, const request_target& target) {
        history_request q;
        try {
            q = parse_history_request(target, now_us());
        } catch (const bad_history_request& e) {
            m_ctx.m.bad_requests_total++;
            return reply(req, {http::status::bad_request, std::string(e.what()) + "\n"});
        }
        if (!m_ctx.recent) return reply(req, {http::status::not_found, "no history kept\n"});
        if (m_ctx.stored) {
            auto self = shared_from_this();
            auto shared_req = std::make_shared<http::request<http::string_body>>(req);
            const bool queued = m_ctx.stored->submit(q.node, q.from_us, q.to_us, q.step_s, [self, shared_req, q](history::series s, std::string error) {
                net::post(self->m_stream.get_executor(), [self, shared_req, q, s = std::move(s), error = std::move(error)]() mutable {
                    self->answer_history(*shared_req, q, std::move(s), error);
                });
            });
            if (queued) return;
            return answer_history(req, q, {}, "too many history queries waiting");
        }
        answer_history(req, q, {}, {});
    }

    void answer_history(const http::request<http::string_body>& req, const history_request& q, history::series s, const std::string& db_error) {
        send_answer(req, history_answer(q, std::move(s), m_ctx.stored != nullptr, db_error, *m_ctx.recent, m_hub.latest() != nullptr, m_ctx.m, m_ctx.log));
    }
    /// The answer to `req` from another thread (the engine's): sent from this session's executor.
    server_context::answer_to answer_later(std::shared_ptr<const http::request<http::string_body>> req) {
        return [self = shared_from_this(), req = std::move(req)](http_answer a) {
            net::post(self->m_stream.get_executor(), [self, req, a = std::move(a)]() mutable { self->send_answer(*req, std::move(a)); });
        };
    }
    void send_answer(const http::request<http::string_body>& req, http_answer a) {
        answer r{static_cast<http::status>(a.status), std::move(a.body)};
        if (a.json) r.type = "application/json";
        if (a.retry_after) r.extra.push_back({http::field::retry_after, "1"});
        reply(req, std::move(r));
    }
    void serve_file(const http::request<http::string_body>& req, const request_target& target) {
        const auto accept = req[http::field::accept_encoding];
        const auto file = m_ctx.files.resolve(target, std::string_view(accept.data(), accept.size()));
        if (!file) {
            if (m_ctx.files.root().empty()) return reply(req, {http::status::not_found, "dashboard not built: run scripts/run\n"});
            return reply(req, {http::status::not_found, "not found\n"});
        }
        std::error_code ec;
        const auto size = std::filesystem::file_size(file->path, ec);
        if (ec || size > max_static_file_bytes) return reply(req, {http::status::not_found, "not found\n"});
        std::ifstream in(file->path, std::ios::binary);
        std::string body(size, '\0');
        if (!in.read(body.data(), static_cast<std::streamsize>(size))) return reply(req, {http::status::not_found, "not found\n"});
        const bool immutable = !target.segments.empty() && target.segments.front() == "assets"; // Vite's hashed file names
        answer a{http::status::ok, std::move(body), file->type, immutable ? "public, max-age=31536000, immutable" : "no-cache"};
        if (!file->encoding.empty()) a.extra.push_back({http::field::content_encoding, std::string(file->encoding)});
        if (file->has_variants) a.extra.push_back({http::field::vary, "Accept-Encoding"});
        reply(req, std::move(a));
    }

    /// A refused request: counted, answered, and the connection closed.
    void bad(const http::request<http::string_body>& req, http::status status, std::string body) {
        m_ctx.m.bad_requests_total++;
        reply(req, {status, std::move(body), "text/plain; charset=utf-8", "no-cache", true});
    }

    template <class Response>
    void decorate(Response& res, const answer& a) {
        res.set(http::field::server, "rtrisk");
        res.set(http::field::content_type, std::string(a.type));
        res.set(http::field::cache_control, std::string(a.cache));
        for (const auto& [name, value] : security_headers) res.set(name, value);
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
    websocket_fanout& m_hub;
    server_context& m_ctx;
    connection_slot m_slot;
};


} // namespace rtrisk_live
