// WebSocket fan-out load generator: N concurrent clients on loopback, each reading the risk
// stream; reports publish-to-receive latency (receive time minus the server's send_time, same
// machine clock), messages/s, per-client rates and gaps. Stops by itself after --seconds.
//
// Framings (docs/protocol.md): `text` (permessage-deflate with --deflate 1), or `deflate-raw`
// (the rtrisk.deflate-raw subprotocol: binary frames of raw DEFLATE). A binary frame's header
// fields (seq, base, send_time) are read from its first 256 inflated bytes; every 16th message of
// each client is inflated whole and must end the JSON object, else it counts as a decode error.
//
// Usage: ws_load --port 8080 --clients 1000 --seconds 20 [--deflate 0|1] [--frames text|deflate-raw]
//                [--warmup 3] [--threads 1] [--connecting 256]
// Prints one JSON object.

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <thread>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/parse_number.hpp"
#include "live/wire/deflate_raw.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::int64_t field(const std::string& s, const char* key) {
    const auto p = s.find(key);
    if (p == std::string::npos) return -1;
    return std::strtoll(s.c_str() + p + std::strlen(key), nullptr, 10);
}

/// One thread's counts (each thread owns its clients and its stats; merged at the end).
struct stats {
    std::vector<double> latency_ms;
    std::uint64_t messages = 0, snapshots = 0, gaps = 0, errors = 0, connected = 0, binary = 0, decode_errors = 0;
    std::int64_t measure_from_us = 0;
};

/// Connects clients a few at a time (the listen backlog is finite): each finished handshake, or
/// failure, starts the next.
struct connector {
    std::function<void()> next;
};

class client : public std::enable_shared_from_this<client> {
public:
    client(net::io_context& ioc, stats& st, bool deflate, bool shared_frames) : m_ws(ioc), m_stats(st) {
        websocket::permessage_deflate pmd;
        pmd.client_enable = deflate && !shared_frames;
        m_ws.set_option(pmd);
        if (shared_frames)
            m_ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) { req.set(beast::http::field::sec_websocket_protocol, "rtrisk.deflate-raw"); }));
    }
    void start(const tcp::endpoint& ep, const std::string& host, std::function<void()> done) {
        m_host = host;
        beast::get_lowest_layer(m_ws).async_connect(ep, [self = shared_from_this(), done](beast::error_code ec) {
            if (ec) {
                self->fail();
                return done();
            }
            self->m_ws.async_handshake(self->m_host, "/ws/risk", [self, done](beast::error_code ec2) {
                if (!ec2) {
                    self->m_stats.connected++;
                    self->read();
                } else {
                    self->fail();
                }
                done();
            });
        });
    }
    void stop() {
        beast::error_code ec;
        beast::get_lowest_layer(m_ws).socket().close(ec);
    }

private:
    void read() {
        m_ws.async_read(m_buf, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->fail();
            const auto t = now_us();
            auto& st = self->m_stats;
            std::string msg = beast::buffers_to_string(self->m_buf.data());
            self->m_buf.consume(self->m_buf.size());
            if (self->m_ws.got_binary()) {
                st.binary++;
                try {
                    const bool whole = self->m_received++ % 16 == 0;
                    msg = rtrisk_live::inflate_raw(msg, whole ? std::string::npos : 256);
                    if (whole && (msg.empty() || msg.back() != '}')) st.decode_errors++;
                } catch (const std::exception&) {
                    st.decode_errors++;
                    return self->read();
                }
            }
            const auto sent = field(msg, "\"send_time\":");
            const auto seq = field(msg, "\"seq\":");
            const bool snapshot = msg.rfind(R"({"type":"snapshot")", 0) == 0;
            if (t >= st.measure_from_us && sent > 0) {
                st.messages++;
                self->m_count++;
                st.snapshots += snapshot;
                if (st.latency_ms.size() < 4'000'000) st.latency_ms.push_back((t - sent) / 1000.0); // 32 MB at most
                if (!snapshot && seq > 0 && self->m_seq > 0 && field(msg, "\"base\":") != self->m_seq) st.gaps++;
            }
            if (seq > 0) self->m_seq = seq;
            self->read();
        });
    }
    void fail() { m_stats.errors++; }

public:
    std::uint64_t m_count = 0; ///< messages measured on this connection
private:

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_buf;
    stats& m_stats;
    std::string m_host;
    std::int64_t m_seq = 0;
    std::uint64_t m_received = 0;
};
} // namespace

