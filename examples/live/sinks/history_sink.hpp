#pragma once
// The database sink (docs/history.md): every publication's rows into PostgreSQL, without
// slowing the engine or losing a row.
//
//   engine thread: consume() ──► bounded queue (rows) ──► writer thread ──► binary COPY ──► PostgreSQL
//                                                              │  ▲
//                                   database down, slow or ────┘  └── drained in order once it is back
//                                   a backlog on disk            journal (append-only file)
//
// - consume() builds the rows and queues them; it never waits. A full queue (the writer cannot
//   keep up even with the journal: the disk is stalled) drops that publication's rows, counted
//   in rtrisk_history_dropped_rows_total and logged.
// - The writer COPYs each batch in one transaction. A failed write reconnects (every second)
//   and puts the batch in the journal; while the journal holds anything, new batches go behind
//   it, so the table receives every instance's seq in order. A queue more than half full also
//   goes to the journal rather than wait for a slow database.
// - The journal is replayed idempotently (ON CONFLICT DO NOTHING): a batch whose commit was not
//   acknowledged is not written twice.
// - Native storage: the writer creates the daily partitions ahead (today and the next two days),
//   drops those past the retention, and refreshes the bars views on their schedule.

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
        m_thread = std::thread([this] { run(); });
    }
    ~history_sink() override { stop(); }

    /// Finishes: what is queued is written, or journaled when the database is not there.
    void stop() {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) return;
            m_stopping = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable()) m_thread.join();
    }

    void consume(const publication_ptr& p) override {
        if (!p->snapshot) return;
        const auto now = std::chrono::steady_clock::now();
        const bool positions = p->snapshot->positions && now >= m_next_positions;
        if (positions) m_next_positions = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(m_settings.positions_every_s));
        auto r = history::make_record(*p->snapshot, m_instance, p->version, p->published_us, positions);
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
        m_wake.notify_one();
    }

    /// The storage chosen at the first connection (native until then).
    history::storage storage() const { return m_storage.load(); }

private:
    void run() {
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
        }
    }

    void step(std::vector<history::record>& batch) {
        const auto now = std::chrono::steady_clock::now();
        if (!m_db && now >= m_next_connect) connect(now);
        if (!batch.empty()) {
            std::size_t rows = 0;
            for (const auto& r : batch) rows += r.rows();
            bool written = false;
            if (m_db && m_journal.empty() && !m_behind) {
                try {
                    history::write(*m_db, m_storage.load(), batch, false, m_days_ready);
                    m_metrics.history_rows_written_total += rows;
                    written = true;
                } catch (const std::exception& e) {
                    lost_connection(e.what());
                }
            }
            if (!written) to_journal(batch, rows);
        }
        // the backlog, oldest first, a chunk per pass (a backlog left at exit stays for the next run)
        if (m_db && !m_journal.empty()) {
            auto old = m_journal.read_oldest(50000);
            std::size_t rows = 0;
            for (const auto& r : old) rows += r.rows();
            try {
                history::write(*m_db, m_storage.load(), old, true, m_days_ready);
                m_journal.take();
                m_metrics.history_rows_written_total += rows;
                m_metrics.history_rows_replayed_total += rows;
            } catch (const std::exception& e) {
                lost_connection(e.what());
            }
            m_metrics.history_journal_bytes = m_journal.bytes();
            m_metrics.history_journal_bad_lines_total = m_journal.bad_lines();
        }
        if (m_db) maintain(now);
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
            auto factory = [this] { return pg::connection(m_settings.url, "rtrisk history writer " + m_instance); };
            if (!m_migrated) {
                m_storage = history::migrate(factory, [this](const std::string& s) { m_log.write(s); });
                m_migrated = true;
            }
            m_db = std::make_unique<pg::connection>(factory());
            m_db->exec("SET statement_timeout = '60s'");
            m_metrics.history_db_up = 1;
            m_down_logged = false;
            m_log.write("history: writing to the database" + std::string(m_journal.empty() ? "" : " (journal backlog: " + std::to_string(m_journal.bytes()) + " bytes)"));
            m_next_maintenance = now; // partitions first
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

    /// Partitions ahead and retention (hourly), bars refreshes (native storage only).
    void maintain(std::chrono::steady_clock::time_point now) {
        if (m_storage.load() != history::storage::native) return;
        try {
            const std::int64_t wall = now_us();
            if (now >= m_next_maintenance) {
                const auto today = history::day_of(wall);
                for (std::int64_t d = today; d <= today + 2; ++d) {
                    if (m_days_ready.insert(d).second) history::create_partitions(*m_db, d);
                }
                if (history::drop_partitions_before(*m_db, today, m_settings.retention_days) > 0) m_days_ready.clear();
                m_next_maintenance = now + std::chrono::hours(1);
            }
            if (now >= m_next_refresh_1m) {
                history::refresh_bars(*m_db, "risk_history_1m", 60000000LL, wall);
                m_next_refresh_1m = now + std::chrono::seconds(m_settings.refresh_1m_s);
            }
            if (now >= m_next_refresh_1h) {
                history::refresh_bars(*m_db, "risk_history_1h", 3600000000LL, wall);
                m_next_refresh_1h = now + std::chrono::seconds(m_settings.refresh_1h_s);
            }
        } catch (const std::exception& e) {
            lost_connection(std::string("maintenance: ") + e.what());
        }
    }

    history_settings m_settings;
    std::string m_instance;
    metrics& m_metrics;
    rate_limited_log& m_log;
    history::journal m_journal;
    std::chrono::steady_clock::time_point m_next_positions{};

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<history::record> m_queue;
    std::size_t m_queued_rows = 0;
    bool m_stopping = false;

    // writer thread only
    std::unique_ptr<pg::connection> m_db;
    bool m_migrated = false, m_behind = false, m_down_logged = false;
    std::atomic<history::storage> m_storage{history::storage::native};
    std::set<std::int64_t> m_days_ready;
    std::chrono::steady_clock::time_point m_next_connect{}, m_next_maintenance{}, m_next_refresh_1m{}, m_next_refresh_1h{};
    std::thread m_thread;
};

} // namespace rtrisk_live
