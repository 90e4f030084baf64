#pragma once
// A log that cannot be flooded: at most `burst` lines, refilled at `per_second` lines a second
// (a token bucket); lines beyond that are counted, and the count is reported in the next line
// that gets through ("... N similar lines suppressed"). Used for every line whose cause lies
// outside the process (bad ticks, bad clients, accept errors). Thread-safe.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace rtrisk_live {

class rate_limited_log {
public:
    rate_limited_log(double per_second = 10, double burst = 20, std::FILE* out = stderr)
        : m_rate(per_second), m_burst(burst), m_tokens(burst), m_out(out), m_last(clock::now()) {}

    /// Writes "rtrisk live: <line>" unless over the rate; returns whether it was written.
    bool write(std::string_view line) {
        std::lock_guard lock(m_mutex);
        const auto now = clock::now();
        m_tokens = std::min(m_burst, m_tokens + m_rate * std::chrono::duration<double>(now - m_last).count());
        m_last = now;
        if (m_tokens < 1) {
            ++m_suppressed;
            return false;
        }
        m_tokens -= 1;
        if (m_suppressed) {
            std::fprintf(m_out, "rtrisk live: (%llu similar lines suppressed)\n", static_cast<unsigned long long>(m_suppressed));
            m_suppressed = 0;
        }
        std::fprintf(m_out, "rtrisk live: %.*s\n", static_cast<int>(line.size()), line.data());
        return true;
    }

private:
    using clock = std::chrono::steady_clock;
    double m_rate, m_burst, m_tokens;
    std::FILE* m_out;
    clock::time_point m_last;
    std::uint64_t m_suppressed = 0;
    std::mutex m_mutex;
};

} // namespace rtrisk_live