int main(int argc, char** argv) {
    int port = 8080, clients = 100, seconds = 10, warmup = 3, threads = 1, connecting = 256;
    bool deflate = true, shared_frames = false;
    for (int i = 1; i < argc; i += 2) {
        const std::string k = argv[i];
        const std::string text = i + 1 < argc ? argv[i + 1] : "";
        const auto v = rtrisk_examples::parse_number<int>(text);
        auto bad = [&](const char* range) {
            std::fprintf(stderr, "ws_load: %s: '%s' is not a whole number in %s\n", k.c_str(), text.c_str(), range);
            std::exit(2);
        };
        if (k == "--port") port = v && *v > 0 && *v < 65536 ? *v : (bad("[1, 65535]"), 0);
        else if (k == "--clients") clients = v && *v > 0 && *v <= 100000 ? *v : (bad("[1, 100000]"), 0);
        else if (k == "--seconds") seconds = v && *v > 0 && *v <= 86400 ? *v : (bad("[1, 86400]"), 0);
        else if (k == "--warmup") warmup = v && *v >= 0 && *v <= 3600 ? *v : (bad("[0, 3600]"), 0);
        else if (k == "--deflate") deflate = v && (*v == 0 || *v == 1) ? *v == 1 : (bad("{0, 1}"), false);
        else if (k == "--threads") threads = v && *v >= 1 && *v <= 64 ? *v : (bad("[1, 64]"), 0);
        else if (k == "--connecting") connecting = v && *v >= 1 && *v <= 100000 ? *v : (bad("[1, 100000]"), 0);
        else if (k == "--frames") {
            if (text != "text" && text != "deflate-raw") {
                std::fprintf(stderr, "ws_load: --frames: '%s' is not text or deflate-raw\n", text.c_str());
                return 2;
            }
            shared_frames = text == "deflate-raw";
        } else {
            std::fprintf(stderr, "ws_load: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    const auto measure_from = now_us() + std::int64_t(warmup) * 1'000'000;
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
    const std::string host = "127.0.0.1:" + std::to_string(port);
    // Each thread: its own io_context, its clients (i % threads == t) and its stats.
    std::vector<std::unique_ptr<net::io_context>> iocs;
    std::vector<stats> st(threads);
    std::vector<std::vector<std::shared_ptr<client>>> all(threads);
    for (int t = 0; t < threads; ++t) {
        iocs.push_back(std::make_unique<net::io_context>(1));
        st[t].measure_from_us = measure_from;
    }
    for (int i = 0; i < clients; ++i) all[i % threads].push_back(std::make_shared<client>(*iocs[i % threads], st[i % threads], deflate, shared_frames));
    std::vector<connector> conn(threads);
    std::vector<std::size_t> started(threads, 0);
    std::vector<std::unique_ptr<net::steady_timer>> done;
    for (int t = 0; t < threads; ++t) {
        conn[t].next = [&, t] {
            if (started[t] < all[t].size()) {
                auto& c = all[t][started[t]++];
                c->start(ep, host, [&, t] { net::post(*iocs[t], conn[t].next); });
            }
        };
        for (int k = 0; k < std::max(1, connecting / threads); ++k) net::post(*iocs[t], conn[t].next);
        done.push_back(std::make_unique<net::steady_timer>(*iocs[t], std::chrono::seconds(warmup + seconds)));
        done.back()->async_wait([&, t](beast::error_code) {
            for (auto& c : all[t]) c->stop();
            iocs[t]->stop();
        });
    }
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back([&, t] { iocs[t]->run(); });
    iocs[0]->run();
    for (auto& th : pool) th.join();
    stats total;
    for (auto& s : st) {
        total.latency_ms.insert(total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
        total.messages += s.messages;
        total.snapshots += s.snapshots;
        total.gaps += s.gaps;
        total.errors += s.errors;
        total.connected += s.connected;
        total.binary += s.binary;
        total.decode_errors += s.decode_errors;
    }
    std::vector<double> hz;
    for (const auto& group : all)
        for (const auto& c : group) hz.push_back(c->m_count / double(seconds));
    std::sort(hz.begin(), hz.end());
    const double min_hz = hz.empty() ? 0 : hz.front(), median_hz = hz.empty() ? 0 : hz[hz.size() / 2];
    auto& l = total.latency_ms;
    std::sort(l.begin(), l.end());
    auto q = [&](double p) { return l.empty() ? -1.0 : l[std::min(l.size() - 1, static_cast<std::size_t>(p * (l.size() - 1)))]; };
    std::printf("{\"clients\":%d,\"connected\":%llu,\"errors\":%llu,\"deflate\":%s,\"frames\":\"%s\",\"seconds\":%d,\"messages\":%llu,"
                "\"messages_per_s\":%.1f,\"per_client_hz\":%.2f,\"min_client_hz\":%.2f,\"median_client_hz\":%.2f,\"snapshots\":%llu,\"gaps\":%llu,"
                "\"binary\":%llu,\"decode_errors\":%llu,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}\n",
                clients, (unsigned long long)total.connected, (unsigned long long)total.errors, deflate && !shared_frames ? "true" : "false",
                shared_frames ? "deflate-raw" : "text", seconds, (unsigned long long)total.messages, total.messages / double(seconds),
                total.messages / double(seconds) / std::max(1, clients), min_hz, median_hz, (unsigned long long)total.snapshots,
                (unsigned long long)total.gaps, (unsigned long long)total.binary, (unsigned long long)total.decode_errors, q(0.5), q(0.99),
                l.empty() ? -1.0 : l.back());
}
