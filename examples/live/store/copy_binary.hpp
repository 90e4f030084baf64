#pragma once
// PostgreSQL's binary COPY stream (the COPY documentation's "Binary Format"), built in memory.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace rtrisk_live::pg {

/// PostgreSQL's binary COPY format: a header, tuples of (int32 length, big-endian bytes), a
/// trailer. Times are microseconds since 2000-01-01 UTC.
class copy_binary {
public:
    copy_binary() { m_out.append("PGCOPY\n\377\r\n\0", 11).append(8, '\0'); }
    void row(std::int16_t fields) { be(fields); }
    void timestamptz(std::int64_t unix_us) {
        be<std::int32_t>(8);
        be(unix_us - postgres_epoch_us);
    }
    void int8(std::int64_t v) {
        be<std::int32_t>(8);
        be(v);
    }
    void float8(double v) {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        be<std::int32_t>(8);
        be(bits);
    }
    void text(std::string_view s) {
        be(static_cast<std::int32_t>(s.size()));
        m_out.append(s);
    }
    /// The finished stream (the trailer appended once).
    std::string_view finish() {
        if (!m_finished) be<std::int16_t>(-1);
        m_finished = true;
        return m_out;
    }
    std::size_t size() const { return m_out.size(); }

    static constexpr std::int64_t postgres_epoch_us = 946684800LL * 1000000; // 2000-01-01 in Unix µs

private:
    template <class T>
    void be(T v) {
        auto u = static_cast<std::make_unsigned_t<T>>(v);
        char b[sizeof(T)];
        for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = static_cast<char>(u >> (8 * (sizeof(T) - 1 - i)));
        m_out.append(b, sizeof(T));
    }
    std::string m_out;
    bool m_finished = false;
};

} // namespace rtrisk_live::pg
