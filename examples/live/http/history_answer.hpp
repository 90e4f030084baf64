#pragma once
// The answer to GET /api/history (docs/protocol.md, "History"), whatever the transport: the
// database's points (when there is a database and it answered) followed by the in-memory ring's
// newer ones, or the ring's alone; the refusals as status codes with a message.

#include <cstdint>
#include <limits>
#include <string>

#include "../http/metrics.hpp"
#include "../rate_limited_log.hpp"
#include "../store/history_ring.hpp"
#include "history_request.hpp"

namespace rtrisk_live {

struct http_answer {
    int status = 200;
    std::string body;
    bool json = false;
    bool retry_after = false; ///< a 503 the client may retry in 1 s
};

/// `stored`: the database's series (meaningful when `from_db`); `db_error`: non-empty when the
/// database query failed (then the ring answers); `published`: the engine has published once.
inline http_answer history_answer(const history_request& q, history::series stored, bool from_db, const std::string& db_error,
                                  const history::ring& recent, bool published, metrics& m, rate_limited_log& log) {
    history::series s;
    if (!db_error.empty()) {
        m.history_query_errors_total++;
        log.write("history: query failed, answered from memory: " + db_error);
        s = recent.query(q.node, q.from_us, q.to_us, q.step_s);
    } else if (from_db) {
        // rows still on their way to the database (queued, or journaled during an outage):
        // the ring's newer points follow the database's, a bucket both hold from the ring
        s = std::move(stored);
        const auto newer = recent.query(q.node, q.from_us, q.to_us, q.step_s);
        const std::int64_t last = s.points.empty() ? std::numeric_limits<std::int64_t>::min() : s.points.back().time_ms;
        for (const auto& p : newer.points) {
            if (p.time_ms < last || (p.time_ms == last && q.step_s == 0)) continue;
            if (p.time_ms == last) s.points.back() = p;
            else s.points.push_back(p);
        }
    } else {
        s = recent.query(q.node, q.from_us, q.to_us, q.step_s);
    }
    if (static_cast<std::int64_t>(s.points.size()) > history::max_points) {
        m.bad_requests_total++;
        return {400, "step: more than " + std::to_string(history::max_points) + " points in this range; give a step or narrow from/to\n"};
    }
    if (s.points.empty() && !recent.knows(q.node)) {
        if (!published) return {503, "no risk computed yet\n", false, true};
        m.bad_requests_total++;
        return {400, "node: no node '" + q.node.substr(0, 200) + "' in the book or its history\n"};
    }
    m.history_queries_total++;
    return {200, history_json(q, s), true};
}

} // namespace rtrisk_live
