// A limits file and POST /api/limits' JSON (examples/live/engine/limits.hpp): either limits that
// hold their invariants (a node path, a limit in (0, 1e15], no two for one node and measure) and
// read back equal from the CSV they are saved as, or limits_error; nothing else.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "live/engine/limits.hpp"

namespace {
void check(const std::vector<rtrisk_live::node_limit>& limits) {
    std::set<std::pair<std::string, rtrisk_live::limit_measure>> seen;
    for (const auto& l : limits) {
        if (l.node.empty() || !(l.limit > 0 && l.limit <= 1e15) || !seen.emplace(l.node, l.measure).second) std::abort();
    }
    if (rtrisk_live::parse_limits(rtrisk_live::limits_csv(limits), "saved.csv") != limits) std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtrisk_live;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        check(parse_limits(text, "limits.csv"));
    } catch (const limits_error&) {
    }
    try {
        check(limits_from_json(nlohmann::json::parse(text)));
    } catch (const limits_error&) {
    } catch (const nlohmann::json::exception&) {
    }
    return 0;
}
