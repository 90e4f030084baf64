#pragma once
// The risk service without its network front: everything a server_config names except the
// listening socket. It loads the book, builds the tick source (simulator, file replay, Kafka, or
// the scale-out aggregator's vectors topic), the history store and the Kafka sinks, and runs the
// engine thread, which hands every publication to the transport's sinks as well. rtrisk_live puts
// Beast in front of it (app/main.cpp); the Python service (python/rtrisk/service.py) FastAPI.
//
//   source ──► engine thread ──► risk_snapshot ──► wire codec ──► publication ──► sinks
//                                                                                ├─► the transport's (WebSocket fan-out)
//                                                                                ├─► history::ring (/api/history)
//                                                                                ├─► history_sink (PostgreSQL)
//                                                                                └─► Kafka risk and vectors topics

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../engine/aggregate.hpp"
#include "../engine/engine.hpp"
#include "../engine/limits.hpp"
#include "../engine/publish_schedule.hpp"
#include "../http/history_answer.hpp"
#include "../http/metrics.hpp"
#include "../kafka/kafka_source.hpp"
#include "../kafka/mock_cluster.hpp"
#include "../kafka/risk_sinks.hpp"
#include "../kafka/trading_system.hpp"
#include "../rate_limited_log.hpp"
#include "../sinks/history_sink.hpp"
#include "../sinks/sink.hpp"
#include "../sources/file_replay.hpp"
#include "../store/history_reader.hpp"
#include "../store/history_ring.hpp"
#include "../wire/publication.hpp"
#include "../wire/snapshot_json.hpp"
#include "../wire/node_detail_json.hpp"
#include "../wire/what_if_json.hpp"
#include "options.hpp"

