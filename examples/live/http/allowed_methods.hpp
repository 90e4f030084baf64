#pragma once
// The methods each path answers to, for both servers (405 names them in Allow, RFC 9110 15.5.6).

#include <string_view>

namespace rtrisk_live {

/// "GET, HEAD" for every path but the two that take a request body (docs/protocol.md).
inline std::string_view allowed_methods(std::string_view path) {
    if (path == "/api/whatif") return "POST";
    if (path == "/api/limits") return "GET, HEAD, POST";
    return "GET, HEAD";
}

inline bool method_allowed(std::string_view path, std::string_view method) {
    const auto allowed = allowed_methods(path);
    for (std::size_t at = 0; at < allowed.size();) {
        const auto end = allowed.find(", ", at);
        if (allowed.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at) == method) return true;
        if (end == std::string_view::npos) break;
        at = end + 2;
    }
    return false;
}

} // namespace rtrisk_live
