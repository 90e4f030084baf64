#pragma once
// File replay: one tick or trade per line of a file, as fast as the engine takes them.

#include <fstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "source.hpp"
#include "tick_line.hpp"

namespace rtrisk_live {

/// Replays ticks from a file, one tick per line (tick_line.hpp: CSV `symbol,price[,quantity[,node]]`,
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
            batch.push_back(tick{now_us(), it->second, f.price, f.quantity, m_line, std::move(f.node)});
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
