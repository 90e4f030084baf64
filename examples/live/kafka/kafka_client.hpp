#pragma once
// Thin RAII over librdkafka's C API (Debian's librdkafka-dev 2.0.2): handles, configuration that
// names the property it refuses, and the partition a key maps to. The transport only: what the
// messages mean is in market_message.hpp and kafka_source.hpp.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka_settings.hpp"

namespace rtrisk_live::kafka {



struct handle_deleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using handle = std::unique_ptr<rd_kafka_t, handle_deleter>;
struct partitions_deleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, partitions_deleter>;
struct message_deleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using message = std::unique_ptr<rd_kafka_message_t, message_deleter>;

/// Short reconnect and session timeouts suit loopback and the mock cluster; production
/// deployments override them with --kafka-property.
inline properties common_properties(const settings& s) {
    return {{"bootstrap.servers", s.brokers},
            {"reconnect.backoff.ms", "50"},
            {"reconnect.backoff.max.ms", "1000"},
            {"socket.timeout.ms", "10000"},
            {"topic.metadata.refresh.interval.ms", "5000"}};
}

/// Creates a client; throws std::invalid_argument naming a property librdkafka refuses.
inline handle make_client(rd_kafka_type_t type, const properties& props, void* opaque = nullptr,
                          void (*rebalance)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*) = nullptr,
                          void (*delivered)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : props) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::invalid_argument("Kafka property " + k + "=" + v + ": " + err);
        }
    }
    if (opaque) rd_kafka_conf_set_opaque(conf, opaque);
    if (rebalance) rd_kafka_conf_set_rebalance_cb(conf, rebalance);
    if (delivered) rd_kafka_conf_set_dr_msg_cb(conf, delivered);
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err); // takes conf on success
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("Kafka client: ") + err);
    }
    return handle(rk);
}

/// The partition of a non-empty key: `murmur2` as Kafka's Java clients and librdkafka's
/// `murmur2_random` partitioner (murmur2(key) & 0x7fffffff mod the count), `consistent` as
/// librdkafka's default `consistent_random` for keyed messages (CRC32 mod the count).
inline std::int32_t key_partition(std::string_view key, std::int32_t partitions, std::string_view partitioner = "murmur2") {
    return partitioner == "consistent" ? rd_kafka_msg_partitioner_consistent(nullptr, key.data(), key.size(), partitions, nullptr, nullptr)
                                       : rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(), partitions, nullptr, nullptr);
}

/// Partition count of `topic`, from the cluster's metadata; throws when it is not known.
inline std::int32_t partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_ms = 10000) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const auto err = rd_kafka_metadata(rk, 0, t, &md, timeout_ms);
    rd_kafka_topic_destroy(t);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("metadata of topic " + topic + ": " + rd_kafka_err2str(err));
    std::int32_t n = 0;
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    if (n <= 0) throw std::runtime_error("topic " + topic + " has no partitions");
    return n;
}

/// The header `name` of a message as text (empty when absent).
inline std::string header(const rd_kafka_message_t* m, const char* name) {
    rd_kafka_headers_t* h = nullptr;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
    const void* v = nullptr;
    size_t n = 0;
    if (rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v) return {};
    return std::string(static_cast<const char*>(v), n);
}

} // namespace rtrisk_live::kafka
