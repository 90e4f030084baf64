// WebSocket fan-out load generator: N concurrent clients on loopback, each reading the risk
// stream; reports publish-to-receive latency (receive time minus the server's send_time, same
// machine clock), messages/s and gaps. One thread; stops by itself after --seconds.
//
// Usage: ws_load --port 8080 --clients 1000 --seconds 20 [--deflate 0|1] [--warmup 3]
// Prints one JSON object.

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/parse_number.hpp"

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

struct stats {
    std::vector<double> latency_ms;
    std::uint64_t messages = 0, snapshots = 0, gaps = 0, errors = 0, connected = 0;
    std::int64_t measure_from_us = 0;
};

class client : public std::enable_shared_from_this<client> {
public:
    client(net::io_context& ioc, stats& st, bool deflate) : m_ws(net::make_strand(ioc)), m_stats(st) {
        websocket::permessage_deflate pmd;
        pmd.client_enable = deflate;
        m_ws.set_option(pmd);
    }
    void start(const tcp::resolver::results_type& ep, const std::string& host) {
        m_host = host;
        beast::get_lowest_layer(m_ws).async_connect(ep, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return self->fail();
            self->m_ws.async_handshake(self->m_host, "/ws/risk", [self](beast::error_code ec2) {
                if (ec2) return self->fail();
                self->m_stats.connected++;
                self->read();
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
            const std::string msg = beast::buffers_to_string(self->m_buf.data());
            self->m_buf.consume(self->m_buf.size());
            const auto t = now_us();
            auto& st = self->m_stats;
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
};
} // namespace

int main(int argc, char** argv) {
    int port = 8080, clients = 100, seconds = 10, warmup = 3;
    bool deflate = true;
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
        else {
            std::fprintf(stderr, "ws_load: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    net::io_context ioc;
    stats st;
    st.measure_from_us = now_us() + std::int64_t(warmup) * 1'000'000;
    tcp::resolver resolver(ioc);
    const auto ep = resolver.resolve("127.0.0.1", std::to_string(port));
    std::vector<std::shared_ptr<client>> all;
    for (int i = 0; i < clients; ++i) {
        all.push_back(std::make_shared<client>(ioc, st, deflate));
        all.back()->start(ep, "127.0.0.1:" + std::to_string(port));
    }
    net::steady_timer done(ioc, std::chrono::seconds(warmup + seconds));
    done.async_wait([&](beast::error_code) {
        for (auto& c : all) c->stop();
        ioc.stop();
    });
    ioc.run();
    std::vector<double> hz;
    for (const auto& c : all) hz.push_back(c->m_count / double(seconds));
    std::sort(hz.begin(), hz.end());
    const double min_hz = hz.empty() ? 0 : hz.front(), median_hz = hz.empty() ? 0 : hz[hz.size() / 2];
    auto& l = st.latency_ms;
    std::sort(l.begin(), l.end());
    auto q = [&](double p) { return l.empty() ? -1.0 : l[std::min(l.size() - 1, static_cast<std::size_t>(p * (l.size() - 1)))]; };
    std::printf("{\"clients\":%d,\"connected\":%llu,\"errors\":%llu,\"deflate\":%s,\"seconds\":%d,\"messages\":%llu,"
                "\"messages_per_s\":%.1f,\"per_client_hz\":%.2f,\"min_client_hz\":%.2f,\"median_client_hz\":%.2f,\"snapshots\":%llu,\"gaps\":%llu,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}\n",
                clients, (unsigned long long)st.connected, (unsigned long long)st.errors, deflate ? "true" : "false", seconds,
                (unsigned long long)st.messages, st.messages / double(seconds), st.messages / double(seconds) / std::max(1, clients), min_hz, median_hz,
                (unsigned long long)st.snapshots, (unsigned long long)st.gaps, q(0.5), q(0.99), l.empty() ? -1.0 : l.back());
}
