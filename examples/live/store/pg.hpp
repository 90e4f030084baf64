#pragma once
// A thin RAII layer over libpq: a connection, a result, binary COPY. Every failure throws
// pg_error with the server's message; the caller decides whether to reconnect.

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <optional>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtrisk_live::pg {

struct pg_error : std::runtime_error {
    explicit pg_error(const std::string& what, std::string state = {}) : std::runtime_error(what), sqlstate(std::move(state)) {}
    std::string sqlstate; ///< the server's SQLSTATE, empty for a client-side failure
    /// The statement's data was refused (classes 22 data exception, 23 integrity constraint
    /// violation): sending it again fails again.
    bool data_refused() const { return sqlstate.rfind("22", 0) == 0 || sqlstate.rfind("23", 0) == 0; }
};

inline std::string sqlstate_of(const PGresult* r) {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
}

/// libpq's messages without their trailing newline.
inline std::string trimmed(std::string m) {
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
}

/// Checks a connection string (URL or key=value) without connecting; throws naming what is wrong.
inline void check_conninfo(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        std::string why = err ? err : "out of memory";
        PQfreemem(err);
        throw std::invalid_argument("--db '" + conninfo + "': " + trimmed(why));
    }
    PQconninfoFree(opts);
}

class result {
public:
    explicit result(PGresult* r = nullptr) : m_r(r, &PQclear) {}
    PGresult* get() const { return m_r.get(); }
    explicit operator bool() const { return m_r != nullptr; }
    int rows() const { return PQntuples(m_r.get()); }
    bool null(int row, int col) const { return PQgetisnull(m_r.get(), row, col) != 0; }
    std::string text(int row, int col) const { return PQgetvalue(m_r.get(), row, col); }
    double number(int row, int col) const { return std::stod(text(row, col)); }
    std::int64_t integer(int row, int col) const { return std::stoll(text(row, col)); }

private:
    std::unique_ptr<PGresult, void (*)(PGresult*)> m_r;
};

class connection {
public:
    /// Connects (at most `timeout_s` seconds); application_name tells the server's sessions
    /// apart. TCP keepalives and a 20 s TCP user timeout end a connection to a peer that went
    /// silent; the URL's own values override these. The connection is non-blocking: every call
    /// waits for the server at most `wait` (then the connection is dropped and pg_error thrown),
    /// so a hung server, even over a Unix socket, cannot hold the caller.
    connection(const std::string& conninfo, const std::string& application, int timeout_s = 5,
               std::chrono::milliseconds wait = std::chrono::seconds(60))
        : m_wait(wait) {
        const char* keys[] = {"application_name", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                              "tcp_user_timeout", "dbname", nullptr};
        const std::string timeout = std::to_string(timeout_s);
        const char* values[] = {application.c_str(), timeout.c_str(), "1", "5", "2", "3", "20000", conninfo.c_str(), nullptr};
        m_c.reset(PQconnectdbParams(keys, values, 1)); // expand_dbname: dbname may be a URL, its values applied after ours
        if (!m_c || PQstatus(m_c.get()) != CONNECTION_OK) throw pg_error("connect: " + message());
        PQsetNoticeProcessor(m_c.get(), [](void*, const char*) {}, nullptr); // notices ("already exists, skipping"); errors throw
        if (PQsetnonblocking(m_c.get(), 1) != 0) throw pg_error("non-blocking mode: " + message());
        exec("SET TIME ZONE 'UTC'");
    }
    connection(connection&&) = default;
    connection& operator=(connection&&) = default;

    bool ok() const { return m_c && PQstatus(m_c.get()) == CONNECTION_OK; }

    /// Runs SQL (one or more statements without parameters); returns the last result.
    result exec(const std::string& sql) {
        live();
        if (!PQsendQuery(m_c.get(), sql.c_str())) throw pg_error("send: " + message());
        return finish(sql);
    }

    /// One statement with text parameters ($1, $2, ...).
    result exec(const std::string& sql, const std::vector<std::string>& params) {
        live();
        std::vector<const char*> p;
        for (const auto& s : params) p.push_back(s.c_str());
        if (!PQsendQueryParams(m_c.get(), sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0)) {
            throw pg_error("send: " + message());
        }
        return finish(sql);
    }

