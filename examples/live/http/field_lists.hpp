#pragma once
// The list syntax of HTTP field values (RFC 9110 section 5.6.1): elements separated by commas,
// optional spaces and tabs (OWS) around each, empty elements ignored; and the ASCII
// case-insensitive comparison that tokens such as codings use (section 5.6.2). Shared by the
// readers of Accept-Encoding, Transfer-Encoding, Sec-WebSocket-Protocol and Sec-WebSocket-Key.

#include <cstddef>
#include <string_view>

namespace rtrisk_live {

/// `v` without the spaces and tabs at either end.
constexpr std::string_view trim_ows(std::string_view v) noexcept {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

/// Whether `a` and `b` are equal with ASCII letters compared case-insensitively.
constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

/// Calls `f` on each element of the list `field`, trimmed of OWS, skipping empty ones.
template <class F>
constexpr void for_each_list_element(std::string_view field, F&& f) {
    while (true) {
        const auto comma = field.find(',');
        if (const auto element = trim_ows(field.substr(0, comma)); !element.empty()) f(element);
        if (comma == std::string_view::npos) return;
        field.remove_prefix(comma + 1);
    }
}

} // namespace rtrisk_live
