#pragma once
// The accept loop of rtrisk_live: connections up to --max-connections, a reserve answering
// /healthz past it, and shedding instead of spinning when the process runs out of descriptors.
// Connections are spread over the io threads in turn (--io-threads); each stays on its thread.

#include <utility>

#include <boost/asio.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "../app/server_context.hpp"
#include "../sinks/websocket_fanout.hpp"
#include "http_session.hpp"

namespace rtrisk_live {

/// Accepts connections up to the limit; past it, from a reserve that answers only /healthz.
/// When the process is out of file descriptors it sheds the waiting connection (a spare
/// descriptor is kept for that) and pauses before accepting again, instead of spinning.
class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, tcp::endpoint ep, std::vector<io_shard> shards, server_context* ctx)
        : m_acceptor(ioc), m_retry(ioc), m_shards(std::move(shards)), m_ctx(ctx) {
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
        m_acceptor.async_accept(m_shards[m_next].ioc, [self = shared_from_this()](beast::error_code ec, tcp::socket s) { self->on_accept(ec, std::move(s)); });
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
            auto& shard = m_shards[m_next];
            m_next = (m_next + 1) % m_shards.size();
            net::post(shard.ioc, [s = std::move(s), &h = shard.fanout, ctx = m_ctx, slot = connection_slot(l, overflow)]() mutable {
                std::make_shared<http_session>(std::move(s), h, *ctx, std::move(slot))->run();
            });
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
    std::vector<io_shard> m_shards;
    std::size_t m_next = 0; ///< the shard the next connection goes to
    server_context* m_ctx;
    int m_spare = -1;
};

/// The open-file limit raised to its hard maximum; returns the soft limit in force.
inline int raise_open_file_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
    if (r.rlim_cur < r.rlim_max) {
        rlimit want = r;
        want.rlim_cur = std::min<rlim_t>(r.rlim_max, 1 << 20);
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) r = want;
    }
    return static_cast<int>(std::min<rlim_t>(r.rlim_cur, 1 << 20));
}


} // namespace rtrisk_live
