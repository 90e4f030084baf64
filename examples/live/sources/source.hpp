#pragma once
// Tick sources behind one small interface, so the simulator, a file (or another feed) drive the
// same engine. A source fills a batch of ticks; next() returning false ends the stream.
//
//   simulator ─┐
//   file replay ┴──► next(batch) ──► engine (one thread, applies ticks in order)

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>


namespace rtrisk_live {

/// Microseconds since the Unix epoch (system clock: comparable across processes on one machine).
inline std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A price update (quantity == 0) or a trade (quantity != 0, booked at `price`).
struct tick {
    std::int64_t event_time_us = 0;
    std::uint32_t instrument = 0; ///< the engine's contract index (engine::symbol_index())
    double price = 0;
    double quantity = 0;
    std::uint64_t origin = 0; ///< where the tick came from (a file's line number), for messages
    std::string node;         ///< a trade's node path; empty: the one node holding the contract
    bool sets_spot = true;    ///< a linear trade's price is also the new spot (not on Kafka: ticks alone move prices)
};

class source {
public:
    virtual ~source() = default;
    /// Appends up to `max` ticks due by now; returns false when the stream has ended.
    virtual bool next(std::vector<tick>& batch, std::size_t max) = 0;
    /// Lines or messages rejected since the last call: returns how many, and appends a
    /// bounded sample of messages, each naming its place and reason, to `sample`.
    virtual std::uint64_t take_rejects(std::vector<std::string>& sample) { (void)sample; return 0; }
    /// Where a tick of this source came from ("FILE:LINE"), for messages about it.
    virtual std::string where(const tick&) const { return "tick"; }
    /// The engine refused this tick of the last batch (after counting and logging it).
    virtual void rejected(const tick&, const std::string& reason) { (void)reason; }
    /// Every tick of the last batch has been applied or refused: a source that acknowledges
    /// its input (Kafka offsets) does so now, never before.
    virtual void applied() {}
    /// True once after the source's input was reassigned (a Kafka rebalance): the engine starts
    /// again from the book files, keeping the nodes holds() selects, before the next batch.
    virtual bool take_reset() { return false; }
    virtual bool holds(std::string_view node) const { (void)node; return true; }
};

} // namespace rtrisk_live
