#pragma once
// The transfer codings a request may carry (RFC 9112 section 6.1): chunked alone, the one the
// parser decodes. A request whose last coding is not chunked (gzip, identity, chunked, gzip) has
// no determinable length: its body would be read as the next request, the request smuggling
// RFC 9112 closes the connection against. Any other coding (gzip, chunked) could not be decoded.
// Both are refused with 400 and the connection closed, as the Python server (h11) does (RFC 9112
// asks 501 for the second: 400 is as safe, and the same on both servers). So is any
// Transfer-Encoding in an HTTP/1.0 request, which Beast would decode and keep alive.

#include <optional>
#include <string>
#include <string_view>

#include "field_lists.hpp"

namespace rtrisk_live {

/// Why a request with these Transfer-Encoding field values (each field's value, in order) is
/// refused, or nothing when there is no such field or the codings are chunked alone (any case;
/// empty list elements are skipped, an empty field is refused). In an HTTP/1.0 request
/// (`http11` false) any such field is refused: its framing is faulty (RFC 9112 section 6.1).
/// The reason quotes the values, printable ASCII only, cut at 100 characters.
template <class Values>
std::optional<std::string> transfer_coding_refusal(const Values& values, bool http11 = true) {
    std::string all;
    int fields = 0, chunked = 0, other = 0;
    for (const auto& field : values) {
        const std::string_view v(field.data(), field.size());
        if (fields++ > 0) all += ", ";
        all += v;
        for_each_list_element(v, [&](std::string_view coding) { ++(equals_ignoring_case(coding, "chunked") ? chunked : other); });
    }
    if (fields == 0 || (http11 && chunked == 1 && other == 0)) return std::nullopt;
    std::string shown;
    for (const char c : all.substr(0, 100)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (all.size() > 100) shown += "...";
    if (!http11) return "Transfer-Encoding '" + shown + "' in an HTTP/1.0 request: its framing is not trusted (RFC 9112 section 6.1)";
    return "Transfer-Encoding '" + shown + "' is not supported: chunked alone is (RFC 9112 section 6.1)";
}

} // namespace rtrisk_live
