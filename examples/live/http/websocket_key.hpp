#pragma once
// The Sec-WebSocket-Key of an opening handshake (RFC 6455 section 4.2.1, item 5): one field whose
// value is 16 bytes in base64, 22 characters of the base64 alphabet and "==". Beast answers any
// value; a handshake with another is refused with 400, as the Python server (websockets) does.

#include <string_view>

#include "field_lists.hpp"

namespace rtrisk_live {

/// True when `values` (each Sec-WebSocket-Key field's value, in order) is one valid key
/// (spaces and tabs around it allowed).
template <class Values>
bool websocket_key_valid(const Values& values) {
    if (values.size() != 1) return false;
    const auto v = trim_ows(std::string_view(values.front().data(), values.front().size()));
    if (v.size() != 24 || v.substr(22) != "==") return false;
    for (const char c : v.substr(0, 22)) {
        const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!alphabet) return false;
    }
    return true;
}

} // namespace rtrisk_live
