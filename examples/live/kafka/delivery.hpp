#pragma once
// What "never counted twice" needs beyond Kafka's offsets (kafka_source.hpp): the trade ids
// already applied, bounded, and the newest event time applied per instrument.

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <unordered_set>
#include <vector>

namespace rtrisk_live::kafka {

/// The newest `capacity` trade ids seen; insert() is false for one already there.
class seen_trade_ids {
public:
    explicit seen_trade_ids(std::size_t capacity) : m_capacity(capacity) {}
    bool insert(const std::string& id) {
        if (m_capacity == 0) return true;
        if (!m_set.insert(id).second) return false;
        m_order.push_back(id);
        if (m_order.size() > m_capacity) {
            m_set.erase(m_order.front());
            m_order.pop_front();
        }
        return true;
    }
    void clear() {
        m_set.clear();
        m_order.clear();
    }
    std::size_t size() const { return m_order.size(); }

private:
    std::size_t m_capacity;
    std::unordered_set<std::string> m_set;
    std::deque<std::string> m_order;
};

/// The event time of the newest tick applied per instrument; admit() is false for an older one.
class tick_clock {
public:
    bool admit(std::uint32_t instrument, std::int64_t ts) {
        if (instrument >= m_last.size()) m_last.resize(instrument + 1, std::numeric_limits<std::int64_t>::min());
        if (ts < m_last[instrument]) return false;
        m_last[instrument] = ts;
        return true;
    }
    void clear() { m_last.clear(); }

private:
    std::vector<std::int64_t> m_last;
};

} // namespace rtrisk_live::kafka
