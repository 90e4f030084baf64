#pragma once
// Maps a parsed request target to a file under the static folder, never outside it: the folder
// and the candidate file are both resolved to canonical paths (symlinks followed) and the file
// must lie inside the folder. Dot-files are not served. Nothing here throws.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "request_target.hpp"

namespace rtrisk_live {

/// The Content-Type of a dashboard file, by its extension.
inline std::string_view mime_type(std::string_view path) {
    const auto ext = path.substr(path.rfind('.') == std::string_view::npos ? path.size() : path.rfind('.'));
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "application/javascript";
    if (ext == ".css") return "text/css";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".json") return "application/json";
    if (ext == ".ico") return "image/x-icon";
    return "application/octet-stream";
}

class static_root {
public:
    explicit static_root(const std::filesystem::path& dir) {
        std::error_code ec;
        m_root = std::filesystem::canonical(dir, ec);
        if (ec) m_root.clear(); // not built yet: every lookup misses
    }

    /// The regular file the target names, inside the folder, or nothing. `/` is index.html.
    std::optional<std::filesystem::path> resolve(const request_target& t) const noexcept {
        try {
            if (m_root.empty()) return std::nullopt;
            if (t.segments.empty()) return regular_inside(m_root / "index.html");
            std::filesystem::path p = m_root;
            for (const auto& s : t.segments) {
                if (s.empty() || s.front() == '.') return std::nullopt;
                p /= s;
            }
            return regular_inside(p);
        } catch (...) { // allocation failure: treat as a miss
            return std::nullopt;
        }
    }
    const std::filesystem::path& root() const noexcept { return m_root; }

private:
    std::optional<std::filesystem::path> regular_inside(const std::filesystem::path& p) const {
        std::error_code ec;
        auto real = std::filesystem::canonical(p, ec); // ENAMETOOLONG, ENOENT, ELOOP...: a miss
        if (ec) return std::nullopt;
        auto r = m_root.begin();
        auto f = real.begin();
        for (; r != m_root.end(); ++r, ++f)
            if (f == real.end() || *f != *r) return std::nullopt;
        if (!std::filesystem::is_regular_file(real, ec) || ec) return std::nullopt;
        return real;
    }

    std::filesystem::path m_root;
};

} // namespace rtrisk_live
