// GET /api/history's request target (examples/live/http/history_request.hpp): either a query
// with a node, from < to and a step within bounds, or bad_target / bad_history_request; nothing else.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/http/history_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtrisk_live;
    try {
        const auto t = parse_request_target(std::string_view(reinterpret_cast<const char*>(data), size));
        const auto q = parse_history_request(t, 1795676400000000LL);
        if (q.node.empty() || q.from_us >= q.to_us || q.step_s < 0 || q.step_s > max_history_step_s) std::abort();
        (void)iso_instant(q.from_us);
    } catch (const bad_target&) {
    } catch (const bad_history_request&) {
    }
    return 0;
}
