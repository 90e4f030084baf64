#pragma once
// The database sink (docs/history.md): every publication's rows into PostgreSQL, without
// slowing the engine or losing a row.
//
//   engine thread: consume() ──► bounded queue (rows) ──► writer thread ──► binary COPY ──► PostgreSQL
//                                                              │  ▲                              ▲
//                                   database down, slow or ────┘  └── drained in order           │
//                                   a backlog on disk            journal (append-only file)      │
//                                                                   bars thread (native): REFRESH ... CONCURRENTLY
//
// - consume() builds the rows and queues them; it never waits. A full queue drops that
//   publication's rows, counted in rtrisk_history_dropped_rows_total and logged. The writer
//   waits on the database at most 15 s per call (a 10 s statement timeout on the server, and
//   its own deadline for a server that does not answer at all), so at R rows/s the queue must
//   hold 15 R rows.
// - The writer COPYs each batch in one transaction. A lost connection puts the batch in the
//   journal and reconnects every second; while the journal holds anything, new batches go
//   behind it, so the table receives every instance's seq in order. A queue more than half full
//   also goes to the journal rather than wait for a slow database.
// - The journal is replayed idempotently (ON CONFLICT DO NOTHING): a batch whose commit was not
//   acknowledged is not written twice. A batch the database refuses as data (SQLSTATE classes
//   22 and 23) is written record by record; a record it still refuses is skipped, counted in
//   rtrisk_history_rejected_rows_total and logged, so nothing blocks the journal. Any other
//   failure (down, or past the statement timeout) journals the batch and reconnects.
// - Native storage: the writer creates the daily partitions ahead (today and the next two days)
//   and drops those past the retention; the bars thread refreshes the bars views on its own
//   connection, not while the writer has a backlog, and records as complete only the buckets
//   ended 10 s before the refresh began.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../http/metrics.hpp"
#include "../rate_limited_log.hpp"
#include "../sources/source.hpp"
#include "../store/history_settings.hpp"
#include "../store/history_store.hpp"
#include "../store/journal.hpp"
#include "sink.hpp"

namespace rtrisk_live {

class history_sink : public sink {
public:
    history_sink(history_settings s, std::string instance, metrics& m, rate_limited_log& log)
        : m_settings(std::move(s)), m_instance(std::move(instance)), m_metrics(m), m_log(log), m_journal(m_settings.journal) {
        m_metrics.history_journal_bytes = m_journal.bytes();
        m_writer = std::thread([this] { run_writer(); });
        m_bars = std::thread([this] { run_bars(); });
    }
    ~history_sink() override { stop(); }

    /// Finishes: what is queued is written, or journaled when the database is not there.
    void stop() {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) return;
            m_stopping = true;
        }
        m_wake.notify_all();
        if (m_writer.joinable()) m_writer.join();
        if (m_bars.joinable()) m_bars.join();
    }

    void consume(const publication_ptr& p) override {
        if (!p->snapshot) return;
        const auto now = std::chrono::steady_clock::now();
        const bool positions = p->snapshot->positions && now >= m_next_positions;
        if (positions) m_next_positions = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(m_settings.positions_every_s));
        auto r = history::make_record(*p->snapshot, m_instance, p->version, p->published_us, positions);
        r.alerts = history::alert_points(p->alert_events);
        const auto rows = r.rows();
        {
            std::lock_guard lock(m_mutex);
            if (m_queued_rows + rows > m_settings.queue_rows) {
                m_metrics.history_dropped_rows_total += rows;
                m_log.write("history: queue full (" + std::to_string(m_queued_rows) + " rows): publication " + std::to_string(p->version) + " not stored");
                return;
            }
            m_queued_rows += rows;
            m_metrics.history_queue_rows = m_queued_rows;
            m_queue.push_back(std::move(r));
        }
        m_wake.notify_all();
    }

    /// The storage chosen at the first connection (native until then).
    history::storage storage() const { return m_storage.load(); }

