#pragma once
// The framing a WebSocket client of /ws/risk asks for (docs/protocol.md, "Framing"): text frames,
// or binary frames of raw DEFLATE compressed once for every client by the rtrisk.deflate-raw
// subprotocol.

#include <string_view>

#include "../http/field_lists.hpp"

namespace rtrisk_live {

enum class framing { text, deflate_raw };

/// The WebSocket subprotocol by which a client asks for `framing::deflate_raw`.
inline constexpr std::string_view deflate_raw_subprotocol = "rtrisk.deflate-raw";

/// The framing a client asks for by its Sec-WebSocket-Protocol field (RFC 6455 4.1: a
/// comma-separated list of tokens; several field lines joined with commas).
inline framing requested_framing(std::string_view protocols) {
    bool named = false;
    for_each_list_element(protocols, [&](std::string_view token) { named = named || token == deflate_raw_subprotocol; });
    return named ? framing::deflate_raw : framing::text;
}

} // namespace rtrisk_live
