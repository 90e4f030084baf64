#pragma once
// One idempotent producer per process, shared by the dead-letter topic and the risk sinks.
// produce() never blocks: a full local queue is counted and the message dropped (risk records are
// superseded by the next publication; a dead letter is flushed before its offset is stored).

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../http/metrics.hpp"
#include "kafka_client.hpp"

namespace rtrisk_live::kafka {

class producer {
public:
    producer(const settings& s, metrics& m) : m_metrics(m) {
        auto props = common_properties(s);
        props.insert(props.end(), {{"enable.idempotence", "true"},
                                   {"linger.ms", "5"},
                                   {"message.max.bytes", "16000000"},
                                   {"queue.buffering.max.kbytes", "262144"},
                                   {"message.timeout.ms", "60000"}});
        props.insert(props.end(), s.extra.begin(), s.extra.end());
        m_rk = make_client(RD_KAFKA_PRODUCER, props, this, nullptr, &delivered);
    }
    ~producer() { rd_kafka_flush(m_rk.get(), 5000); }

    /// Queues one message; headers are (name, value) pairs. False (counted) when refused.
    bool produce(const std::string& topic, std::string_view key, std::string_view value,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}, bool counts_as_risk = true) {
        rd_kafka_headers_t* h = headers.empty() ? nullptr : rd_kafka_headers_new(headers.size());
        for (const auto& [n, v] : headers) rd_kafka_header_add(h, n.data(), static_cast<ssize_t>(n.size()), v.data(), static_cast<ssize_t>(v.size()));
        const auto err = rd_kafka_producev(m_rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
                                           RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(counts_as_risk ? &m_metrics.kafka_produced_total : &m_metrics.kafka_dead_letters_total),
                                           RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (h) rd_kafka_headers_destroy(h);
            m_metrics.kafka_produce_errors_total++;
            return false;
        }
        return true;
    }
    /// Serves delivery reports (call often; it does not block).
    void poll() { rd_kafka_poll(m_rk.get(), 0); }
    /// Waits up to `timeout_ms` for every queued message; false when some are still queued.
    bool flush(int timeout_ms) { return rd_kafka_flush(m_rk.get(), timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR; }
    rd_kafka_t* get() const { return m_rk.get(); }

private:
    static void delivered(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
        auto* self = static_cast<producer*>(opaque);
        if (msg->err) self->m_metrics.kafka_produce_errors_total++;
        else static_cast<std::atomic<std::uint64_t>*>(msg->_private)->fetch_add(1);
    }
    metrics& m_metrics;
    handle m_rk;
};

} // namespace rtrisk_live::kafka
