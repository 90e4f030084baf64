#pragma once
// The security headers on every HTTP answer of the live servers (docs/security.md), C++ and
// Python alike.

#include <array>
#include <utility>

namespace rtrisk_live {

inline constexpr std::array<std::pair<const char*, const char*>, 7> security_headers{{
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
     "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
}};

} // namespace rtrisk_live
