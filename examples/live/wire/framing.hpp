#pragma once
// The framing a WebSocket client of /ws/risk asks for (docs/protocol.md, "Framing"): text frames,
// or binary frames of raw DEFLATE compressed once for every client by the rtrisk.deflate-raw
// subprotocol.

#include <string_view>

namespace rtrisk_live {

enum class framing { text, deflate_raw };

/// The WebSocket subprotocol by which a client asks for `framing::deflate_raw`.
inline constexpr std::string_view deflate_raw_subprotocol = "rtrisk.deflate-raw";

/// The framing a client asks for by its Sec-WebSocket-Protocol field (RFC 6455 4.1: a
/// comma-separated list of tokens; several field lines joined with commas).
inline framing requested_framing(std::string_view protocols) {
    while (!protocols.empty()) {
        const auto comma = protocols.find(',');
        auto token = protocols.substr(0, comma);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
        if (token == deflate_raw_subprotocol) return framing::deflate_raw;
        if (comma == std::string_view::npos) break;
        protocols.remove_prefix(comma + 1);
    }
    return framing::text;
}

} // namespace rtrisk_live
