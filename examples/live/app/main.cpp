// rtrisk_live: the live stack in one process, wiring only. It loads a book from files
// (docs/book.md); the engine thread applies ticks (embedded simulator or file replay) to the
// per-node incremental risk state and publishes at the rate publish_schedule sets; the io thread
// serves the dashboard, /ws/risk (snapshot + deltas, docs/protocol.md), /api/risk, /healthz and
// /metrics. With --once it prints the risk per node and exits. What it defends against, and how,
// is in docs/security.md; its limits under faults in docs/reliability.md.
//
//   source ──► engine thread ──► risk_snapshot ──► wire codec ──► publication ──post──► io thread
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

#include "../engine/aggregate.hpp"
#include "../engine/engine.hpp"
#include "../engine/publish_schedule.hpp"
#include "../http/listener.hpp"
#include "../sinks/history_sink.hpp"
#include "../sinks/sink.hpp"
#include "../sinks/websocket_fanout.hpp"
#include "../kafka/kafka_source.hpp"
#include "../kafka/mock_cluster.hpp"
#include "../kafka/risk_sinks.hpp"
#include "../kafka/trading_system.hpp"
#include "../sources/file_replay.hpp"
#include "../wire/publication.hpp"
#include "../wire/snapshot_json.hpp"
#include "options.hpp"
#include "server_context.hpp"

using namespace rtrisk_live;

namespace {

std::atomic<bool> g_stop{false};

/// A snapshot onto the wire, once, for every sink: the publication (snapshot and delta bodies),
/// the /api/risk report and the typed figures.
class publishing {
public:
    publishing(const server_config& cfg, metrics& m, const std::vector<sink*>& sinks)
        : m_pub(static_cast<std::size_t>(cfg.history_points)), m_metrics(m), m_sinks(sinks),
          m_server_info{{"publish_ms", 1000.0 / cfg.publish_hz}, {"heartbeat_ms", cfg.heartbeat_ms}, {"history_points", cfg.history_points}} {}

    /// Publishes `snap` (a snapshot without nodes is not published: nothing to show yet).
    void publish(risk_snapshot snap, steady::time_point started) {
        if (snap.nodes.empty()) return;
        auto data = to_wire(snap);
        data["server"] = m_server_info; // constant: sent in snapshots, never again in deltas
        auto p = m_pub.next(std::move(data), snap.event_time_us, now_us());
        auto report = risk_report(snap);
        report["seq"] = p->version;
        report["event_time_us"] = snap.event_time_us;
        p->risk_body = report.dump();
        p->snapshot = std::make_shared<const risk_snapshot>(std::move(snap));
        m_metrics.observe_publish(std::chrono::duration<double>(steady::now() - started).count());
        const publication_ptr shared = std::move(p);
        for (auto* s : m_sinks) s->consume(shared);
    }

private:
    publisher m_pub;
    metrics& m_metrics;
    const std::vector<sink*>& m_sinks;
    nlohmann::json m_server_info;
};

/// The scale-out aggregator's loop (docs/scaling.md): the newest vectors record of every trades
/// partition, summed up the hierarchy and published like an engine's snapshot. A bad record is
/// counted and logged; the previous one of its partition stands.
void run_aggregator(const server_config& cfg, metrics& m, rate_limited_log& log, std::atomic<bool>& client_ready, const std::vector<sink*>& sinks) {
    auto props = kafka::common_properties(cfg.kafka);
    props.insert(props.end(), {{"group.id", cfg.kafka.group + ".aggregator." + std::to_string(now_us())},
                               {"auto.offset.reset", "earliest"},
                               {"enable.auto.commit", "false"},
                               {"fetch.wait.max.ms", "10"}});
    props.insert(props.end(), cfg.kafka.extra.begin(), cfg.kafka.extra.end());
    auto rk = kafka::make_client(RD_KAFKA_CONSUMER, props);
    rd_kafka_poll_set_consumer(rk.get());
    kafka::partition_list topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), cfg.kafka.vectors_topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (const auto err = rd_kafka_subscribe(rk.get(), topics.get())) throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(err));
    vector_aggregate agg;
    publishing out(cfg, m, sinks);
    publish_schedule schedule(cfg.publish_hz, cfg.positions_hz, cfg.low_latency, steady::now());
    std::int64_t newest = 0;
    while (!g_stop) {
        for (int i = 0; i < 256; ++i) {
            kafka::message msg(rd_kafka_consumer_poll(rk.get(), i == 0 ? 5 : 0));
            if (!msg) break;
            if (msg->err) {
                m.kafka_errors_total++;
                log.write(std::string("kafka: ") + rd_kafka_message_errstr(msg.get()));
                continue;
            }
            m.kafka_messages_total++;
            try {
                auto r = kafka::decode_partition(std::string_view(msg->payload ? static_cast<const char*>(msg->payload) : "", msg->len));
                newest = std::max(newest, r.event_time_us);
                agg.put(std::move(r));
            } catch (const std::exception& e) {
                m.kafka_rejects_total++;
                log.write(cfg.kafka.vectors_topic + "[" + std::to_string(msg->partition) + "]@" + std::to_string(msg->offset) + ": " + e.what());
            }
        }
        const auto now = steady::now();
        const auto d = schedule.poll(now, newest, client_ready.load(std::memory_order_relaxed));
        if (d.publish && agg.partitions_seen() > 0) {
            client_ready.store(false, std::memory_order_relaxed);
            try {
                out.publish(agg.snapshot(), now);
            } catch (const std::exception& e) {
                m.internal_errors_total++;
                log.write(std::string("publication failed, the previous one stands: ") + e.what());
            }
        }
    }
    rd_kafka_consumer_close(rk.get());
}