namespace rtrisk_live {

/// The server instance: a random id chosen at start and sent in every snapshot, so a client
/// knows when seq numbers restart (docs/protocol.md).
inline std::string make_instance_id() {
    std::random_device rd;
    std::mt19937_64 gen((std::uint64_t(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(now_us()));
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(gen()));
    return buf;
}

/// The --once report: the book loaded, the --ticks file applied as a batch, the risk per node.
/// Throws std::invalid_argument for a refused tick line.
inline nlohmann::json once_report(const server_config& cfg) {
    engine eng(load_book(cfg.book, cfg.market));
    if (!cfg.ticks_file.empty()) {
        file_source f(cfg.ticks_file, eng.symbol_index());
        std::vector<tick> batch;
        while (f.next(batch, 8192)) {
            for (const auto& t : batch) {
                try {
                    eng.apply(t);
                } catch (const std::exception& e) { // a tick or trade the engine refuses (bounds): named by its line
                    throw std::invalid_argument(f.where(t) + ": " + e.what());
                }
            }
            batch.clear();
        }
        std::vector<std::string> why;
        if (f.take_rejects(why)) throw std::invalid_argument(why.empty() ? "a tick line was refused" : why.front());
    }
    return risk_report(eng.snapshot());
}

class risk_service {
public:
    using steady = std::chrono::steady_clock;

    /// Loads what `cfg` names; throws std::exception for a file that cannot be used (the caller
    /// reports it as a usage error).
    risk_service(const server_config& cfg, std::string instance) : m_cfg(cfg), m_kafka(cfg.kafka), m_instance(std::move(instance)) {
        if (cfg.aggregate) {
            m_kafka_out = std::make_unique<kafka::producer>(m_kafka, m_metrics); // for the risk topic
        } else {
            m_engine = std::make_unique<engine>(load_book(cfg.book, cfg.market));
            if (!cfg.kafka.brokers.empty()) {
                if (cfg.kafka.brokers == "mock") { // the whole pipeline in this process: mock brokers, the simulator as the trading system
                    m_mock = std::make_unique<kafka::mock_cluster>(3, std::vector<std::pair<std::string, int>>{
                        {cfg.kafka.ticks_topic, 4}, {cfg.kafka.trades_topic, 4}, {cfg.kafka.dead_letter_topic, 1}, {cfg.kafka.risk_topic.empty() ? "risk" : cfg.kafka.risk_topic, 4},
                        {cfg.kafka.alerts_topic.empty() ? "risk.alerts" : cfg.kafka.alerts_topic, 1},
                        {cfg.kafka.vectors_topic.empty() ? "risk.vectors" : cfg.kafka.vectors_topic, 4}});
                    m_kafka.brokers = m_mock->bootstraps();
                    m_traders = std::make_unique<kafka::trading_system>(m_kafka, *m_engine, cfg.rate, cfg.seed);
                }
                m_kafka_out = std::make_unique<kafka::producer>(m_kafka, m_metrics);
                m_source = std::make_unique<kafka::kafka_source>(m_kafka, m_engine->symbol_index(), *m_kafka_out, m_metrics, m_kafka_log);
            } else if (cfg.ticks_file.empty()) {
                m_source = m_engine->make_simulator(cfg.rate, cfg.market_speed, cfg.seed);
            } else {
                m_source = std::make_unique<file_source>(cfg.ticks_file, m_engine->symbol_index());
            }
        }
        if (!cfg.history.url.empty()) m_db_out = std::make_unique<history_sink>(cfg.history, m_instance, m_metrics, m_history_log);
        if (!cfg.limits_file.empty()) {
            m_limits = load_limits(cfg.limits_file);
            m_monitor.set(m_limits, 0);
        }
    }
    risk_service(const risk_service&) = delete;
    risk_service& operator=(const risk_service&) = delete;
    ~risk_service() { stop(); }

    /// Starts the engine (or aggregator) thread; every publication goes to `transport` and the
    /// service's own sinks. `on_fatal(message)` is called on that thread if it stops.
    void start(std::vector<sink*> transport, std::function<void(const std::string&)> on_fatal) {
        if (m_thread.joinable()) throw std::logic_error("risk_service: started twice");
        m_sinks = std::move(transport);
        m_sinks.push_back(&m_recent);
        if (m_db_out) {
            m_sinks.push_back(m_db_out.get());
            m_db_in = std::make_shared<history::reader>(m_cfg.history.url, [this] { return m_db_out->storage(); });
        }
        if (m_kafka_out && !m_kafka.risk_topic.empty()) m_sinks.push_back((m_risk_out = std::make_unique<kafka::risk_sink>(*m_kafka_out, m_kafka.risk_topic, m_instance)).get());
        if (m_kafka_out && !m_kafka.alerts_topic.empty()) m_sinks.push_back((m_alerts_out = std::make_unique<kafka::alerts_sink>(*m_kafka_out, m_kafka.alerts_topic, m_instance)).get());
        if (m_kafka_out && !m_kafka.vectors_topic.empty() && !m_cfg.aggregate) {
            m_vectors_out = std::make_unique<kafka::vectors_sink>(*m_kafka_out, static_cast<const kafka::kafka_source&>(*m_source), m_kafka, m_instance);
            m_sinks.push_back(m_vectors_out.get());
        }
        m_thread = std::thread([this, on_fatal = std::move(on_fatal)] {
            try {
                if (m_cfg.aggregate) run_aggregator();
                else run_engine();
            } catch (const std::exception& e) {
                m_stop = true;
                if (on_fatal) on_fatal(e.what());
            }
        });
    }

    /// Stops the engine thread and the history reader (idempotent): queries still waiting are
    /// answered "shutting down" now, while the caller's transport can still take the answers.
    /// The sinks stay until the service is destroyed.
    void stop() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
        run_jobs(); // answered "stopped": the engine is gone for them
        std::shared_ptr<history::reader> reader;
        {
            std::lock_guard lock(m_reader_mutex);
            reader = std::move(m_db_in);
        }
    }
    bool stopped() const { return m_stop; }

    /// How ticks arrive, for the start-up line.
    std::string feed() const {
        return m_cfg.aggregate ? "aggregating " + m_kafka.vectors_topic + " from kafka " + m_kafka.brokers
               : !m_kafka.brokers.empty() ? "kafka " + m_kafka.brokers + (m_mock ? " (mock cluster, simulated trading system)" : "")
               : m_cfg.ticks_file.empty() ? std::string("simulator") : m_cfg.ticks_file;
    }
    const server_config& config() const { return m_cfg; }
    const std::string& instance() const { return m_instance; }
    metrics& stats() { return m_metrics; }
    rate_limited_log& log() { return m_log; }
    history::ring& recent() { return m_recent; }
    /// The database reader (null without a database, or once stopped); valid until stop().
    history::reader* stored() {
        std::lock_guard lock(m_reader_mutex);
        return m_db_in.get();
    }
    /// Low-latency mode: set by the transport when a client has nothing in flight, read by the
    /// engine thread to publish at once instead of waiting for the next fixed-rate slot.
    std::atomic<bool>& client_ready() { return m_client_ready; }

    /// GET /api/history for a parsed request, waiting for the database if there is one (a
    /// transport that cannot wait uses stored() and history_answer() itself).
    http_answer history(const history_request& q, bool published) {
        std::shared_ptr<history::reader> reader;
        {
            std::lock_guard lock(m_reader_mutex);
            reader = m_db_in;
        }
        if (!reader) return history_answer(q, {}, false, {}, m_recent, published, m_metrics, m_log);
        auto done = std::make_shared<std::promise<std::pair<history::series, std::string>>>();
        auto answer = done->get_future();
        if (!reader->submit(q.node, q.from_us, q.to_us, q.step_s, [done](history::series s, std::string error) { done->set_value({std::move(s), std::move(error)}); })) {
            return history_answer(q, {}, true, "too many history queries waiting", m_recent, published, m_metrics, m_log);
        }
        auto [s, error] = answer.get();
        return history_answer(q, std::move(s), true, error, m_recent, published, m_metrics, m_log);
    }

    /// POST /api/whatif (docs/protocol.md, "What-if"): `done` is called once with the answer, on
    /// the engine thread (the trades are priced against the live state between two batches of
    /// ticks) or at once for a refused request.
    void what_if(std::string_view body, std::function<void(http_answer)> done) {
        std::vector<what_if_trade> trades;
        try {
            trades = parse_what_if_request(body);
        } catch (const bad_what_if& e) {
            m_metrics.bad_requests_total++;
            return done({400, std::string(e.what()) + "\n"});
        }
        if (m_cfg.aggregate) return done({501, "what-if needs an engine holding the book; the aggregator holds vectors only\n"});
        auto job = [this, trades = std::move(trades), done](engine* e) {
            if (!e) return done({503, "the engine has stopped\n", false, true});
            try {
                const auto nodes = e->what_if(trades);
                m_metrics.what_if_total++;
                done({200, what_if_json(nodes, m_monitor.limits()).dump(), true});
            } catch (const std::invalid_argument& err) {
                m_metrics.bad_requests_total++;
                done({400, std::string(err.what()) + "\n"});
            }
        };
        if (!post(std::move(job))) done({503, "too many requests waiting for the engine\n", false, true});
    }
    http_answer what_if(std::string_view body) { return wait_for([&](auto done) { what_if(body, std::move(done)); }); }

    /// GET /api/node?path=P (docs/protocol.md, "Node detail") and GET /api/backtest?path=P
    /// ("Backtest"): computed on the engine thread, at most once per node every 500 ms (the
    /// backtest every 5 s), however many dashboards ask: a desk of 1,000 options costs ~8 ms of
    /// the engine thread (docs/performance.md).
    void node(const request_target& target, std::function<void(http_answer)> done) { node_view(target, false, std::move(done)); }
    void backtest(const request_target& target, std::function<void(http_answer)> done) { node_view(target, true, std::move(done)); }
    http_answer backtest(const request_target& target) { return wait_for([&](auto done) { backtest(target, std::move(done)); }); }
    http_answer node(const request_target& target) { return wait_for([&](auto done) { node(target, std::move(done)); }); }

    /// GET /api/limits: {"limits": [...], "editable": bool}.
    http_answer limits() {
        std::lock_guard lock(m_limits_mutex);
        auto j = limits_json(m_limits);
        j["editable"] = editable();
        j["file"] = m_cfg.limits_file;
        return {200, j.dump(), true};
    }
    /// Whether POST /api/limits may change the limits: a --limits file to save them to and a
    /// --token to authorise the change.
    bool editable() const { return !m_cfg.limits_file.empty() && !m_cfg.token.empty(); }

    /// POST /api/limits {"limits": [{"node", "measure", "limit"}, ...]}: each entry sets that
    /// limit, or with "limit": null removes it; the whole set is saved to the --limits file
    /// (written to a temporary file, then renamed) and applies from the next publication. The
    /// caller has checked the token; `done` is called once.
    void set_limits(std::string_view body, std::function<void(http_answer)> done) {
        if (!editable()) {
            return done({403, m_cfg.limits_file.empty() ? "limits are read-only: start the server with --limits FILE (and --token) to edit them\n"
                                                        : "limits are read-only: start the server with --token to edit them\n"});
        }
        std::vector<node_limit> set_these;
        std::vector<std::pair<std::string, limit_measure>> remove;
        try {
            const auto j = detail::parse_json(body, 4, "request body");
            if (!j.is_object() || !j.contains("limits") || !j["limits"].is_array()) throw limits_error("limits: an array is required");
            for (const auto& [k, v] : j.items()) {
                if (k != "limits") throw limits_error("unknown field '" + detail::excerpt(k) + "'");
            }
            auto without_nulls = j;
            auto& a = without_nulls["limits"];
            for (std::size_t i = 0; i < a.size(); ++i) { // "limit": null removes; checked like the others
                if (a[i].is_object() && a[i].contains("limit") && a[i]["limit"].is_null()) a[i]["limit"] = 1.0;
            }
            const auto parsed = limits_from_json(without_nulls);
            for (std::size_t i = 0; i < parsed.size(); ++i) {
                if (j["limits"][i]["limit"].is_null()) remove.emplace_back(parsed[i].node, parsed[i].measure);
                else set_these.push_back(parsed[i]);
            }
        } catch (const std::invalid_argument& e) { // malformed JSON, or a limits_error
            m_metrics.bad_requests_total++;
            return done({400, std::string(e.what()) + "\n"});
        }
        std::vector<node_limit> next;
        {
            std::lock_guard lock(m_limits_mutex);
            next = m_limits;
            for (const auto& [node, measure] : remove) {
                std::erase_if(next, [&node = node, &measure = measure](const node_limit& l) { return l.node == node && l.measure == measure; });
            }
            for (const auto& l : set_these) {
                const auto it = std::find_if(next.begin(), next.end(), [&](const node_limit& x) { return x.node == l.node && x.measure == l.measure; });
                if (it != next.end()) it->limit = l.limit;
                else next.push_back(l);
            }
            if (next.size() > 100000) return done({400, "limits: more than 100000 limits\n"});
            try {
                save_limits(next);
            } catch (const std::exception& e) {
                m_metrics.internal_errors_total++;
                m_log.write(std::string("limits: not saved: ") + e.what());
                return done({500, std::string("limits not saved: ") + e.what() + "\n"});
            }
            m_limits = next;
        }
        m_log.write("limits: " + std::to_string(next.size()) + " limits saved to " + m_cfg.limits_file);
        auto answer = limits();
        auto job = [this, next = std::move(next), done, answer](engine*) {
            m_monitor.set(next, now_us() / 1000);
            done(answer);
        };
        if (!post(std::move(job))) done({503, "too many requests waiting for the engine\n", false, true});
    }
    http_answer set_limits(std::string_view body) { return wait_for([&](auto done) { set_limits(body, std::move(done)); }); }

private:
    static constexpr std::size_t max_jobs = 64;

    void node_view(const request_target& target, bool backtest, std::function<void(http_answer)> done) {
        const auto path = target.param("path");
        if (!path || path->empty()) {
            m_metrics.bad_requests_total++;
            return done({400, "path: a node path is required (?path=FIRM/Equities)\n"});
        }
        if (m_cfg.aggregate) return done({501, "this view needs an engine holding the book; the aggregator holds vectors only\n"});
        auto job = [this, path = *path, backtest, done](engine* e) {
            if (!e) return done({503, "the engine has stopped\n", false, true});
            const auto now = steady::now();
            auto& cache = backtest ? m_backtest_cache : m_detail_cache;
            auto& cached = cache[path];
            if (cached.body.empty() || now - cached.at > (backtest ? backtest_max_age : detail_max_age)) {
                try {
                    cached = {now, backtest ? node_backtest_json(e->backtest_of(path)).dump() : node_detail_json(e->detail_of(path)).dump()};
                } catch (const std::invalid_argument& err) {
                    cache.erase(path);
                    return done({404, std::string(err.what()) + "\n"});
                }
            }
            const std::string body = cached.body;
            if (cache.size() > 256) cache.clear();
            done({200, body, true});
        };
        if (!post(std::move(job))) done({503, "too many requests waiting for the engine\n", false, true});
    }
    static constexpr auto detail_max_age = std::chrono::milliseconds(500);
    static constexpr auto backtest_max_age = std::chrono::seconds(5);
    struct cached_detail {
        steady::time_point at;
        std::string body;
    };
    using job = std::function<void(engine*)>;

    /// Queues `j` for the engine (or aggregator) thread; false when too many wait or it stopped.
    bool post(job j) {
        std::lock_guard lock(m_jobs_mutex);
        if (m_jobs.size() >= max_jobs || m_jobs_closed) return false;
        m_jobs.push_back(std::move(j));
        return true;
    }
    /// Runs the queued jobs (the engine thread, or stop() once it has ended: then with no engine).
    void run_jobs() {
        std::deque<job> now;
        {
            std::lock_guard lock(m_jobs_mutex);
            now.swap(m_jobs);
            if (m_stop) m_jobs_closed = true;
        }
        engine* e = m_stop ? nullptr : m_engine.get();
        for (auto& j : now) j(e);
    }
    template <class Start>
    static http_answer wait_for(Start start) {
        auto done = std::make_shared<std::promise<http_answer>>();
        auto answer = done->get_future();
        start([done](http_answer a) { done->set_value(std::move(a)); });
        return answer.get();
    }
    void save_limits(const std::vector<node_limit>& limits) {
        const std::filesystem::path path(m_cfg.limits_file);
        auto tmp = path;
        tmp += ".tmp";
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out << limits_csv(limits);
            out.flush();
            if (!out) throw std::runtime_error("cannot write '" + tmp.string() + "'");
        }
        std::filesystem::rename(tmp, path);
    }

