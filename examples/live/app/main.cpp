// rtrisk_live: the live stack in one process, wiring only. The risk service (app/risk_service.hpp)
// loads a book from files (docs/book.md); its engine thread applies ticks (embedded simulator,
// file replay or Kafka) to the per-node incremental risk state and publishes at the rate
// publish_schedule sets; Beast's io threads (--io-threads, connections spread over them)
// serve the dashboard, /ws/risk (snapshot + deltas, docs/protocol.md), /api/risk, /healthz and
// /metrics. With --once it prints the risk per node and exits. What it defends against, and how,
// is in docs/security.md; its limits under faults in docs/reliability.md.
//
//   source ──► engine thread ──► risk_snapshot ──► wire codec ──► publication ──post──► io threads
//   (sources/)  (engine/)                            (wire/)       (immutable)   ├─► websocket_fanout (sinks/)
//                                                                                └─► http_session: /api/risk, /metrics, files (http/)
//
// Usage: rtrisk_live --help (every option is range-checked; a bad one exits with status 2).

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../http/listener.hpp"
#include "../sinks/websocket_fanout.hpp"
#include "options.hpp"
#include "risk_service.hpp"
#include "server_context.hpp"

using namespace rtrisk_live;

namespace {
std::atomic<bool> g_stop{false};
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
        if (cfg.once) {
            try { // with --ticks: the file applied first, as a batch computation
                std::puts(once_report(cfg).dump().c_str());
                return 0;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "rtrisk live: %s\n", e.what());
                return 2;
            }
        }
        std::unique_ptr<risk_service> svc_ptr;
        try { // the files named on the command line: a bad one is a usage error
            svc_ptr = std::make_unique<risk_service>(cfg, make_instance_id());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rtrisk live: %s\n", e.what());
            return 2;
        }
        risk_service& svc = *svc_ptr;
        metrics& m = svc.stats();

        // What sessions refer to is declared before the io_context: the sessions its queued
        // handlers still hold at exit are destroyed with it, and must find these alive.
        const int io_threads = cfg.io_threads > 0 ? cfg.io_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        std::vector<std::unique_ptr<websocket_fanout>> fanouts;
        for (int i = 0; i < io_threads; ++i) fanouts.push_back(std::make_unique<websocket_fanout>(m, svc.instance(), svc.client_ready()));
        std::unique_ptr<server_context> ctx_storage;
        std::vector<std::unique_ptr<net::io_context>> contexts;
        std::vector<io_shard> shards;
        for (int i = 0; i < io_threads; ++i) {
            contexts.push_back(std::make_unique<net::io_context>(1));
            shards.push_back({*contexts.back(), *fanouts[i]});
        }
        net::io_context& ioc = *contexts.front(); // also accepts, and takes the signals
        auto stop_all = [&] {
            for (auto& c : contexts) c->stop();
        };
        std::shared_ptr<listener> l;
        try {
            l = std::make_shared<listener>(ioc, tcp::endpoint(net::ip::make_address(cfg.bind), cfg.port), shards, nullptr);
        } catch (const boost::system::system_error& e) { // the port is taken or not ours: a usage error, as in rtrisk serve
            std::fprintf(stderr, "rtrisk live: cannot listen on %s:%d: %s\n", cfg.bind.c_str(), cfg.port, e.code().message().c_str());
            return 2;
        }
        ctx_storage.reset(new server_context{cfg, m, access_policy(cfg.bind, l->port(), cfg.allowed_hosts, cfg.allowed_origins, cfg.token),
                                             static_root(cfg.static_dir), svc.instance(), rate_limited_log(), connection_limits{}, nullptr, nullptr, {}, {}, {}, {}, {}});
        server_context& ctx = *ctx_storage;
        const int fd_limit = raise_open_file_limit();
        ctx.limits.max = cfg.max_connections > 0 ? cfg.max_connections : std::max(16, fd_limit - connection_reserve);
        ctx.limits.m = &m;
        l->set_context(&ctx);
        l->run();
        // Each io thread supervises its own clients.
        std::vector<std::unique_ptr<net::steady_timer>> timers;
        std::vector<std::function<void()>> arms(shards.size());
        for (std::size_t i = 0; i < shards.size(); ++i) {
            timers.push_back(std::make_unique<net::steady_timer>(shards[i].ioc));
            arms[i] = [&, i] {
                timers[i]->expires_after(std::chrono::milliseconds(250));
                timers[i]->async_wait([&, i](beast::error_code ec) {
                    if (ec) return;
                    try {
                        if (i == 0) ctx.log.flush(); // the count of network lines the rate limit held back
                        shards[i].fanout.tick_timers();
                    } catch (const std::exception& e) { // supervision must go on
                        m.internal_errors_total++;
                        ctx.log.write(std::string("client supervision failed: ") + e.what());
                    }
                    arms[i]();
                });
            };
            arms[i]();
        }
        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) {
            g_stop = true;
            stop_all();
        });
        std::printf("rtrisk live: http://%s:%u/  (WebSocket /ws/risk, /api/risk, /api/whatif, /api/limits, /api/node, /api/backtest, /healthz, /metrics; %s; instance %s; up to %d connections on %d io threads)\n",
                    cfg.bind.c_str(), l->port(), svc.feed().c_str(), ctx.instance.c_str(),
                    ctx.limits.max, io_threads);
        std::fflush(stdout);

        websocket_sink ws_sink(shards, m);
        ctx.recent = &svc.recent();
        // A handler that throws is logged and the loop goes on; nothing a client sends stops it.
        auto run = [&](net::io_context& c) {
            while (!g_stop) {
                try {
                    c.run();
                    break;
                } catch (const std::exception& e) {
                    m.internal_errors_total++;
                    ctx.log.write(std::string("network handler failed: ") + e.what());
                }
            }
        };
        // Every way out of this scope, an exception too: the io threads stopped and joined, then the
        // engine (which posts to them), then the sessions let go while their io_contexts live.
        std::vector<std::thread> io_pool;
        struct shutdown {
            std::function<void()> run;
            ~shutdown() { run(); }
        } at_exit{[&] {
            g_stop = true;
            stop_all();
            for (auto& t : io_pool)
                if (t.joinable()) t.join();
            svc.stop();
            for (auto& f : fanouts) f->clear();
        }};
        // Each io_context runs until stopped, whatever work it has (a thread never ends early).
        std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
        for (auto& c : contexts) keep_running.push_back(net::make_work_guard(*c));
        svc.start({&ws_sink}, [&](const std::string& why) {
            std::fprintf(stderr, "rtrisk live: engine stopped: %s\n", why.c_str());
            g_stop = true;
            stop_all();
        });
        ctx.stored = svc.stored();
        ctx.what_if = [&svc](std::string_view body, server_context::answer_to done) { svc.what_if(body, std::move(done)); };
        ctx.risk_limits = [&svc] { return svc.limits(); };
        ctx.node_detail = [&svc](const request_target& t, server_context::answer_to done) { svc.node(t, std::move(done)); };
        ctx.backtest = [&svc](const request_target& t, server_context::answer_to done) { svc.backtest(t, std::move(done)); };
        ctx.set_limits = [&svc](std::string_view body, server_context::answer_to done) { svc.set_limits(body, std::move(done)); };
        for (std::size_t i = 1; i < contexts.size(); ++i) io_pool.emplace_back([&, i] { run(*contexts[i]); });
        run(ioc);
        return 0; // at_exit stops and joins
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtrisk live: %s\n", e.what());
        return 1;
    }
}