    /// `COPY ... FROM STDIN` with `data` (already in the format the statement names).
    void copy_in(const std::string& sql, std::string_view data) {
        live();
        const auto until = std::chrono::steady_clock::now() + m_wait;
        if (!PQsendQuery(m_c.get(), sql.c_str())) throw pg_error("send: " + message());
        flush(until);
        result start(next_result(until));
        if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
            auto e = error_of(start, sql);
            while (result rest{next_result(until)}) {
            }
            throw e;
        }
        constexpr std::size_t chunk = 1 << 20;
        for (std::size_t at = 0; at < data.size(); at += chunk) {
            const auto n = std::min(chunk, data.size() - at);
            for (;;) {
                const int r = PQputCopyData(m_c.get(), data.data() + at, static_cast<int>(n));
                if (r == 1) break;
                if (r < 0) throw pg_error("COPY data: " + message());
                wait(POLLOUT, until);
            }
        }
        for (;;) {
            const int r = PQputCopyEnd(m_c.get(), nullptr);
            if (r == 1) break;
            if (r < 0) throw pg_error("COPY end: " + message());
            wait(POLLOUT, until);
        }
        flush(until);
        std::optional<pg_error> failed;
        while (result r{next_result(until)}) {
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && !failed) failed = error_of(r, sql);
        }
        if (failed) throw *failed;
    }

    std::string message() const {
        return trimmed(m_c ? PQerrorMessage(m_c.get()) : "connection closed");
    }

    /// A literal for SQL text (E'' quoting done by libpq).
    std::string literal(std::string_view s) const {
        char* q = PQescapeLiteral(m_c.get(), s.data(), s.size());
        if (!q) throw pg_error("escape: " + message());
        std::string out(q);
        PQfreemem(q);
        return out;
    }

private:
    using clock = std::chrono::steady_clock;

    void live() const {
        if (!m_c) throw pg_error("connection closed");
    }

    /// Waits until the socket is ready for `events`, or drops the connection at `until`.
    void wait(short events, clock::time_point until) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
            if (left <= 0) {
                m_c.reset(); // the server sees the socket close when it runs again and aborts the transaction
                throw pg_error("no answer from the database within " + std::to_string(m_wait.count() / 1000) + " s: connection dropped");
            }
            pollfd p{PQsocket(m_c.get()), events, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
            if (r > 0) return;
            if (r < 0 && errno != EINTR) throw pg_error(std::string("poll: ") + std::strerror(errno));
        }
    }

    void flush(clock::time_point until) {
        for (;;) {
            const int r = PQflush(m_c.get());
            if (r == 0) return;
            if (r < 0) throw pg_error("send: " + message());
            wait(POLLOUT | POLLIN, until);
            if (!PQconsumeInput(m_c.get())) throw pg_error("receive: " + message());
        }
    }

    /// The next result of the command in flight (null: none left).
    PGresult* next_result(clock::time_point until) {
        while (PQisBusy(m_c.get())) {
            wait(POLLIN, until);
            if (!PQconsumeInput(m_c.get())) throw pg_error("receive: " + message());
        }
        return PQgetResult(m_c.get());
    }

    static pg_error error_of(const result& r, const std::string& sql) {
        const std::string m = trimmed(r.get() ? PQresultErrorMessage(r.get()) : "no result");
        return pg_error(m + " (in: " + sql.substr(0, 80) + ")", sqlstate_of(r.get()));
    }

    /// Every result of the command in flight; the first error is thrown once all are read.
    result finish(const std::string& sql) {
        const auto until = clock::now() + m_wait;
        flush(until);
        result last;
        std::optional<pg_error> failed;
        while (result r{next_result(until)}) {
            const auto st = PQresultStatus(r.get());
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !failed) failed = error_of(r, sql);
            last = std::move(r);
        }
        if (failed) throw *failed;
        return last;
    }

    std::unique_ptr<PGconn, void (*)(PGconn*)> m_c{nullptr, &PQfinish};
    std::chrono::milliseconds m_wait;
};

} // namespace rtrisk_live::pg
