// POST /api/whatif's body (examples/live/wire/what_if_json.hpp): either 1 to 1,000 trades, each
// with a node, a symbol and a quantity that parsed as JSON numbers, or bad_what_if; nothing else.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/wire/what_if_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rtrisk_live;
    try {
        const auto trades = parse_what_if_request(std::string_view(reinterpret_cast<const char*>(data), size));
        if (trades.empty() || trades.size() > engine::max_what_if_trades) std::abort();
    } catch (const bad_what_if&) {
    }
    return 0;
}