    /// A snapshot onto the wire, once, for every sink: the publication (snapshot and delta
    /// bodies), the /api/risk report and the typed figures.
    class publishing {
    public:
        publishing(const server_config& cfg, metrics& m, const std::vector<sink*>& sinks, limit_monitor& limits)
            : m_pub(static_cast<std::size_t>(cfg.history_points)), m_metrics(m), m_sinks(sinks), m_limits(limits),
              m_server_info{{"publish_ms", 1000.0 / cfg.publish_hz}, {"heartbeat_ms", cfg.heartbeat_ms}, {"history_points", cfg.history_points}} {}

        /// Publishes `snap` (a snapshot without nodes is not published: nothing to show yet).
        void publish(risk_snapshot snap, steady::time_point started) {
            if (snap.nodes.empty()) return;
            auto data = to_wire(snap);
            data["server"] = m_server_info; // constant: sent in snapshots, never again in deltas
            const auto now = now_us();
            m_limits.update(snap, now / 1000);
            auto events = m_limits.take_new();
            for (const auto& e : events) (e.breach ? m_metrics.limit_breaches_total : m_metrics.limit_clears_total)++;
            m_metrics.limits_breached = m_limits.breached();
            add_limits_wire(data, m_limits);
            auto p = m_pub.next(std::move(data), snap.event_time_us, now,
                                snap.positions ? std::optional(position_columns_of(*snap.positions)) : std::nullopt,
                                {{"nodes", nodes_json(snap.nodes)}});
            for (const auto& e : events) p->alert_events.push_back(limit_event_json(e));
            p->snapshot = std::make_shared<const risk_snapshot>(std::move(snap));
            p->risk_body.make = [s = p->snapshot, seq = p->version] {
                auto report = risk_report(*s);
                report["seq"] = seq;
                report["event_time_us"] = s->event_time_us;
                return report.dump();
            };
            m_metrics.observe_publish(std::chrono::duration<double>(steady::now() - started).count());
            const publication_ptr shared = std::move(p);
            for (auto* s : m_sinks) s->consume(shared);
        }

