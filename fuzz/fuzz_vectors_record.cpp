// Scale-out vectors records (examples/live/kafka/vectors_record.hpp), as the aggregator reads
// them from Kafka: either a record whose every number is finite and whose vectors have the
// declared length, or std::invalid_argument; nothing else.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/kafka/vectors_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto r = rtrisk_live::kafka::decode_partition(std::string_view(reinterpret_cast<const char*>(data), size));
        if (r.partition < 0 || r.partition >= r.partitions || r.scenarios == 0) std::abort();
        for (const auto& n : r.nodes) {
            if (n.scenario_pnl.size() != r.scenarios || n.path.empty()) std::abort();
            for (const double v : n.scenario_pnl) if (!std::isfinite(v)) std::abort();
            if (n.detail) {
                if (n.detail->positions.size() != n.detail->position_pnl.size()) std::abort();
                for (const auto& p : n.detail->position_pnl) if (p.size() != r.scenarios) std::abort();
            }
        }
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
