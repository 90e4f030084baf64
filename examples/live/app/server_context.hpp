#pragma once
// What every network session of rtrisk_live shares (from every io thread): the Beast/Asio names,
// the limits, the connection slots against --max-connections, and the server context (options,
// metrics, access policy, static folder, instance id, log).

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "../http/access_policy.hpp"
#include "../http/history_answer.hpp"
#include "../http/request_target.hpp"
#include "../http/metrics.hpp"
#include "../http/server_limits.hpp"
#include "../http/static_files.hpp"
#include "../rate_limited_log.hpp"
#include "../sources/source.hpp"
#include "../store/history_reader.hpp"
#include "../store/history_ring.hpp"
#include "options.hpp"

namespace rtrisk_live {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;


inline std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

/// A generator for ping nonces (one per io thread).
inline std::mt19937_64& session_rng() {
    thread_local std::mt19937_64 gen(std::random_device{}());
    return gen;
}

/// Open connections against the limit. A slot is held by a session for its life; slots are taken
/// on the accepting thread and given back on the session's io thread.
struct connection_limits {
    int max = 1000;
    std::atomic<int> open{0};
    std::atomic<int> overflow{0}; ///< connections past `max`, answered from the reserve (/healthz or 503)
    metrics* m = nullptr;
};

class connection_slot {
public:
    connection_slot(connection_limits& l, bool overflow) : m_limits(&l), m_overflow(overflow) {
        (overflow ? l.overflow : l.open)++;
        l.m->connections++;
    }
    connection_slot(connection_slot&& o) noexcept : m_limits(std::exchange(o.m_limits, nullptr)), m_overflow(o.m_overflow) {}
    connection_slot& operator=(connection_slot&&) = delete;
    ~connection_slot() {
        if (!m_limits) return;
        (m_overflow ? m_limits->overflow : m_limits->open)--;
        m_limits->m->connections--;
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
    history::ring* recent = nullptr;   ///< every node's recent points (GET /api/history)
    history::reader* stored = nullptr; ///< the database's series, when there is one
    /// Requests the risk service answers (app/risk_service.hpp); `done` may run on another thread.
    using answer_to = std::function<void(http_answer)>;
    std::function<void(std::string_view body, answer_to done)> what_if;
    std::function<http_answer()> risk_limits;
    std::function<void(const request_target& target, answer_to done)> node_detail;
    std::function<void(const request_target& target, answer_to done)> backtest;
    std::function<void(std::string_view body, answer_to done)> set_limits;
};


} // namespace rtrisk_live