    private:
        publisher m_pub;
        metrics& m_metrics;
        const std::vector<sink*>& m_sinks;
        limit_monitor& m_limits;
        nlohmann::json m_server_info;
    };

    /// The scale-out aggregator's loop (docs/scaling.md): the newest vectors record of every
    /// trades partition, summed up the hierarchy and published like an engine's snapshot. A bad
    /// record is counted and logged; the previous one of its partition stands.
    void run_aggregator() {
        const auto& cfg = m_cfg;
        auto& m = m_metrics;
        auto props = kafka::common_properties(m_kafka);
        props.insert(props.end(), {{"group.id", m_kafka.group + ".aggregator." + std::to_string(now_us())},
                                   {"auto.offset.reset", "earliest"},
                                   {"enable.auto.commit", "false"},
                                   {"fetch.wait.max.ms", "10"}});
        props.insert(props.end(), m_kafka.extra.begin(), m_kafka.extra.end());
        auto rk = kafka::make_client(RD_KAFKA_CONSUMER, props);
        rd_kafka_poll_set_consumer(rk.get());
        kafka::partition_list topics(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(topics.get(), m_kafka.vectors_topic.c_str(), RD_KAFKA_PARTITION_UA);
        if (const auto err = rd_kafka_subscribe(rk.get(), topics.get())) throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(err));
        vector_aggregate agg;
        publishing out(cfg, m, m_sinks, m_monitor);
        publish_schedule schedule(cfg.publish_hz, cfg.positions_hz, cfg.low_latency, steady::now());
        std::int64_t newest = 0;
        while (!m_stop) {
            for (int i = 0; i < 256; ++i) {
                kafka::message msg(rd_kafka_consumer_poll(rk.get(), i == 0 ? 5 : 0));
                if (!msg) break;
                if (msg->err) {
                    m.kafka_errors_total++;
                    m_log.write(std::string("kafka: ") + rd_kafka_message_errstr(msg.get()));
                    continue;
                }
                m.kafka_messages_total++;
                try {
                    auto r = kafka::decode_partition(std::string_view(msg->payload ? static_cast<const char*>(msg->payload) : "", msg->len));
                    newest = std::max(newest, r.event_time_us);
                    agg.put(std::move(r));
                } catch (const std::exception& e) {
                    m.kafka_rejects_total++;
                    m_log.write(m_kafka.vectors_topic + "[" + std::to_string(msg->partition) + "]@" + std::to_string(msg->offset) + ": " + e.what());
                }
            }
            const auto now = steady::now();
            const auto d = schedule.poll(now, newest, m_client_ready.load(std::memory_order_relaxed));
            // The aggregate's positions come with its vectors records: a refresh of the slower
            // parts has nothing of its own to add, so it is not published.
            if (d.publish && !d.refresh && agg.partitions_seen() > 0) {
                m_client_ready.store(false, std::memory_order_relaxed);
                try {
                    out.publish(agg.snapshot(), now);
                } catch (const std::exception& e) {
                    m.internal_errors_total++;
                    m_log.write(std::string("publication failed, the previous one stands: ") + e.what());
                }
            }
            if (jobs_may_run(d, schedule.next_due())) run_jobs();
        }
        rd_kafka_consumer_close(rk.get());
    }

