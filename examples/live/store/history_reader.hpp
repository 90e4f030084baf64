#pragma once
// Reads node series from the database for GET /api/history, on a thread and connection of its
// own so the network thread never waits on the database. At most `depth` queries wait; past
// that submit() refuses. A query that fails (database down, 10 s statement timeout) reports
// the error. In both cases the caller answers from the in-memory ring.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "history_store.hpp"

namespace rtrisk_live::history {

class reader {
public:
    /// done(series, error): error empty on success. Called on the reader's thread.
    using callback = std::function<void(series, std::string)>;

    reader(std::string url, std::function<storage()> storage_in_use, std::size_t depth = 16)
        : m_url(std::move(url)), m_storage(std::move(storage_in_use)), m_depth(depth), m_thread([this] { run(); }) {}
    ~reader() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }

    bool submit(std::string node, std::int64_t from_us, std::int64_t to_us, std::int64_t step_s, callback done) {
        {
            std::lock_guard lock(m_mutex);
            if (m_jobs.size() >= m_depth) return false;
            m_jobs.push_back({std::move(node), from_us, to_us, step_s, std::move(done)});
        }
        m_wake.notify_one();
        return true;
    }

private:
    struct job {
        std::string node;
        std::int64_t from_us, to_us, step_s;
        callback done;
    };

    void run() {
        for (;;) {
            job j;
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [&] { return m_stop || !m_jobs.empty(); });
                if (m_stop) break;
                j = std::move(m_jobs.front());
                m_jobs.pop_front();
            }
            series s;
            std::string error;
            for (int attempt = 0; attempt < 2; ++attempt) { // a connection the server had dropped: once more on a new one
                const bool reused = m_db && m_db->ok();
                try {
                    if (!reused) {
                        m_db = std::make_unique<pg::connection>(m_url, "rtrisk history reader", 2, std::chrono::seconds(12));
                        m_db->exec("SET statement_timeout = '10s'");
                    }
                    s = query_series(*m_db, m_storage(), j.node, j.from_us, j.to_us, j.step_s);
                    error.clear();
                    break;
                } catch (const std::exception& e) {
                    error = e.what();
                    if (m_db && m_db->ok()) break; // the query's own failure (a timeout): not again
                    m_db.reset();
                    if (!reused) break;
                }
            }
            j.done(std::move(s), std::move(error));
        }
        std::lock_guard lock(m_mutex);
        for (auto& j : m_jobs) j.done({}, "shutting down");
    }

    std::string m_url;
    std::function<storage()> m_storage;
    std::size_t m_depth;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<job> m_jobs;
    bool m_stop = false;
    std::unique_ptr<pg::connection> m_db;
    std::thread m_thread;
};

} // namespace rtrisk_live::history
