#pragma once
// The risk history's settings (docs/history.md; command line: --db, --db-journal, ...).

#include <cstddef>
#include <string>

namespace rtrisk_live {

struct history_settings {
    std::string url;                   ///< libpq URL or key=value string; empty: history in memory only
    std::string journal = "rtrisk_history.journal";
    std::size_t queue_rows = 1000000;  ///< bound of the writer's queue, in rows
    double positions_every_s = 1;      ///< leaf positions at most this often (0: every publication that has them)
    int retention_days = 30;           ///< native storage: days of partitions kept (TimescaleDB: its retention policy)
    int refresh_1m_s = 60, refresh_1h_s = 600; ///< native storage: bars refresh schedule
};

} // namespace rtrisk_live
