#pragma once
// librdkafka's mock cluster (rdkafka_mock.h): brokers in this process that speak the Kafka
// protocol on loopback ports, for `--kafka mock`, the tests and the benchmarks. Nothing is
// installed or persisted; it lives as long as this object.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h> // after rdkafka.h, as it requires

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kafka_client.hpp"

namespace rtrisk_live::kafka {

class mock_cluster {
public:
    /// `topics`: (name, partitions); replication is min(3, brokers).
    mock_cluster(int brokers, const std::vector<std::pair<std::string, int>>& topics) {
        m_rk = make_client(RD_KAFKA_PRODUCER, {{"log_level", "3"}});
        m_cluster = rd_kafka_mock_cluster_new(m_rk.get(), brokers);
        if (!m_cluster) throw std::runtime_error("cannot start a Kafka mock cluster");
        for (const auto& [name, parts] : topics) {
            if (const auto err = rd_kafka_mock_topic_create(m_cluster, name.c_str(), parts, std::min(3, brokers))) {
                throw std::runtime_error("mock topic " + name + ": " + rd_kafka_err2str(err));
            }
        }
    }
    ~mock_cluster() { rd_kafka_mock_cluster_destroy(m_cluster); }
    mock_cluster(const mock_cluster&) = delete;
    mock_cluster& operator=(const mock_cluster&) = delete;

    /// bootstrap.servers of the cluster ("127.0.0.1:PORT,...").
    std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(m_cluster); }
    /// Brokers are numbered 1..N.
    void set_down(int broker) { rd_kafka_mock_broker_set_down(m_cluster, broker); }
    void set_up(int broker) { rd_kafka_mock_broker_set_up(m_cluster, broker); }

private:
    handle m_rk;
    rd_kafka_mock_cluster_t* m_cluster = nullptr;
};

} // namespace rtrisk_live::kafka
