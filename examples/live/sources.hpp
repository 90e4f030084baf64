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
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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
};

class source {
public:
    virtual ~source() = default;
    /// Appends up to `max` ticks due by now; returns false when the stream has ended.
    virtual bool next(std::vector<tick>& batch, std::size_t max) = 0;
    /// Lines or messages rejected since the last call, each naming its place and reason.
    virtual std::vector<std::string> take_rejects() { return {}; }
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

/// Replays ticks from a file: CSV lines `symbol,price[,quantity]` (a header line starting with
/// "symbol" is skipped) or NDJSON objects {"symbol": "DAX", "price": 1.0, "quantity": 0}.
/// A malformed line or unknown symbol throws with the line number: no tick is skipped silently.
class file_source : public source {
public:
    file_source(const std::string& path, const std::unordered_map<std::string, std::uint32_t>& symbols)
        : m_in(path), m_path(path), m_symbols(symbols) {
        if (!m_in) throw std::runtime_error("cannot open '" + path + "'");
    }
    bool next(std::vector<tick>& batch, std::size_t max) override {
        std::string line;
        std::size_t n = 0;
        while (n < max && std::getline(m_in, line)) {
            ++m_line;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty() || (m_line == 1 && line.rfind("symbol", 0) == 0)) continue;
            try {
                batch.push_back(parse(line));
                ++n;
            } catch (const std::runtime_error& e) {
                m_rejects.emplace_back(e.what()); // logged and counted by the engine loop
            }
        }
        return !(m_in.eof() && n == 0);
    }
    std::vector<std::string> take_rejects() override { return std::exchange(m_rejects, {}); }

private:
    tick parse(const std::string& line) {
        const std::string where = m_path + ":" + std::to_string(m_line) + ": ";
        std::string sym;
        double price = 0, qty = 0;
        if (line.front() == '{') {
            try {
                const auto j = nlohmann::json::parse(line);
                sym = j.at("symbol").get<std::string>();
                price = j.at("price").get<double>();
                qty = j.value("quantity", 0.0);
            } catch (const std::exception& e) {
                throw std::runtime_error(where + "malformed JSON tick: " + e.what());
            }
        } else {
            std::stringstream ss(line);
            std::string p, q;
            std::getline(ss, sym, ',');
            std::getline(ss, p, ',');
            std::getline(ss, q, ',');
            try {
                std::size_t used = 0;
                price = std::stod(p, &used);
                if (used != p.size()) throw std::invalid_argument(p);
                if (!q.empty()) qty = std::stod(q);
            } catch (const std::exception&) {
                throw std::runtime_error(where + "malformed CSV tick '" + line + "'");
            }
        }
        auto it = m_symbols.find(sym);
        if (it == m_symbols.end()) throw std::runtime_error(where + "unknown symbol '" + sym + "'");
        if (!(std::isfinite(price) && price > 0)) throw std::runtime_error(where + "price " + std::to_string(price) + " is not positive");
        return {now_us(), it->second, price, qty};
    }

    std::ifstream m_in;
    std::string m_path;
    std::unordered_map<std::string, std::uint32_t> m_symbols;
    std::size_t m_line = 0;
    std::vector<std::string> m_rejects;
};

} // namespace rtrisk_live
