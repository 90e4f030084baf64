#pragma once
// The recent history of every node in memory (docs/history.md): the last publications' figures
// per node, for GET /api/history without a database and while it is unreachable. It holds
// `budget` points in all: per node budget / nodes, within [60, 3000] (5 min at 10 Hz).
// Written by the engine thread (a sink), read by the network thread.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../engine/risk_snapshot.hpp"
#include "../sinks/sink.hpp"
#include "history_series.hpp"

namespace rtrisk_live::history {

class ring : public sink {
public:
    explicit ring(std::size_t budget = 1000000) : m_budget(budget) {}

    void consume(const publication_ptr& p) override {
        if (!p->snapshot) return;
        std::lock_guard lock(m_mutex);
        const std::size_t per_node = std::clamp<std::size_t>(m_budget / std::max<std::size_t>(p->snapshot->nodes.size(), 1), 60, 3000);
        for (const auto& n : p->snapshot->nodes) {
            auto& q = m_series[n.path];
            q.push_back({p->published_us / 1000, n.pnl, n.var_99, n.es_975, n.gross_exposure, n.net_delta});
            while (q.size() > per_node) q.pop_front();
        }
    }

    bool knows(const std::string& node) const {
        std::lock_guard lock(m_mutex);
        return m_series.count(node) > 0;
    }

    /// As query_series, over the points held: [from, to) in µs, step_s 0 for every point, else
    /// the start and last values of each bucket of step_s seconds aligned on the Unix epoch.
    series query(const std::string& node, std::int64_t from_us, std::int64_t to_us, std::int64_t step_s) const {
        series out{"memory", {}};
        std::lock_guard lock(m_mutex);
        const auto it = m_series.find(node);
        if (it == m_series.end()) return out;
        const std::int64_t step_ms = step_s * 1000;
        for (const auto& pt : it->second) {
            if (pt.time_ms * 1000 < from_us || pt.time_ms * 1000 >= to_us) continue;
            if (step_ms == 0) {
                out.points.push_back(pt);
                continue;
            }
            const std::int64_t b = pt.time_ms >= 0 ? pt.time_ms / step_ms * step_ms : -((-pt.time_ms + step_ms - 1) / step_ms) * step_ms;
            if (!out.points.empty() && out.points.back().time_ms == b) {
                out.points.back() = {b, pt.pnl, pt.var_99, pt.es_975, pt.gross_exposure, pt.net_delta};
            } else {
                out.points.push_back({b, pt.pnl, pt.var_99, pt.es_975, pt.gross_exposure, pt.net_delta});
            }
        }
        return out;
    }

private:
    std::size_t m_budget;
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, std::deque<series_point>> m_series;
};

} // namespace rtrisk_live::history
