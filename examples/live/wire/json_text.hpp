#pragma once
// JSON text written straight from typed values, for the wire's large fields (positions, nodes):
// numbers in their shortest round-trip form, non-finite as null, strings quoted (escaped by the
// JSON library in the rare case they need it).

#include <charconv>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace rtrisk_live::detail {

inline void append_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest round-trip form
    out.append(buf, r.ptr);
}
inline void append_string(std::string& out, const std::string& s) {
    for (const unsigned char ch : s) {
        if (ch < 0x20 || ch == '"' || ch == '\\') { // rare: let the JSON library escape it
            out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return;
        }
    }
    out += '"';
    out += s;
    out += '"';
}

} // namespace rtrisk_live::detail