    /// Engine jobs (GET /api/node and /api/backtest, what-if, trades, limits) run right after a
    /// publication that is not a refresh (a fixed-rate or low-latency one), or while the next
    /// publication is at least `job_margin` away: a job of up to the margin (20-30 ms on a
    /// 10,000-position book) does not hold back a due publication when periods are longer than
    /// twice the margin (--publish-hz up to ~16), and a job waits at most one period.
    static constexpr auto job_margin = std::chrono::milliseconds(30);
    static bool jobs_may_run(const publish_schedule::decision& d, steady::time_point next_due) {
        return (d.publish && !d.refresh) || steady::now() + job_margin <= next_due;
    }

    /// The engine thread's loop: apply ticks, publish at the fixed rate. Nothing a tick source
    /// can send ends it: every exception is counted and logged with its place.
    void run_engine() {
        const auto& cfg = m_cfg;
        auto& m = m_metrics;
        auto& src = *m_source;
        const snapshot_parts every{true, true, !m_kafka.vectors_topic.empty()};
        publishing out(cfg, m, m_sinks, m_monitor);
        publish_schedule schedule(cfg.publish_hz, cfg.positions_hz, cfg.low_latency, steady::now());
        std::vector<tick> batch;
        batch.reserve(8192);
        std::vector<std::string> reject_sample;
        auto second_start = steady::now();
        std::uint64_t ticks_at_second = 0;
        bool live = true, caught_up = false;
        while (!m_stop) {
            batch.clear();
            // At the fixed rate, a source that is caught up is read when the publication is due:
            // its ticks wait at most one period and the options on an underlying are repriced
            // once per publication, not once per batch (the risk between publications is never
            // shown). A backlog is read without pause.
            const bool wait = !cfg.low_latency && caught_up && steady::now() < schedule.next_slot();
            try {
                if (live && !wait) live = src.next(batch, 8192);
            } catch (const std::exception& e) {
                m.tick_rejects_total++;
                m_log.write(std::string("tick source failed, stopped: ") + e.what());
                live = false;
            }
            if (src.take_reset()) { // a Kafka rebalance: start again from the files, keeping this engine's nodes
                *m_engine = engine(load_book(cfg.book, cfg.market, [&src](std::string_view node) { return src.holds(node); }));
                m_log.write("partitions reassigned: the state is rebuilt from the book files and a replay of the topics");
            }
            reject_sample.clear();
            m.tick_rejects_total += src.take_rejects(reject_sample);
            for (const auto& r : reject_sample) m_log.write("rejected tick: " + r);
            auto& eng = *m_engine;
            eng.apply_batch(batch, [&](const tick& t, const std::exception& e) {
                m.tick_rejects_total++;
                m_log.write("rejected tick: " + src.where(t) + ": " + e.what());
                src.rejected(t, e.what());
            });
            src.applied();
            if (!wait) caught_up = batch.size() < 8192;
            m.ticks_total = eng.ticks();
            const auto now = steady::now();
            if (now - second_start >= std::chrono::seconds(1)) {
                m.ticks_per_second = double(eng.ticks() - ticks_at_second) / std::chrono::duration<double>(now - second_start).count();
                ticks_at_second = eng.ticks();
                second_start = now;
                m_log.flush(); // the count of lines the rate limit held back, once a second
                m_kafka_log.flush();
            }
            const auto d = schedule.poll(now, eng.last_event_us(), m_client_ready.load(std::memory_order_relaxed));
            if (d.publish) {
                m_client_ready.store(false, std::memory_order_relaxed);
                const auto t0 = steady::now();
                try {
                    auto parts = d.parts;
                    parts.own_vectors = every.own_vectors;
                    out.publish(eng.snapshot(parts), t0);
                } catch (const std::exception& e) {
                    m.internal_errors_total++;
                    m_log.write(std::string("publication failed, the previous one stands: ") + e.what());
                }
            }
            if (jobs_may_run(d, schedule.next_due())) run_jobs();
            if (!d.publish && batch.empty()) {
                std::this_thread::sleep_for(std::min<steady::duration>(std::chrono::microseconds(cfg.low_latency ? 50 : wait ? 1000 : 200),
                                                                       schedule.next_due() - now));
            }
        }
    }

