#pragma once
// A thin RAII layer over libpq: a connection, a result, binary COPY. Every failure throws
// pg_error with the server's message; the caller decides whether to reconnect.

#include <libpq-fe.h>

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

/// Checks a connection string (URL or key=value) without connecting; throws naming what is wrong.
inline void check_conninfo(const std::string& conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        std::string why = err ? err : "out of memory";
        PQfreemem(err);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        throw std::invalid_argument("--db '" + conninfo + "': " + why);
    }
    PQconninfoFree(opts);
}

class result {
public:
    explicit result(PGresult* r = nullptr) : m_r(r, &PQclear) {}
    PGresult* get() const { return m_r.get(); }
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
    /// silent, instead of blocking for the kernel's two hours; the URL's own values override these.
    connection(const std::string& conninfo, const std::string& application, int timeout_s = 5) {
        const char* keys[] = {"application_name", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                              "tcp_user_timeout", "dbname", nullptr};
        const std::string timeout = std::to_string(timeout_s);
        const char* values[] = {application.c_str(), timeout.c_str(), "1", "5", "2", "3", "20000", conninfo.c_str(), nullptr};
        m_c.reset(PQconnectdbParams(keys, values, 1)); // expand_dbname: dbname may be a URL, its values applied after ours
        if (!m_c || PQstatus(m_c.get()) != CONNECTION_OK) throw pg_error("connect: " + message());
        PQsetNoticeProcessor(m_c.get(), [](void*, const char*) {}, nullptr); // notices ("already exists, skipping"); errors throw
        exec("SET TIME ZONE 'UTC'");
    }
    connection(connection&&) = default;
    connection& operator=(connection&&) = default;

    bool ok() const { return m_c && PQstatus(m_c.get()) == CONNECTION_OK; }

    /// Runs SQL (one or more statements without parameters); returns the last result.
    result exec(const std::string& sql) { return check(PQexec(m_c.get(), sql.c_str()), sql); }

    /// One statement with text parameters ($1, $2, ...).
    result exec(const std::string& sql, const std::vector<std::string>& params) {
        std::vector<const char*> p;
        for (const auto& s : params) p.push_back(s.c_str());
        return check(PQexecParams(m_c.get(), sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0), sql);
    }

    /// `COPY ... FROM STDIN` with `data` (already in the format the statement names).
    void copy_in(const std::string& sql, std::string_view data) {
        result start(PQexec(m_c.get(), sql.c_str()));
        if (PQresultStatus(start.get()) != PGRES_COPY_IN) throw pg_error(sql.substr(0, 60) + ": " + message());
        constexpr std::size_t chunk = 1 << 20;
        for (std::size_t at = 0; at < data.size(); at += chunk) {
            const auto n = std::min(chunk, data.size() - at);
            if (PQputCopyData(m_c.get(), data.data() + at, static_cast<int>(n)) != 1) throw pg_error("COPY data: " + message());
        }
        if (PQputCopyEnd(m_c.get(), nullptr) != 1) throw pg_error("COPY end: " + message());
        for (;;) {
            result r(PQgetResult(m_c.get()));
            if (!r.get()) break;
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw pg_error("COPY: " + std::string(PQresultErrorMessage(r.get())), sqlstate_of(r.get()));
        }
    }

    std::string message() const {
        std::string m = m_c ? PQerrorMessage(m_c.get()) : "out of memory";
        while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
        return m;
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
    result check(PGresult* raw, const std::string& sql) {
        result r(raw);
        const auto st = r.get() ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            std::string m = r.get() ? PQresultErrorMessage(r.get()) : message();
            while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
            throw pg_error(m + " (in: " + sql.substr(0, 80) + ")", sqlstate_of(r.get()));
        }
        return r;
    }
    std::unique_ptr<PGconn, void (*)(PGconn*)> m_c{nullptr, &PQfinish};
};

} // namespace rtrisk_live::pg
