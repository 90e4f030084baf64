// Kafka message values (examples/live/kafka/market_message.hpp), as a tick and as a trade: either
// a message inside the documented bounds or std::invalid_argument; nothing else.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/kafka/market_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    for (const bool is_trade : {false, true}) {
        try {
            const auto m = rtrisk_live::parse_market_message(payload, is_trade);
            if (!(std::isfinite(m.price) && m.price > 0 && m.price <= rtrisk_live::max_tick_price)) std::abort();
            if (!(std::abs(m.quantity) <= rtrisk_live::max_tick_quantity)) std::abort();
            if (m.ts < 0 || m.ts > rtrisk_live::max_event_time_us) std::abort();
            if (m.symbol.empty() || m.symbol.size() > rtrisk_live::max_symbol_length) std::abort();
            if (is_trade && (m.quantity == 0 || m.id.empty() || m.node.empty())) std::abort();
            if (!is_trade && (m.quantity != 0 || !m.id.empty() || !m.node.empty())) std::abort();
        } catch (const std::invalid_argument&) {
        }
    }
    return 0;
}