    // Destruction runs in reverse declaration order, after the destructor has joined the thread:
    // the sinks go before the source and the producer they write to, the producer before the
    // mock cluster, the engine last.
    server_config m_cfg;
    kafka::settings m_kafka;
    std::string m_instance;
    metrics m_metrics;
    rate_limited_log m_log;
    rate_limited_log m_kafka_log;
    rate_limited_log m_history_log;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_client_ready{false};
    std::unique_ptr<engine> m_engine;
    std::unique_ptr<kafka::mock_cluster> m_mock;
    std::unique_ptr<kafka::producer> m_kafka_out;
    std::unique_ptr<source> m_source;
    std::unique_ptr<kafka::trading_system> m_traders;
    std::unique_ptr<history_sink> m_db_out;
    history::ring m_recent;
    std::mutex m_reader_mutex;
    std::shared_ptr<history::reader> m_db_in;
    std::unique_ptr<sink> m_risk_out, m_alerts_out, m_vectors_out;
    limit_monitor m_monitor; ///< the engine thread's
    std::map<std::string, cached_detail> m_detail_cache, m_backtest_cache; ///< the engine thread's: GET /api/node and /api/backtest answers by path
    std::mutex m_limits_mutex;
    std::vector<node_limit> m_limits; ///< as saved; the monitor takes them on the engine thread
    std::mutex m_jobs_mutex;
    std::deque<job> m_jobs;
    bool m_jobs_closed = false;
    std::vector<sink*> m_sinks;
    std::thread m_thread;
};

} // namespace rtrisk_live