/// The engine thread's loop: apply ticks, publish at the fixed rate. Nothing a tick source
/// can send ends it: every exception is counted and logged with its place.
void run_engine(const server_config& cfg, engine& eng, source& src, metrics& m, rate_limited_log& log, std::atomic<bool>& client_ready,
                const std::vector<sink*>& sinks) {
    const snapshot_parts every{true, true, !cfg.kafka.vectors_topic.empty()};
    publishing out(cfg, m, sinks);
    publish_schedule schedule(cfg.publish_hz, cfg.positions_hz, cfg.low_latency, steady::now());
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
        if (src.take_reset()) { // a Kafka rebalance: start again from the files, keeping this engine's nodes
            eng = engine(load_book(cfg.book, cfg.market, [&src](std::string_view node) { return src.holds(node); }));
            log.write("partitions reassigned: the state is rebuilt from the book files and a replay of the topics");
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
                src.rejected(t, e.what());
            }
        }
        src.applied();
        m.ticks_total = eng.ticks();
        const auto now = steady::now();
        if (now - second_start >= std::chrono::seconds(1)) {
            m.ticks_per_second = double(eng.ticks() - ticks_at_second) / std::chrono::duration<double>(now - second_start).count();
            ticks_at_second = eng.ticks();
            second_start = now;
        }
        const auto d = schedule.poll(now, eng.last_event_us(), client_ready.load(std::memory_order_relaxed));
        if (d.publish) {
            client_ready.store(false, std::memory_order_relaxed);
            const auto t0 = steady::now();
            try {
                auto parts = d.parts;
                parts.own_vectors = every.own_vectors;
                out.publish(eng.snapshot(parts), t0);
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
        kafka::settings kcfg = cfg.kafka;
        rate_limited_log kafka_log;
        std::unique_ptr<kafka::mock_cluster> mock;
        std::unique_ptr<kafka::producer> kafka_out;
        std::unique_ptr<source> src;
        std::unique_ptr<kafka::trading_system> traders;
        const std::string instance = make_instance_id();
        rate_limited_log history_log;
        std::unique_ptr<history_sink> db_out;
        try { // the files named on the command line: a bad one is a usage error
            if (cfg.aggregate) {
                kafka_out = std::make_unique<kafka::producer>(kcfg, m); // for the risk topic
            } else {
                eng_ptr = std::make_unique<engine>(load_book(cfg.book, cfg.market));
                if (cfg.once) { // with --ticks: the file applied first, as a batch computation
                    if (!cfg.ticks_file.empty()) {
                        file_source f(cfg.ticks_file, eng_ptr->symbol_index());
                        std::vector<tick> batch;
                        while (f.next(batch, 8192)) {
                            for (const auto& t : batch) eng_ptr->apply(t);
                            batch.clear();
                        }
                        std::vector<std::string> why;
                        if (f.take_rejects(why)) throw std::invalid_argument(why.empty() ? "a tick line was refused" : why.front());
                    }
                    std::puts(risk_report(eng_ptr->snapshot()).dump().c_str());
                    return 0;
                }
                if (!cfg.kafka.brokers.empty()) {
                    if (cfg.kafka.brokers == "mock") { // the whole pipeline in this process: mock brokers, the simulator as the trading system
                        mock = std::make_unique<kafka::mock_cluster>(3, std::vector<std::pair<std::string, int>>{
                            {cfg.kafka.ticks_topic, 4}, {cfg.kafka.trades_topic, 4}, {cfg.kafka.dead_letter_topic, 1}, {cfg.kafka.risk_topic.empty() ? "risk" : cfg.kafka.risk_topic, 4},
                            {cfg.kafka.vectors_topic.empty() ? "risk.vectors" : cfg.kafka.vectors_topic, 4}});
                        kcfg.brokers = mock->bootstraps();
                        traders = std::make_unique<kafka::trading_system>(kcfg, *eng_ptr, cfg.rate, cfg.seed);
                    }
                    kafka_out = std::make_unique<kafka::producer>(kcfg, m);
                    src = std::make_unique<kafka::kafka_source>(kcfg, eng_ptr->symbol_index(), *kafka_out, m, kafka_log);
                } else if (cfg.ticks_file.empty()) {
                    src = eng_ptr->make_simulator(cfg.rate, cfg.market_speed, cfg.seed);
                } else {
                    src = std::make_unique<file_source>(cfg.ticks_file, eng_ptr->symbol_index());
                }
            }
            if (!cfg.history.url.empty()) db_out = std::make_unique<history_sink>(cfg.history, instance, m, history_log);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rtrisk live: %s\n", e.what());
            return 2;
        }

        // What sessions refer to is declared before the io_context: the sessions its queued
        // handlers still hold at exit are destroyed with it, and must find these alive.
        websocket_fanout h(m);
        history::ring recent;
        std::unique_ptr<server_context> ctx_storage;
        net::io_context ioc(1);
        auto l = std::make_shared<listener>(ioc, tcp::endpoint(net::ip::make_address(cfg.bind), cfg.port), h, nullptr);
        ctx_storage.reset(new server_context{cfg, m, access_policy(cfg.bind, l->port(), cfg.allowed_hosts, cfg.allowed_origins, cfg.token),
                                             static_root(cfg.static_dir), instance, rate_limited_log(), connection_limits{}});
        server_context& ctx = *ctx_storage;
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
        const std::string feed = cfg.aggregate ? "aggregating " + kcfg.vectors_topic + " from kafka " + kcfg.brokers
                                 : !kcfg.brokers.empty() ? "kafka " + kcfg.brokers + (mock ? " (mock cluster, simulated trading system)" : "")
                                 : cfg.ticks_file.empty() ? std::string("simulator") : cfg.ticks_file;
        std::printf("rtrisk live: http://%s:%u/  (WebSocket /ws/risk, /api/risk, /healthz, /metrics; %s; instance %s; up to %d connections)\n",
                    cfg.bind.c_str(), l->port(), feed.c_str(), ctx.instance.c_str(),
                    ctx.limits.max);
        std::fflush(stdout);

        websocket_sink ws_sink(ioc, h);
        ctx.recent = &recent;
        std::vector<sink*> sinks{&ws_sink, &recent};
        std::unique_ptr<history::reader> db_in;
        if (db_out) {
            sinks.push_back(db_out.get());
            db_in = std::make_unique<history::reader>(cfg.history.url, [&db_out] { return db_out->storage(); });
            ctx.stored = db_in.get();
        }
        std::unique_ptr<sink> risk_out, vectors_out;
        if (kafka_out && !kcfg.risk_topic.empty()) sinks.push_back((risk_out = std::make_unique<kafka::risk_sink>(*kafka_out, kcfg.risk_topic, ctx.instance)).get());
        if (kafka_out && !kcfg.vectors_topic.empty() && !cfg.aggregate) {
            vectors_out = std::make_unique<kafka::vectors_sink>(*kafka_out, static_cast<const kafka::kafka_source&>(*src), kcfg, ctx.instance);
            sinks.push_back(vectors_out.get());
        }
        std::thread engine_thread([&] {
            try {
                if (cfg.aggregate) run_aggregator(cfg, m, ctx.log, h.client_ready, sinks);
                else run_engine(cfg, *eng_ptr, *src, m, ctx.log, h.client_ready, sinks);
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

