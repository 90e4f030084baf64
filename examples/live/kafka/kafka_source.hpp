#pragma once
// The trading system's feed: ticks and trades from Kafka, at least once and never counted twice
// (docs/protocol.md, "Kafka topics"; docs/scaling.md).
//
//   trades topic ──(group GROUP: partitions shared by the engines)────────┐
//   ticks topic  ──(group GROUP.ticks.ENGINE_ID: every partition)─────────┴─► next(batch) ─► engine
//                                                                              applied() ─► store offset + 1
//
// - Offsets are stored (enable.auto.offset.store=false) only in applied(), after the engine has
//   applied or refused the whole batch; librdkafka commits stored offsets every second and on
//   close, and a revocation commits them before the partitions go.
// - The state is rebuilt, not checkpointed: at every assignment the engine starts again from the
//   book files and reads each assigned partition from its beginning. Messages below the committed
//   offset are a replay (counted apart; no dead letter sent again); from there on it is live.
//   The trades topic is the book's history; a ticks topic compacted by symbol keeps that read short.
// - A trade id applied before is skipped. The ids are kept in a FIFO of the newest `trade_ids`
//   (default 10^6); since the replay reads every trade again, the set is rebuilt at each start.
// - Per-partition order is kept. A tick older (event time) than the newest applied for its symbol
//   is counted and skipped, so the last price of a symbol does not depend on how partitions
//   interleave. On Kafka a trade books at its price; only ticks move prices.
// - While engines share the trades partitions, a trade must arrive on the partition its node path
//   maps to (--trades-partitioner: murmur2, as Java clients and librdkafka's `murmur2_random`, or
//   consistent, librdkafka's default CRC32): that is what lets engines split a book. An engine
//   owning every partition takes a trade from any.
// - A malformed or refused message is counted, logged with topic[partition]@offset (rate-limited)
//   and forwarded with headers saying why to the dead-letter topic; the stream goes on.

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../http/metrics.hpp"
#include "../rate_limited_log.hpp"
#include "../sources/source.hpp"
#include "delivery.hpp"
#include "kafka_client.hpp"
#include "market_message.hpp"
#include "producer.hpp"

namespace rtrisk_live::kafka {

class kafka_source : public source {
public:
    static constexpr std::size_t max_reject_messages = 64;

    kafka_source(const settings& s, const std::unordered_map<std::string, std::uint32_t>& symbols, producer& out, metrics& m, rate_limited_log& log)
        : m_settings(s), m_symbols(symbols), m_producer(out), m_metrics(m), m_ids(s.trade_ids), m_log(log) {
        m_trades.owner = m_ticks.owner = this;
        m_trades.topic = s.trades_topic;
        m_ticks.topic = s.ticks_topic;
        m_trades.is_trades = true;
        m_trades.rk = make_client(RD_KAFKA_CONSUMER, consumer_properties(s.group), &m_trades, &on_rebalance);
        m_ticks.rk = make_client(RD_KAFKA_CONSUMER, consumer_properties(s.group + ".ticks." + s.engine_id), &m_ticks, &on_rebalance);
        for (auto* c : {&m_trades, &m_ticks}) {
            rd_kafka_poll_set_consumer(c->rk.get());
            partition_list topics(rd_kafka_topic_partition_list_new(1));
            rd_kafka_topic_partition_list_add(topics.get(), c->topic.c_str(), RD_KAFKA_PARTITION_UA);
            if (const auto err = rd_kafka_subscribe(c->rk.get(), topics.get())) {
                throw std::runtime_error("subscribe to " + c->topic + ": " + rd_kafka_err2str(err));
            }
        }
    }
    ~kafka_source() override {
        m_batch.clear();
        for (auto* c : {&m_trades, &m_ticks}) rd_kafka_consumer_close(c->rk.get()); // commits what was stored
    }

    bool next(std::vector<tick>& batch, std::size_t max) override {
        std::size_t n = 0;
        while (n < max && !m_reset) {
            bool any = false;
            for (auto* c : {&m_trades, &m_ticks}) {
                if (m_reset) break;
                message msg(rd_kafka_consumer_poll(c->rk.get(), n == 0 && c == &m_trades ? 1 : 0));
                if (!msg) continue;
                any = true;
                ++n;
                take(*c, std::move(msg), batch);
            }
            if (!any) break;
        }
        if (m_reset) { // a rebalance in this call: what it polled is read again by the replay
            batch.clear();
            m_batch.clear();
        }
        m_producer.poll();
        return true;
    }

    std::uint64_t take_rejects(std::vector<std::string>& sample) override {
        sample.insert(sample.end(), std::make_move_iterator(m_rejects.begin()), std::make_move_iterator(m_rejects.end()));
        m_rejects.clear();
        return std::exchange(m_reject_count, 0);
    }
    std::string where(const tick& t) const override { return t.origin < m_batch.size() ? place(m_batch[t.origin]) : "kafka"; }
    void rejected(const tick& t, const std::string& reason) override {
        if (t.origin >= m_batch.size()) return;
        m_batch[t.origin].result = outcome::refused;
        m_batch[t.origin].reason = reason;
    }

