// Client WebSocket messages (examples/live/wire/client_message.hpp): every input maps to a
// request or to one of the protocol's close codes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "live/wire/client_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto r = rtrisk_live::parse_client_message(std::string_view(reinterpret_cast<const char*>(data), size));
    if (const auto* e = std::get_if<rtrisk_live::client_message_error>(&r)) {
        if (e->close_code != rtrisk_live::close_bad_json && e->close_code != rtrisk_live::close_policy) std::abort();
    }
    return 0;
}
