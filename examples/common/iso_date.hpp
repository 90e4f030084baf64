#pragma once
// ISO 8601 calendar dates (YYYY-MM-DD) as days since the Unix epoch, on the proleptic Gregorian
// calendar of std::chrono; both directions.

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "parse_number.hpp"

namespace rtrisk_examples {

/// A date YYYY-MM-DD that exists; nullopt for anything else.
inline std::optional<std::chrono::sys_days> parse_iso_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    const auto y = parse_number<int>(s.substr(0, 4));
    const auto m = parse_number<unsigned>(s.substr(5, 2));
    const auto d = parse_number<unsigned>(s.substr(8, 2));
    if (!y || !m || !d) return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{*y}, std::chrono::month{*m}, std::chrono::day{*d}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd};
}

/// YYYY-MM-DD of a day.
inline std::string iso_date(std::chrono::sys_days day) {
    const std::chrono::year_month_day ymd{day};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

} // namespace rtrisk_examples
