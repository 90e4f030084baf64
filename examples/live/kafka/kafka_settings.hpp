#pragma once
// What the live stack's Kafka clients connect to and which topics they use (docs/protocol.md,
// "Kafka topics"); set from the command line (app/options.hpp).

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace rtrisk_live::kafka {

/// librdkafka properties, applied in order (later entries win).
using properties = std::vector<std::pair<std::string, std::string>>;

/// Connection settings of every Kafka client of the live stack (docs/protocol.md, "Kafka").
struct settings {
    std::string brokers;                          ///< bootstrap.servers; "mock": an in-process mock cluster
    std::string group = "rtrisk";                 ///< consumer group of the engines (trades partitions are shared in it)
    std::string engine_id = "0";                  ///< this engine's name; its ticks group is GROUP.ticks.ENGINE_ID
    std::string ticks_topic = "ticks";
    std::string trades_topic = "trades";
    std::string dead_letter_topic = "rtrisk.dead-letter";
    std::string risk_topic = "risk";              ///< per-node figures, keyed by node path; empty: none
    std::string alerts_topic = "risk.alerts";     ///< limit breaches and clearings, keyed by node path; empty: none
    std::string vectors_topic;                    ///< scale-out: scenario P&L vectors per trades partition; empty: none
    std::string trades_partitioner = "murmur2";   ///< how trades are keyed to partitions: murmur2 or consistent (CRC32)
    std::size_t trade_ids = 1'000'000;            ///< trade ids remembered for de-duplication
    properties extra;                             ///< --kafka-property KEY=VALUE, applied last
};

} // namespace rtrisk_live::kafka
