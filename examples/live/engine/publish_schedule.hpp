#pragma once
// When the engine thread publishes, and which parts each publication refreshes. Time comes
// in as an argument (any clock), so the schedule is tested without sleeping.
//
//   fixed rate: every 1 / publish_hz, skipping missed slots (no burst after a stall);
//   low latency: also as soon as a client is ready and a newer tick arrived, at most once per
//                millisecond, the fixed rate remaining the floor;
//   positions, Greeks, stress and grid with the first slot, then every round(publish_hz /
//   positions_hz) slots in a refresh of their own half a period after the slot, so that the
//   headline publications stay small and a client renders them before the larger refresh
//   (with round(...) == 1 they ride in every slot instead);
//   parametric VaR methods once a second (every round(publish_hz) slots).
// The parts are counted in fixed-rate slots, so low-latency publications do not speed them up.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>

#include "risk_snapshot.hpp"

namespace rtrisk_live {

class publish_schedule {
public:
    using clock = std::chrono::steady_clock;

    struct decision {
        bool publish = false;
        snapshot_parts parts;
        /// A half-slot publication for the slower parts: the engine publishes without reading
        /// the tick source first (its headline repeats the slot's unless ticks were pending).
        bool refresh = false;
    };

    publish_schedule(double publish_hz, double positions_hz, bool low_latency, clock::time_point start)
        : m_period(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / publish_hz))),
          m_low_latency(low_latency), m_next(start), m_last(start),
          m_slow_every(std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(publish_hz)))),
          m_positions_every(std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(publish_hz / positions_hz)))) {}

    /// Whether to publish at `now`; `newest_event` is the engine's newest tick time and
    /// `client_ready` whether a client has nothing in flight (low-latency mode only).
    decision poll(clock::time_point now, std::int64_t newest_event, bool client_ready) {
        decision d;
        if (m_refresh_due && now >= *m_refresh_due) {
            m_refresh_due.reset();
            ++m_count;
            d.publish = d.refresh = true;
            d.parts.positions = true;
            d.parts.var_methods = false;
            m_last = now;
            m_published_event = newest_event;
            return d;
        }
        const bool early = m_low_latency && client_ready && now - m_last >= std::chrono::milliseconds(1) && newest_event != m_published_event;
        const bool slot = now >= m_next;
        if (!(slot || early)) return d;
        d.publish = true;
        d.parts.var_methods = d.parts.positions = false;
        if (slot) {
            const auto n = m_slots++;
            d.parts.var_methods = n % m_slow_every == 0;
            d.parts.positions = n == 0 || m_positions_every == 1;
            if (n > 0 && m_positions_every > 1 && n % m_positions_every == 0) m_refresh_due = std::max(m_next, now) + m_period / 2;
            m_next += m_period;
            if (m_next < now) m_next = now + m_period;
        }
        ++m_count;
        m_last = now;
        m_published_event = newest_event;
        return d;
    }
    /// The next publication, fixed-rate slot or refresh (to sleep until when there is nothing to do).
    clock::time_point next_due() const { return m_refresh_due ? std::min(m_next, *m_refresh_due) : m_next; }
    /// The next fixed-rate slot: a caught-up tick source is read when it is due.
    clock::time_point next_slot() const { return m_next; }
    std::uint64_t publications() const { return m_count; }

private:
    clock::duration m_period;
    bool m_low_latency;
    clock::time_point m_next, m_last;
    std::uint64_t m_slow_every, m_positions_every;
    std::uint64_t m_slots = 0, m_count = 0; ///< fixed-rate slots; all publications
    std::optional<clock::time_point> m_refresh_due;
    std::int64_t m_published_event = -1;
};

} // namespace rtrisk_live