    /// Counts the batch, sends its refusals to the dead-letter topic (replays were counted and
    /// sent when first read), and only then stores the offsets.
    void applied() override {
        for (auto& e : m_batch) {
            (e.replay ? m_metrics.kafka_replayed_total : m_metrics.kafka_messages_total)++;
            if (e.replay) continue;
            if (e.result == outcome::duplicate) m_metrics.kafka_duplicate_trades_total++;
            if (e.result == outcome::stale) m_metrics.kafka_stale_ticks_total++;
            if (e.result == outcome::rejected || e.result == outcome::refused) {
                m_metrics.kafka_rejects_total++;
                if (e.result == outcome::rejected) { // the engine's refusals are counted and logged by the engine loop
                    ++m_reject_count;
                    if (m_rejects.size() < max_reject_messages) m_rejects.push_back(place(e) + ": " + e.reason);
                }
                dead_letter(e, e.reason);
            }
        }
        if (m_dead_letters_pending) {
            if (!m_producer.flush(10000)) m_log.write(std::string("kafka: ") + "dead-letter topic: messages still queued after 10 s (librdkafka retries)");
            m_dead_letters_pending = false;
        }
        for (auto* c : {&m_trades, &m_ticks}) {
            std::map<std::int32_t, std::int64_t> next_offset;
            for (const auto& e : m_batch) {
                if (e.from != c || e.replay) continue;
                auto& o = next_offset[e.msg->partition];
                o = std::max(o, e.msg->offset + 1);
            }
            if (next_offset.empty()) continue;
            partition_list l(rd_kafka_topic_partition_list_new(static_cast<int>(next_offset.size())));
            for (const auto& [p, o] : next_offset) rd_kafka_topic_partition_list_add(l.get(), c->topic.c_str(), p)->offset = o;
            if (const auto err = rd_kafka_offsets_store(c->rk.get(), l.get())) {
                m_metrics.kafka_errors_total++;
                m_log.write(std::string("kafka: " "storing offsets of ") + c->topic + ": " + rd_kafka_err2str(err));
            }
        }
        m_batch.clear();
    }

    bool take_reset() override {
        if (!m_reset) return false;
        m_reset = false;
        m_ids.clear();
        m_clock.clear();
        // Every consumer, the rebalanced one too: a poll that served a rebalance may go on to
        // return a message of the new assignment, and that message went with the cleared batch.
        for (auto* c : {&m_trades, &m_ticks}) rewind(*c);
        return true;
    }
    bool holds(std::string_view node) const override {
        return m_trades.partitions > 0 && m_trades.assigned.count(key_partition(node, m_trades.partitions, m_settings.trades_partitioner)) > 0;
    }

    /// The trades partitions this engine owns now, and how many the topic has (0: none yet).
    const std::set<std::int32_t>& owned_partitions() const { return m_trades.assigned; }
    std::int32_t trades_partitions() const { return m_trades.partitions; }

private:
    struct consumer {
        kafka_source* owner = nullptr;
        handle rk;
        std::string topic;
        bool is_trades = false;
        std::int32_t partitions = 0;
        std::set<std::int32_t> assigned;
        std::map<std::int32_t, std::int64_t> replay_end; ///< committed offset at assignment
    };
    enum class outcome { applied, duplicate, stale, rejected, refused }; ///< refused: by the engine
    struct entry {
        consumer* from;
        bool replay;
        message msg;
        outcome result = outcome::applied;
        std::string reason;
    };

    properties consumer_properties(const std::string& group) const {
        auto p = common_properties(m_settings);
        p.insert(p.end(), {{"group.id", group},
                           {"enable.auto.commit", "true"},
                           {"auto.commit.interval.ms", "1000"},
                           {"enable.auto.offset.store", "false"},
                           {"auto.offset.reset", "earliest"},
                           {"session.timeout.ms", "6000"},
                           {"heartbeat.interval.ms", "500"},
                           {"fetch.wait.max.ms", "10"},
                           {"partition.assignment.strategy", "range"}});
        p.insert(p.end(), m_settings.extra.begin(), m_settings.extra.end());
        return p;
    }

    static std::string place(const entry& e) {
        return e.from->topic + "[" + std::to_string(e.msg->partition) + "]@" + std::to_string(e.msg->offset);
    }

