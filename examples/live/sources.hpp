#pragma once
// Tick sources behind one small interface, so the simulator, a file or (later) Kafka feed the
// same engine. A source fills a batch of ticks; an empty batch with done() true ends the stream.
//
//   simulator ─┐
//   file replay ┼──► next(batch) ──► engine (one thread, applies ticks in order)
//   kafka (TBD) ┘

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tick_line.hpp"

namespace rtrisk_live {

/// Microseconds since the Unix epoch (system clock: comparable across processes on one machine).
inline std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A price update (quantity == 0) or a trade (quantity != 0, booked at `price`).
struct tick {
    std::int64_t event_time_us = 0;
    std::uint32_t instrument = 0;
    double price = 0;
    double quantity = 0;
    std::uint64_t origin = 0; ///< where the tick came from (a file's line number), for messages
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
};

/// Market simulator: each tick moves one instrument. Index ticks bootstrap a random historical
/// day of returns (scaled to the tick interval); synthetic instruments follow their index with
/// a beta plus noise. Paced to `rate` ticks per second (0: as fast as possible).
class simulator : public source {
public:
    struct instrument {
        double price;
        int index;   ///< -1 for an index itself, else the index it follows
        double beta; ///< sensitivity to that index
    };
    simulator(std::vector<instrument> instruments, std::vector<std::vector<double>> index_returns, double rate,
              std::uint64_t seed = 1)
        : m_inst(std::move(instruments)), m_hist(std::move(index_returns)), m_rate(rate), m_gen(seed),
          m_start(std::chrono::steady_clock::now()) {
        if (m_hist.empty()) throw std::invalid_argument("simulator needs index returns");
    }
    bool next(std::vector<tick>& batch, std::size_t max) override {
        std::size_t due = max;
        if (m_rate > 0) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
            const auto target = static_cast<std::uint64_t>(elapsed * m_rate);
            due = std::min<std::uint64_t>(max, target > m_emitted ? target - m_emitted : 0);
        }
        std::uniform_int_distribution<std::size_t> pick(0, m_inst.size() - 1), day(0, m_hist.size() - 1);
        std::normal_distribution<double> noise(0.0, 1.0);
        // Scale a daily return to one tick of one instrument: ticks per instrument per day ~ 2,000.
        constexpr double scale = 1.0 / 44.7;
        const std::int64_t t = now_us();
        for (std::size_t k = 0; k < due; ++k) {
            const std::size_t i = pick(m_gen);
            auto& in = m_inst[i];
            const auto& d = m_hist[day(m_gen)];
            double r = 0;
            if (in.index < 0) r = d[i] * scale;
            else r = in.beta * d[static_cast<std::size_t>(in.index)] * scale + 0.0004 * noise(m_gen);
            in.price *= std::exp(r);
            batch.push_back({t, static_cast<std::uint32_t>(i), in.price, 0.0});
        }
        m_emitted += due;
        return true;
    }
    std::uint64_t emitted() const { return m_emitted; }

private:
    std::vector<instrument> m_inst;
    std::vector<std::vector<double>> m_hist;
    double m_rate;
    std::mt19937_64 m_gen;
    std::chrono::steady_clock::time_point m_start;
    std::uint64_t m_emitted = 0;
};

/// Replays ticks from a file, one tick per line (tick_line.hpp: CSV `symbol,price[,quantity]`,
/// an optional header line starting with "symbol", or NDJSON objects; a UTF-8 byte-order mark
/// and CRLF line ends are accepted). A bad line is counted and reported with FILE:LINE, never
/// skipped silently. Work per call is bounded (at most `max` lines and 1 MiB), and so is memory:
/// a line longer than max_tick_line_bytes is refused without being stored.
class file_source : public source {
public:
    static constexpr std::size_t max_bytes_per_call = 1 << 20;
    static constexpr std::size_t max_reject_messages = 64; ///< kept per call; all are counted

    file_source(const std::string& path, const std::unordered_map<std::string, std::uint32_t>& symbols)
        : m_in(path, std::ios::binary), m_path(path), m_symbols(symbols) {
        if (!m_in) throw std::runtime_error("cannot open '" + path + "'");
    }
    bool next(std::vector<tick>& batch, std::size_t max) override {
        std::size_t lines = 0, bytes = 0;
        auto* buf = m_in.rdbuf();
        while (lines < max && bytes < max_bytes_per_call) {
            const int c = buf->sbumpc();
            if (c == std::char_traits<char>::eof()) {
                m_eof = true;
                if (!m_line_buf.empty() || m_too_long) end_line(batch);
                break;
            }
            ++bytes;
            if (c == '\n') {
                end_line(batch);
                ++lines;
            } else if (m_line_buf.size() < max_tick_line_bytes + 1) {
                m_line_buf.push_back(static_cast<char>(c));
            } else {
                m_too_long = true;
            }
        }
        return !(m_eof && lines == 0 && bytes == 0);
    }
    std::uint64_t take_rejects(std::vector<std::string>& sample) override {
        sample.insert(sample.end(), std::make_move_iterator(m_rejects.begin()), std::make_move_iterator(m_rejects.end()));
        m_rejects.clear();
        return std::exchange(m_reject_count, 0);
    }
    std::string where(const tick& t) const override { return m_path + ":" + std::to_string(t.origin); }

private:
    void end_line(std::vector<tick>& batch) {
        ++m_line;
        std::string line = std::move(m_line_buf);
        m_line_buf.clear();
        const bool too_long = std::exchange(m_too_long, false);
        if (m_line == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        try {
            if (too_long || line.size() > max_tick_line_bytes) {
                throw std::invalid_argument("line longer than " + std::to_string(max_tick_line_bytes) + " bytes");
            }
            if (line.empty() || (m_line == 1 && is_tick_header(line))) return;
            const auto f = parse_tick_line(line);
            const auto it = m_symbols.find(f.symbol);
            if (it == m_symbols.end()) throw std::invalid_argument("unknown symbol '" + detail::excerpt(f.symbol) + "'");
            tick t{now_us(), it->second, f.price, f.quantity, m_line};
            batch.push_back(t);
        } catch (const std::exception& e) {
            ++m_reject_count;
            if (m_rejects.size() < max_reject_messages) m_rejects.push_back(m_path + ":" + std::to_string(m_line) + ": " + e.what());
        }
    }

    std::ifstream m_in;
    std::string m_path;
    std::unordered_map<std::string, std::uint32_t> m_symbols;
    std::uint64_t m_line = 0;
    std::string m_line_buf;
    bool m_too_long = false;
    bool m_eof = false;
    std::vector<std::string> m_rejects;
    std::uint64_t m_reject_count = 0;
};

} // namespace rtrisk_live