private:
    /// A connection whose calls wait at most `wait` for the server.
    pg::connection connect_db(const char* role, std::chrono::seconds wait) const {
        return pg::connection(m_settings.url, std::string("rtrisk history ") + role + " " + m_instance, 5, wait);
    }

    // ---- writer thread ----

    void run_writer() {
        bool last = false;
        while (!last) {
            std::vector<history::record> batch;
            const bool backlog = m_db && !m_journal.empty(); // drained without waiting
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait_for(lock, std::chrono::milliseconds(backlog ? 0 : 250), [&] { return m_stopping || !m_queue.empty(); });
                last = m_stopping;
                batch.assign(std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
                m_queue.clear();
                m_behind = m_queued_rows > m_settings.queue_rows / 2;
                m_queued_rows = 0;
                m_metrics.history_queue_rows = 0;
            }
            try {
                step(batch);
            } catch (const std::exception& e) { // nothing ends the writer: counted, logged, next batch
                m_metrics.history_write_errors_total++;
                m_log.write(std::string("history: writer error: ") + e.what());
            }
            m_backlog = !m_journal.empty() || m_behind;
        }
    }

    void step(std::vector<history::record>& batch) {
        const auto now = std::chrono::steady_clock::now();
        if (!m_db && now >= m_next_connect) connect(now);
        if (!batch.empty()) {
            std::size_t rows = 0;
            for (const auto& r : batch) rows += r.rows();
            bool written = false;
            if (m_db && m_journal.empty() && !m_behind) written = write(batch, rows, false);
            if (!written) to_journal(batch, rows);
        }
        // the backlog, oldest first, a chunk per pass (a backlog left at exit stays for the next run)
        if (m_db && !m_journal.empty()) {
            auto old = m_journal.read_oldest(50000);
            std::size_t rows = 0;
            for (const auto& r : old) rows += r.rows();
            if (write(old, rows, true)) {
                m_journal.take();
                m_metrics.history_rows_replayed_total += rows;
            }
            m_metrics.history_journal_bytes = m_journal.bytes();
            m_metrics.history_journal_bad_lines_total = m_journal.bad_lines();
        }
        if (m_db) maintain(now);
    }

    /// Writes records; false when the connection was lost (they are still to be written). A
    /// refusal while the connection stays up is the data's: record by record, skipping (and
    /// counting) what the database refuses.
    bool write(const std::vector<history::record>& records, std::size_t rows, bool idempotent) {
        try {
            history::write(*m_db, m_storage.load(), records, idempotent, m_days_ready);
            m_metrics.history_rows_written_total += rows;
            return true;
        } catch (const pg::pg_error& e) {
            if (!m_db->ok() || !e.data_refused()) { // down, or slow past the statement timeout: journal, reconnect
                lost_connection(e.what());
                return false;
            }
            m_log.write(std::string("history: the database refused a batch, writing it record by record: ") + e.what());
        } catch (const std::exception& e) {
            lost_connection(e.what());
            return false;
        }
        m_days_ready.clear(); // a partition may be what failed
        for (const auto& r : records) {
            try {
                history::write(*m_db, m_storage.load(), {r}, true, m_days_ready);
                m_metrics.history_rows_written_total += r.rows();
            } catch (const pg::pg_error& e) {
                if (!m_db->ok() || !e.data_refused()) {
                    lost_connection(e.what());
                    return false; // the whole batch again later, idempotently
                }
                m_metrics.history_rejected_rows_total += r.rows();
                m_log.write("history: publication " + std::to_string(r.seq) + " of instance " + r.instance + " refused, skipped: " + e.what());
            } catch (const std::exception& e) {
                lost_connection(e.what());
                return false;
            }
        }
        return true;
    }

    void to_journal(const std::vector<history::record>& batch, std::size_t rows) {
        try {
            m_journal.append(batch);
            m_metrics.history_rows_journaled_total += rows;
        } catch (const std::exception& e) {
            m_metrics.history_dropped_rows_total += rows;
            m_log.write(std::string("history: ") + e.what() + ": " + std::to_string(rows) + " rows not stored");
        }
        m_metrics.history_journal_bytes = m_journal.bytes();
    }

    void connect(std::chrono::steady_clock::time_point now) {
        m_next_connect = now + std::chrono::seconds(1);
        try {
            if (!m_migrated) {
                m_storage = history::migrate([this] { return connect_db("migrations", std::chrono::seconds(300)); }, [this](const std::string& s) { m_log.write(s); });
                m_migrated = true;
            }
            m_db = std::make_unique<pg::connection>(connect_db("writer", std::chrono::seconds(15)));
            m_db->exec("SET statement_timeout = '10s'");
            m_metrics.history_db_up = 1;
            m_down_logged = false;
            m_log.write("history: writing to the database" + std::string(m_journal.empty() ? "" : " (journal backlog: " + std::to_string(m_journal.bytes()) + " bytes)"));
            m_next_maintenance = now; // partitions first
            m_wake.notify_all();      // the bars thread may start
        } catch (const std::exception& e) {
            m_metrics.history_write_errors_total++;
            if (!m_down_logged) m_log.write(std::string("history: database unreachable, journaling to ") + m_journal.path() + ": " + e.what());
            m_down_logged = true;
            m_db.reset();
        }
    }

    void lost_connection(const std::string& why) {
        m_metrics.history_write_errors_total++;
        m_metrics.history_db_up = 0;
        m_log.write("history: write failed, journaling to " + m_journal.path() + " and reconnecting: " + why);
        m_db.reset();
        m_days_ready.clear();
        m_down_logged = true;
        m_next_connect = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }

    /// Native storage, hourly: the partitions of today and the next two days, and retention.
    void maintain(std::chrono::steady_clock::time_point now) {
        if (m_storage.load() != history::storage::native || now < m_next_maintenance) return;
        m_next_maintenance = now + std::chrono::hours(1);
        try {
            const auto today = history::day_of(now_us());
            for (std::int64_t d = today; d <= today + 2; ++d) {
                if (m_days_ready.insert(d).second) history::create_partitions(*m_db, d);
            }
            if (history::drop_partitions_before(*m_db, today, m_settings.retention_days) > 0) m_days_ready.clear();
        } catch (const std::exception& e) {
            m_days_ready.clear();
            if (!m_db->ok()) return lost_connection(std::string("partitions: ") + e.what());
            m_metrics.history_write_errors_total++;
            m_log.write(std::string("history: partitions: ") + e.what()); // retried in an hour; writes create their own day's
        }
    }

    // ---- bars thread (native storage) ----

    void run_bars() {
        std::unique_ptr<pg::connection> db;
        auto next_1m = std::chrono::steady_clock::now(), next_1h = next_1m;
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait_until(lock, std::min(next_1m, next_1h), [&] { return m_stopping; });
                if (m_stopping) return;
            }
            const auto now = std::chrono::steady_clock::now();
            if (!m_migrated) { // no schema yet: look again in a second
                next_1m = next_1h = now + std::chrono::seconds(1);
                continue;
            }
            if (m_storage.load() != history::storage::native) return; // TimescaleDB's policies refresh its aggregates
            if (m_backlog.load()) { // the bars would miss rows still on their way: later
                next_1m = next_1h = std::max(std::min(next_1m, next_1h), now + std::chrono::seconds(1));
                continue;
            }
            try {
                if (!db || !db->ok()) db = std::make_unique<pg::connection>(connect_db("bars", std::chrono::seconds(1800)));
                const std::int64_t complete_at = now_us() - 10000000; // rows older than 10 s have been written
                if (now >= next_1m) {
                    next_1m = now + std::chrono::seconds(m_settings.refresh_1m_s);
                    history::refresh_bars(*db, "risk_history_1m", 60000000LL, complete_at);
                }
                if (now >= next_1h) {
                    next_1h = now + std::chrono::seconds(m_settings.refresh_1h_s);
                    history::refresh_bars(*db, "risk_history_1h", 3600000000LL, complete_at);
                }
            } catch (const std::exception& e) {
                m_metrics.history_write_errors_total++;
                m_log.write(std::string("history: refreshing the bars: ") + e.what());
                if (db && !db->ok()) db.reset();
            }
        }
    }

    history_settings m_settings;
    std::string m_instance;
    metrics& m_metrics;
    rate_limited_log& m_log;
    history::journal m_journal;
    std::chrono::steady_clock::time_point m_next_positions{}; // engine thread only

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<history::record> m_queue;
    std::size_t m_queued_rows = 0;
    bool m_stopping = false;

    // writer thread only
    std::unique_ptr<pg::connection> m_db;
    bool m_behind = false, m_down_logged = false;
    std::set<std::int64_t> m_days_ready;
    std::chrono::steady_clock::time_point m_next_connect{}, m_next_maintenance{};

    std::atomic<history::storage> m_storage{history::storage::native};
    std::atomic<bool> m_backlog{false};  ///< the writer has rows in the journal or is behind
    std::atomic<bool> m_migrated{false}; ///< the schema is there (set by the writer; the bars thread may start)
    std::thread m_writer, m_bars;
};

} // namespace rtrisk_live
