#pragma once
// Publications onto Kafka (docs/protocol.md, "Kafka topics"). Both run on the engine thread and
// only queue (producer.hpp): a full local queue drops and counts, the next publication supersedes.
//   risk_sink:    one record per node, keyed by node path: the node's figures as in /api/risk,
//                 plus instance, seq, event_time_us and scenarios.
//   alerts_sink:  one record per limit breach or clearing (docs/limits.md), keyed by node path,
//                 with instance and seq.
//   vectors_sink: scale-out (docs/scaling.md): one record per trades partition this engine owns,
//                 keyed "partition-P", holding what each node of that partition holds directly and
//                 its scenario P&L vector; an aggregator adds them up the hierarchy.

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "../engine/risk_snapshot.hpp"
#include "../sinks/sink.hpp"
#include "../wire/snapshot_json.hpp"
#include "kafka_source.hpp"
#include "producer.hpp"
#include "vectors_record.hpp"

namespace rtrisk_live::kafka {

class risk_sink : public sink {
public:
    risk_sink(producer& out, std::string topic, std::string instance) : m_out(out), m_topic(std::move(topic)), m_instance(std::move(instance)) {}
    void consume(const publication_ptr& p) override {
        if (!p->snapshot) return;
        for (const auto& n : p->snapshot->nodes) {
            auto j = rtrisk_live::detail::node_json(n, rtrisk_live::detail::exact);
            j["instance"] = m_instance;
            j["seq"] = p->version;
            j["event_time_us"] = p->event_time_us;
            j["scenarios"] = p->snapshot->scenarios;
            m_out.produce(m_topic, n.path, j.dump());
        }
        m_out.poll();
    }

private:
    producer& m_out;
    std::string m_topic;
    std::string m_instance;
};

class alerts_sink : public sink {
public:
    alerts_sink(producer& out, std::string topic, std::string instance) : m_out(out), m_topic(std::move(topic)), m_instance(std::move(instance)) {}
    void consume(const publication_ptr& p) override {
        if (p->alert_events.empty()) return;
        for (auto e : p->alert_events) {
            e["instance"] = m_instance;
            e["seq"] = p->version;
            m_out.produce(m_topic, e.value("node", std::string()), e.dump());
        }
        m_out.poll();
    }

private:
    producer& m_out;
    std::string m_topic;
    std::string m_instance;
};

class vectors_sink : public sink {
public:
    vectors_sink(producer& out, const kafka_source& src, const settings& s, std::string instance)
        : m_out(out), m_src(src), m_topic(s.vectors_topic), m_partitioner(s.trades_partitioner), m_instance(std::move(instance)) {}
    /// Publishes when the state or the partitions owned changed since the last record, and
    /// with the positions part when the last detailed record is older than the state: an idle
    /// engine sends nothing, and the aggregator's last record of each partition is current.
    void consume(const publication_ptr& p) override {
        if (!p->snapshot || m_src.trades_partitions() == 0) return;
        const auto& snap = *p->snapshot;
        const state now{snap.ticks_total, m_src.trades_partitions(), m_src.owned_partitions()};
        const bool detailed = snap.positions.has_value();
        if (now == m_sent && !(detailed && !(now == m_sent_detailed))) return;
        const auto n = now.partitions;
        for (const auto partition : now.owned) {
            const auto j = encode_partition(snap, partition, n, m_instance, p->version, [&](const std::string& path) { return key_partition(path, n, m_partitioner); });
            m_out.produce(m_topic, "partition-" + std::to_string(partition), j.dump());
        }
        m_sent = now;
        if (detailed) m_sent_detailed = now;
        m_out.poll();
    }

private:
    struct state {
        std::uint64_t ticks = ~0ull;
        std::int32_t partitions = 0;
        std::set<std::int32_t> owned;
        bool operator==(const state&) const = default;
    };
    producer& m_out;
    const kafka_source& m_src;
    std::string m_topic;
    std::string m_partitioner;
    std::string m_instance;
    state m_sent, m_sent_detailed;
};

} // namespace rtrisk_live::kafka
