#pragma once
// The risk history's tables in PostgreSQL (docs/history.md): the schema (versioned migrations,
// TimescaleDB or native partitions, chosen once), writing records, keeping partitions and bars
// current, and reading a node's series. Every function takes the connection it uses; none
// keeps state across calls but the choices it returns.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../../common/iso_date.hpp"
#include "history_record.hpp"
#include "history_series.hpp"
#include "pg.hpp"

namespace rtrisk_live::history {

/// The migration files of examples/live/store/migrations, embedded at build time:
/// NNNN_name.VARIANT.sql, VARIANT native or timescale.
struct migration_file {
    const char* name;
    const char* sql;
};
inline constexpr migration_file migration_files[] = {
#include "history_migrations.inc"
};

enum class storage { native, timescale };
inline const char* to_string(storage s) { return s == storage::timescale ? "timescale" : "native"; }

struct migration {
    int version;
    std::string name;
    std::string sql;
};

/// The migrations of one variant, in version order.
inline std::vector<migration> migrations_for(storage s) {
    std::vector<migration> out;
    const std::string suffix = std::string(".") + to_string(s) + ".sql";
    for (const auto& f : migration_files) {
        const std::string name = f.name;
        if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        out.push_back({std::stoi(name.substr(0, 4)), name, f.sql});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    return out;
}

using connect_fn = std::function<pg::connection()>;
using log_fn = std::function<void(const std::string&)>;

/// Chooses the storage once per database and applies the migrations not yet applied, each in
/// its transaction, under an advisory lock (two servers starting together apply them once).
/// The choice is recorded with the migrations: a database keeps the storage it started with.
/// TimescaleDB is used when `CREATE EXTENSION timescaledb` succeeds; an extension that is absent,
/// or installed but not preloaded (the statement fails and may drop the connection), falls back
/// to native partitions. Returns the storage in use.
inline storage migrate(const connect_fn& connect, const log_fn& log) {
    auto c = connect();
    c.exec("SELECT pg_advisory_lock(hashtext('rtrisk.migrations'))");
    c.exec("CREATE TABLE IF NOT EXISTS rtrisk_schema_migrations (version int PRIMARY KEY, name text NOT NULL, storage text NOT NULL, "
           "applied_at timestamptz NOT NULL DEFAULT now())");
    auto recorded = c.exec("SELECT storage FROM rtrisk_schema_migrations ORDER BY version LIMIT 1");
    storage s = storage::native;
    std::string why;
    if (recorded.rows() > 0) {
        s = recorded.text(0, 0) == "timescale" ? storage::timescale : storage::native;
        why = "recorded in rtrisk_schema_migrations";
    } else if (c.exec("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").rows() == 0) {
        why = "the timescaledb extension is not installed on the server";
    } else {
        try { // on a connection of its own: a failure may end it
            auto probe = connect();
            probe.exec("CREATE EXTENSION IF NOT EXISTS timescaledb");
            s = storage::timescale;
            why = "CREATE EXTENSION timescaledb succeeded";
        } catch (const pg::pg_error& e) {
            why = std::string("CREATE EXTENSION timescaledb failed: ") + e.what();
        }
    }
    log(std::string("history: ") + (s == storage::timescale ? "TimescaleDB hypertables and continuous aggregates" : "native daily partitions and materialized views") +
        " (" + why + ")");
    auto done = c.exec("SELECT version FROM rtrisk_schema_migrations");
    std::set<int> applied;
    for (int i = 0; i < done.rows(); ++i) applied.insert(static_cast<int>(done.integer(i, 0)));
    const auto apply = [&](storage with) {
        for (const auto& m : migrations_for(with)) {
            if (applied.count(m.version)) continue;
            c.exec("BEGIN");
            try {
                c.exec(m.sql);
                c.exec("INSERT INTO rtrisk_schema_migrations (version, name, storage) VALUES ($1, $2, $3)", {std::to_string(m.version), m.name, to_string(with)});
                c.exec("COMMIT");
            } catch (...) {
                if (c.ok()) c.exec("ROLLBACK");
                throw;
            }
            applied.insert(m.version);
            log("history: migration " + m.name + " applied");
        }
    };
    if (s == storage::timescale && applied.empty()) {
        try { // an extension without the features used (an Apache-only build: no compression) falls back too
            apply(s);
        } catch (const pg::pg_error& e) {
            if (!c.ok()) throw;
            log(std::string("history: the TimescaleDB schema failed (") + e.what() + "): native daily partitions and materialized views instead");
            s = storage::native;
            apply(s);
        }
    } else {
        apply(s);
    }
    c.exec("SELECT pg_advisory_unlock(hashtext('rtrisk.migrations'))");
    return s;
}

/// UTC calendar day (days since 1970-01-01) of a Unix time in µs.
inline std::int64_t day_of(std::int64_t unix_us) { return (unix_us >= 0 ? unix_us : unix_us - 86399999999LL) / 86400000000LL; }

inline std::string iso_day(std::int64_t day) { return rtrisk_examples::iso_date(std::chrono::sys_days{std::chrono::days{day}}); }

/// Native storage: the daily partitions of both tables for `day` (idempotent).
inline void create_partitions(pg::connection& c, std::int64_t day) {
    const std::string from = iso_day(day), to = iso_day(day + 1);
    std::string compact = from;
    compact.erase(std::remove(compact.begin(), compact.end(), '-'), compact.end());
    for (const char* table : {"risk_history", "risk_positions"}) {
        c.exec(std::string("CREATE TABLE IF NOT EXISTS ") + table + "_p" + compact + " PARTITION OF " + table + " FOR VALUES FROM ('" + from +
               " 00:00:00+00') TO ('" + to + " 00:00:00+00')");
    }
}

/// Native storage: drops the daily partitions wholly older than `retention_days` days.
inline int drop_partitions_before(pg::connection& c, std::int64_t today, int retention_days) {
    int dropped = 0;
    const auto r = c.exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
                          "WHERE p.relname IN ('risk_history', 'risk_positions')");
    for (int i = 0; i < r.rows(); ++i) {
        const auto name = r.text(i, 0);
        const auto at = name.rfind("_p");
        if (at == std::string::npos || name.size() - at != 10) continue;
        const std::string ymd = name.substr(at + 2);
        const auto date = rtrisk_examples::parse_iso_date(ymd.substr(0, 4) + "-" + ymd.substr(4, 2) + "-" + ymd.substr(6, 2));
        if (!date) continue;
        const std::int64_t day = date->time_since_epoch().count();
        if (day < today - retention_days) {
            c.exec("DROP TABLE IF EXISTS " + name);
            ++dropped;
        }
    }
    return dropped;
}

/// Writes records by binary COPY in one transaction. With `idempotent`, rows already in the
/// tables are skipped (a journal replayed after a write whose commit was not acknowledged):
/// through a staging table and INSERT ... ON CONFLICT DO NOTHING.
inline void write(pg::connection& c, storage s, const std::vector<record>& records, bool idempotent, std::set<std::int64_t>& days_ready) {
    if (records.empty()) return;
    copy_streams out;
    for (const auto& r : records) {
        out.add(r);
        if (s == storage::native && days_ready.insert(day_of(r.time_us)).second) create_partitions(c, day_of(r.time_us));
    }
    c.exec("BEGIN");
    try {
        if (!idempotent) {
            if (out.history_rows) c.copy_in("COPY risk_history FROM STDIN (FORMAT binary)", out.history.finish());
            if (out.position_rows) c.copy_in("COPY risk_positions FROM STDIN (FORMAT binary)", out.positions.finish());
        } else {
            c.exec("CREATE TEMP TABLE IF NOT EXISTS stage_history (LIKE risk_history) ON COMMIT DELETE ROWS;"
                   "CREATE TEMP TABLE IF NOT EXISTS stage_positions (LIKE risk_positions) ON COMMIT DELETE ROWS");
            if (out.history_rows) {
                c.copy_in("COPY stage_history FROM STDIN (FORMAT binary)", out.history.finish());
                c.exec("INSERT INTO risk_history SELECT * FROM stage_history ON CONFLICT DO NOTHING");
            }
            if (out.position_rows) {
                c.copy_in("COPY stage_positions FROM STDIN (FORMAT binary)", out.positions.finish());
                c.exec("INSERT INTO risk_positions SELECT * FROM stage_positions ON CONFLICT DO NOTHING");
            }
        }
        for (const auto& r : records) { // limit events: a few rows, idempotent either way
            for (const auto& a : r.alerts) {
                c.exec("INSERT INTO limit_events (ts, instance, seq, node, measure, event, value, \"limit\") "
                       "VALUES (to_timestamp($1::double precision / 1000), $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                       {std::to_string(a.time_ms), r.instance, std::to_string(r.seq), a.node, a.measure, a.event, nlohmann::json(a.value).dump(),
                        nlohmann::json(a.limit).dump()});
            }
        }
        c.exec("COMMIT");
    } catch (...) {
        if (c.ok()) {
            try {
                c.exec("ROLLBACK");
            } catch (const pg::pg_error&) {
            }
        }
        throw;
    }
}

