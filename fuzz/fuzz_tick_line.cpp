// Tick file lines (examples/live/sources/tick_line.hpp): CSV and NDJSON. A line either parses to a tick
// inside the documented bounds or is refused with std::invalid_argument; nothing else.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/sources/tick_line.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    (void)rtrisk_live::is_tick_header(line);
    try {
        const auto t = rtrisk_live::parse_tick_line(line);
        if (!(std::isfinite(t.price) && t.price > 0 && t.price <= rtrisk_live::max_tick_price)) std::abort();
        if (!(std::abs(t.quantity) <= rtrisk_live::max_tick_quantity)) std::abort();
        if (t.symbol.empty() || t.symbol.size() > rtrisk_live::max_symbol_length) std::abort();
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
