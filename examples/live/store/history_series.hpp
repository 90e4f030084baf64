#pragma once
// A node's series as GET /api/history answers it, from the database or the in-memory ring.

#include <cstdint>
#include <string>
#include <vector>

namespace rtrisk_live::history {

/// The most points one query returns; a raw query past it returns max_points + 1 rows.
inline constexpr std::int64_t max_points = 100000;

/// One point of a series: time (ms since the Unix epoch) and the node's figures.
struct series_point {
    std::int64_t time_ms;
    double pnl, var_99, es_975, gross_exposure, net_delta;
};

struct series {
    std::string source; ///< raw, 1m, 1h or memory
    std::vector<series_point> points;
};

} // namespace rtrisk_live::history
