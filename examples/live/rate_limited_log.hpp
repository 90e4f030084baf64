#pragma once
// A log that cannot be flooded: at most `burst` lines, refilled at `per_second` lines a second
// (a token bucket); lines beyond that are counted, and the count is reported before the next line
// that gets through ("... N similar lines suppressed"), or by flush() once the rate allows a line
// (the owner calls it periodically), or at destruction, so no suppressed line goes unreported.
// Used for every line whose cause lies outside the process (bad ticks, bad clients, accept
// errors). Thread-safe.

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
        refill();
        if (m_tokens < 1) {
            ++m_suppressed;
            return false;
        }
        m_tokens -= 1;
        report_suppressed();
        std::fprintf(m_out, "rtrisk live: %.*s\n", static_cast<int>(line.size()), line.data());
        return true;
    }

    /// Reports the lines suppressed since the last report, if the rate allows a line now.
    void flush() {
        std::lock_guard lock(m_mutex);
        refill();
        if (!m_suppressed || m_tokens < 1) return;
        m_tokens -= 1;
        report_suppressed();
    }

    ~rate_limited_log() {
        std::lock_guard lock(m_mutex);
        report_suppressed();
    }
    rate_limited_log(const rate_limited_log&) = delete;
    rate_limited_log& operator=(const rate_limited_log&) = delete;

private:
    void refill() {
        const auto now = clock::now();
        m_tokens = std::min(m_burst, m_tokens + m_rate * std::chrono::duration<double>(now - m_last).count());
        m_last = now;
    }
    void report_suppressed() {
        if (!m_suppressed) return;
        std::fprintf(m_out, "rtrisk live: (%llu similar lines suppressed)\n", static_cast<unsigned long long>(m_suppressed));
        std::fflush(m_out);
        m_suppressed = 0;
    }

    using clock = std::chrono::steady_clock;
    double m_rate, m_burst, m_tokens;
    std::FILE* m_out;
    clock::time_point m_last;
    std::uint64_t m_suppressed = 0;
    std::mutex m_mutex;
};

} // namespace rtrisk_live
