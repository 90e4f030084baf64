#pragma once
// Strict number parsing for text from outside (command lines, tick files, weights): the whole
// field must be one number in std::from_chars syntax (no sign '+', no spaces, no "0x"), and a
// floating-point one must be finite. Returns nothing otherwise; callers name the field.

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace rtrisk_examples {

template <class T>
std::optional<T> parse_number(std::string_view text) {
    T v{};
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    if constexpr (std::is_floating_point_v<T>) {
        if (!std::isfinite(v)) return std::nullopt;
    }
    return v;
}

} // namespace rtrisk_examples
