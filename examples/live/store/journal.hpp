#pragma once
// The history's local journal: an append-only file of records (one JSON line each, see
// history_record.hpp) that the database writer fills while the database is down or behind, and
// drains in order once it is back. It survives a restart: a journal left by a previous run is
// drained first (those rows keep their instance and seq). A line that does not parse (torn by
// a crash) is skipped and counted. Used by one thread only.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "history_record.hpp"

namespace rtrisk_live::history {

class journal {
public:
    explicit journal(std::string path) : m_path(std::move(path)) {
        m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (m_fd < 0) throw std::runtime_error("journal " + m_path + ": " + std::strerror(errno));
        if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) { // one writer per journal: another's take() would truncate ours
            const std::string why = errno == EWOULDBLOCK ? "in use by another process (give each server its own --db-journal)" : std::strerror(errno);
            ::close(m_fd);
            throw std::runtime_error("journal " + m_path + ": " + why);
        }
        struct stat st{};
        if (::fstat(m_fd, &st) == 0) m_size = static_cast<std::uint64_t>(st.st_size);
        char last = '\n';
        if (m_size > 0 && ::pread(m_fd, &last, 1, static_cast<off_t>(m_size - 1)) == 1 && last != '\n') {
            if (::write(m_fd, "\n", 1) == 1) ++m_size; // a line torn by a crash ends here, and is skipped when read
        }
    }
    ~journal() {
        if (m_fd >= 0) ::close(m_fd);
    }
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    const std::string& path() const { return m_path; }
    bool empty() const { return m_read >= m_size; }
    std::uint64_t bytes() const { return m_size - m_read; }
    std::uint64_t bad_lines() const { return m_bad_lines; } ///< lines skipped by take() so far

    /// Appends records (one write per call, then fdatasync); throws when the disk refuses them.
    void append(const std::vector<record>& records) {
        std::string out;
        for (const auto& r : records) {
            out += encode_line(r);
            out += '\n';
        }
        std::size_t at = 0;
        while (at < out.size()) {
            const auto n = ::write(m_fd, out.data() + at, out.size() - at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const std::string why = std::strerror(errno);
                if (::ftruncate(m_fd, static_cast<off_t>(m_size)) != 0) {} // no partial line left behind
                throw std::runtime_error("journal " + m_path + ": " + why);
            }
            at += static_cast<std::size_t>(n);
        }
        m_size += out.size();
        ::fdatasync(m_fd); // the rows are the database's only copy now
    }

    /// The oldest records not yet taken, up to about `max_rows` rows (at least one record).
    /// take() then drops them; read_oldest() again returns the same ones.
    std::vector<record> read_oldest(std::size_t max_rows) {
        std::vector<record> out;
        m_pending = m_read;
        m_pending_bad = 0;
        std::size_t rows = 0;
        std::string buf;
        char chunk[1 << 16];
        std::uint64_t pos = m_read;
        while (pos < m_size && (out.empty() || rows < max_rows)) {
            const auto n = ::pread(m_fd, chunk, sizeof chunk, static_cast<off_t>(pos));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            pos += static_cast<std::uint64_t>(n);
            buf.append(chunk, static_cast<std::size_t>(n));
            std::size_t start = 0, nl;
            while ((nl = buf.find('\n', start)) != std::string::npos && (out.empty() || rows < max_rows)) {
                try {
                    out.push_back(decode_line(std::string_view(buf).substr(start, nl - start)));
                    rows += out.back().rows();
                } catch (const std::invalid_argument&) {
                    ++m_pending_bad;
                }
                m_pending += nl - start + 1;
                start = nl + 1;
            }
            buf.erase(0, start);
            if (buf.size() > max_line_bytes) { // no newline within a line's bound: corrupt, skip it
                ++m_pending_bad;
                m_pending += buf.size();
                buf.clear();
            }
        }
        return out;
    }

    /// Drops what read_oldest() returned; an emptied journal is truncated.
    void take() {
        m_read = m_pending;
        m_bad_lines += std::exchange(m_pending_bad, 0);
        if (m_read >= m_size) {
            if (::ftruncate(m_fd, 0) != 0) throw std::runtime_error("journal " + m_path + ": " + std::strerror(errno));
            m_read = m_pending = m_size = 0;
        }
    }

    static constexpr std::size_t max_line_bytes = 256u << 20;

private:
    std::string m_path;
    int m_fd = -1;
    std::uint64_t m_size = 0, m_read = 0, m_pending = 0, m_bad_lines = 0, m_pending_bad = 0;
};

} // namespace rtrisk_live::history
