// Risk history journal lines (examples/live/store/history_record.hpp), as the writer reads them
// back after a crash: either a record that encodes to a line decoding to the same record, or
// std::invalid_argument; nothing else.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/store/history_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtrisk_live::history;
    try {
        const auto r = decode_line(std::string_view(reinterpret_cast<const char*>(data), size));
        const auto back = decode_line(encode_line(r));
        if (back.seq != r.seq || back.time_us != r.time_us || back.nodes.size() != r.nodes.size() || back.positions.size() != r.positions.size() ||
            back.alerts.size() != r.alerts.size()) std::abort();
        for (std::size_t i = 0; i < r.nodes.size(); ++i) {
            const double a = r.nodes[i].var_99, b = back.nodes[i].var_99;
            if (!(a == b || (std::isnan(a) && std::isnan(b)) || !std::isfinite(a))) std::abort();
        }
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