/// Native storage: refreshes one bars view (CONCURRENTLY once it holds data) and records the
/// instant before which its buckets are complete.
inline void refresh_bars(pg::connection& c, const std::string& view, std::int64_t bucket_us, std::int64_t now_us) {
    const bool populated = c.exec("SELECT ispopulated FROM pg_matviews WHERE matviewname = " + c.literal(view)).text(0, 0) == "t";
    c.exec(std::string("REFRESH MATERIALIZED VIEW ") + (populated ? "CONCURRENTLY " : "") + view);
    const std::int64_t complete = now_us / bucket_us * bucket_us;
    c.exec("INSERT INTO rtrisk_bars_refreshed (view_name, complete_before) VALUES ($1, to_timestamp($2::double precision / 1e6)) "
           "ON CONFLICT (view_name) DO UPDATE SET complete_before = excluded.complete_before",
           {view, std::to_string(complete)});
}

/// A node's series over [from, to) (µs). step_s 0: every row; else one point per bucket of
/// step_s seconds (buckets aligned on the Unix epoch): the bucket's start and its last values,
/// read from the 1-hour bars when step_s is a multiple of 3600, from the 1-minute bars when a
/// multiple of 60, else from the raw rows. Rows of several instances at one instant are all
/// returned, in (time, instance, seq) order.
inline series query_series(pg::connection& c, storage s, const std::string& node, std::int64_t from_us, std::int64_t to_us, std::int64_t step_s) {
    const std::vector<std::string> p{node, std::to_string(from_us), std::to_string(to_us), std::to_string(step_s)};
    const auto range_of = [](const std::string& col) {
        return col + " >= to_timestamp($2::double precision / 1e6) AND " + col + " < to_timestamp($3::double precision / 1e6)";
    };
    const std::string range = range_of("ts");
    std::string sql, source;
    const std::string cols = "pnl, var_99, es_975, gross_exposure, net_delta";
    const std::string bin = "date_bin(make_interval(secs => $4::bigint), ts, TIMESTAMPTZ '1970-01-01 00:00:00+00')";
    // a bucket's last row by time: one sort, DISTINCT ON the bucket
    const auto last_per_bucket = [&](const std::string& rows) {
        return "SELECT DISTINCT ON (b) floor(extract(epoch FROM b) * 1000)::bigint, " + cols + " FROM (SELECT " + bin + " AS b, ts, " + cols + " FROM (" +
               rows + ") r) x ORDER BY b, ts DESC";
    };
    const std::string raw_rows = "SELECT ts, " + cols + " FROM risk_history WHERE node = $1 AND " + range;
    if (step_s == 0) {
        source = "raw";
        sql = "SELECT floor(extract(epoch FROM ts) * 1000)::bigint, " + cols + " FROM risk_history WHERE node = $1 AND " + range +
              " ORDER BY ts, instance, seq LIMIT " + std::to_string(max_points + 1);
    } else if (step_s % 60 != 0) {
        source = "raw";
        sql = last_per_bucket(raw_rows);
    } else {
        const bool hourly = step_s % 3600 == 0;
        const std::string view = hourly ? "risk_history_1h" : "risk_history_1m";
        source = hourly ? "1h" : "1m";
        // the bars' buckets, re-binned to the step; with native views, buckets not yet
        // materialized come from the raw rows
        std::string bars = "SELECT bucket AS ts, " + cols + " FROM " + view + " WHERE node = $1 AND " + range_of("bucket");
        if (s == storage::native) {
            const std::string complete = "coalesce((SELECT complete_before FROM rtrisk_bars_refreshed WHERE view_name = '" + view + "'), '-infinity')";
            bars += " AND bucket < " + complete + " UNION ALL " + raw_rows + " AND ts >= " + complete;
        }
        sql = last_per_bucket(bars);
    }
    auto params = p;
    if (step_s == 0) params.pop_back(); // every parameter sent must be used
    const auto r = c.exec(sql, params);
    series out{source, {}};
    out.points.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        out.points.push_back({r.integer(i, 0), r.number(i, 1), r.number(i, 2), r.number(i, 3), r.number(i, 4), r.number(i, 5)});
    }
    return out;
}

} // namespace rtrisk_live::history