    void take(consumer& c, message msg, std::vector<tick>& batch) {
        if (msg->err) {
            if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                m_metrics.kafka_errors_total++;
                m_log.write(std::string("kafka: ") + c.topic + ": " + rd_kafka_message_errstr(msg.get()));
            }
            return;
        }
        const auto end = c.replay_end.find(msg->partition);
        const bool replay = end != c.replay_end.end() && msg->offset < end->second;
        const std::string_view payload(msg->payload ? static_cast<const char*>(msg->payload) : "", msg->len);
        const std::size_t index = m_batch.size();
        const std::int32_t partition = msg->partition;
        m_batch.push_back({&c, replay, std::move(msg), outcome::applied, {}});
        auto& e = m_batch.back();
        try {
            auto mm = parse_market_message(payload, c.is_trades);
            const auto it = m_symbols.find(mm.symbol);
            if (it == m_symbols.end()) throw std::invalid_argument("unknown symbol '" + detail::excerpt(mm.symbol) + "'");
            if (c.is_trades) {
                // Sharing the book needs each node on its own partition; one engine owning every
                // partition takes a trade from any.
                const bool shared = c.partitions > 0 && c.assigned.size() < static_cast<std::size_t>(c.partitions);
                const auto want = shared ? key_partition(mm.node, c.partitions, m_settings.trades_partitioner) : partition;
                if (want != partition) {
                    throw std::invalid_argument("node '" + detail::excerpt(mm.node) + "' belongs to partition " + std::to_string(want) + " (" +
                                                m_settings.trades_partitioner + " of the node path): produce trades keyed by node");
                }
                if (!m_ids.insert(mm.id)) {
                    e.result = outcome::duplicate;
                    return;
                }
            } else if (!m_clock.admit(it->second, mm.ts)) {
                e.result = outcome::stale;
                return;
            }
            tick t{mm.ts, it->second, mm.price, mm.is_trade ? mm.quantity : 0.0, index, std::move(mm.node)};
            t.sets_spot = false;
            batch.push_back(std::move(t));
        } catch (const std::exception& ex) {
            e.result = outcome::rejected;
            e.reason = ex.what();
        }
    }

    void dead_letter(const entry& e, const std::string& reason) {
        const auto* m = e.msg.get();
        const std::string_view key(m->key ? static_cast<const char*>(m->key) : "", m->key_len);
        const std::string_view value(m->payload ? static_cast<const char*>(m->payload) : "", m->len);
        m_producer.produce(m_settings.dead_letter_topic, key, value,
                           {{"rtrisk.topic", e.from->topic},
                            {"rtrisk.partition", std::to_string(m->partition)},
                            {"rtrisk.offset", std::to_string(m->offset)},
                            {"rtrisk.error", reason}},
                           false);
        m_dead_letters_pending = true;
    }

    /// Reads every assigned partition of `c` again from its beginning; what was stored is
    /// committed first, and the committed offsets end the replay.
    void rewind(consumer& c) {
        rd_kafka_topic_partition_list_t* raw = nullptr;
        if (rd_kafka_assignment(c.rk.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
        partition_list a(raw);
        if (a->cnt == 0) return;
        rd_kafka_commit(c.rk.get(), nullptr, 0);
        mark_replay(c, a.get());
        for (int i = 0; i < a->cnt; ++i) a->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        if (rd_kafka_error_t* err = rd_kafka_seek_partitions(c.rk.get(), a.get(), 10000)) {
            m_metrics.kafka_errors_total++;
            m_log.write(std::string("kafka: ") + c.topic + ": rewind: " + rd_kafka_error_string(err));
            rd_kafka_error_destroy(err);
        }
    }

    void mark_replay(consumer& c, const rd_kafka_topic_partition_list_t* parts) {
        partition_list q(rd_kafka_topic_partition_list_copy(parts));
        const auto err = rd_kafka_committed(c.rk.get(), q.get(), 10000);
        if (err) {
            m_metrics.kafka_errors_total++;
            m_log.write(std::string("kafka: ") + c.topic + ": committed offsets unknown (" + rd_kafka_err2str(err) + "): every message counts as live");
        }
        c.replay_end.clear();
        c.assigned.clear();
        for (int i = 0; i < q->cnt; ++i) {
            c.assigned.insert(q->elems[i].partition);
            c.replay_end[q->elems[i].partition] = err || q->elems[i].offset < 0 ? 0 : q->elems[i].offset;
        }
    }

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
        auto& c = *static_cast<consumer*>(opaque);
        auto& self = *c.owner;
        self.m_metrics.kafka_rebalances_total++;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            self.mark_replay(c, parts);
            if (c.is_trades) {
                try {
                    c.partitions = partition_count(rk, c.topic);
                } catch (const std::exception& e) {
                    self.m_log.write(std::string("kafka: ") + e.what());
                    c.partitions = 0;
                }
            }
            for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            rd_kafka_assign(rk, parts);
        } else {
            rd_kafka_commit(rk, nullptr, 0); // what was applied is committed before the partitions go
            rd_kafka_assign(rk, nullptr);
            c.assigned.clear();
            c.replay_end.clear();
        }
        self.m_reset = true;
    }

    settings m_settings;
    std::unordered_map<std::string, std::uint32_t> m_symbols;
    producer& m_producer;
    metrics& m_metrics;
    consumer m_trades, m_ticks;
    std::vector<entry> m_batch; ///< the messages of the batch in hand, until applied()
    seen_trade_ids m_ids;
    tick_clock m_clock;
    bool m_reset = false;
    bool m_dead_letters_pending = false;
    std::vector<std::string> m_rejects;
    std::uint64_t m_reject_count = 0;
    rate_limited_log& m_log;
};

} // namespace rtrisk_live::kafka
