#pragma once
// Maps a parsed request target to a file under the static folder, never outside it: the folder
// and the candidate file are both resolved to canonical paths (symlinks followed) and the file
// must lie inside the folder. Dot-files are not served. Nothing here throws.
//
// Precompressed files (scripts/web_build.sh writes NAME.br and NAME.gz next to NAME) are chosen
// by the request's Accept-Encoding: brotli, then gzip, then the file itself.

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "field_lists.hpp"
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

/// Whether an Accept-Encoding field value (RFC 9110, 12.5.3) accepts `coding`: listed by name
/// (case-insensitive), or covered by "*" when not listed, with a q-value other than 0.
inline bool accepts_coding(std::string_view field, std::string_view coding) noexcept {
    int named = -1, star = -1; // -1 absent, 0 refused (q=0), 1 accepted
    for_each_list_element(field, [&](std::string_view item) {
        const auto semi = item.find(';');
        const auto name = trim_ows(item.substr(0, semi));
        int accepted = 1;
        for (auto params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1); !params.empty();) {
            const auto next = params.find(';');
            const auto param = trim_ows(params.substr(0, next));
            params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
            if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
            const auto q = trim_ows(param.substr(2)); // "0", "0.", "0.000": refused; anything else is above 0
            accepted = q.find_first_not_of("0.") == std::string_view::npos ? 0 : 1;
        }
        if (equals_ignoring_case(name, coding)) named = accepted;
        else if (name == "*") star = accepted;
    });
    return named >= 0 ? named == 1 : star == 1;
}

/// A file to send: where it is, its Content-Type (the requested file's), its Content-Encoding
/// ("" for none), and whether the file has encoded variants (the answer then varies with
/// Accept-Encoding).
struct static_file {
    std::filesystem::path path;
    std::string_view type;
    std::string_view encoding;
    bool has_variants = false;
};

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
    /// As resolve(), with the precompressed variant the request accepts when there is one.
    std::optional<static_file> resolve(const request_target& t, std::string_view accept_encoding) const noexcept {
        try {
            auto plain = resolve(t);
            if (!plain) return std::nullopt;
            static_file out{*plain, mime_type(plain->string()), {}, false};
            static constexpr std::array<std::pair<std::string_view, std::string_view>, 2> variants{{{"br", ".br"}, {"gzip", ".gz"}}};
            for (const auto& [coding, suffix] : variants) {
                auto encoded = regular_inside(std::filesystem::path(plain->string() + std::string(suffix)));
                if (!encoded) continue;
                out.has_variants = true;
                if (out.encoding.empty() && accepts_coding(accept_encoding, coding)) {
                    out.path = std::move(*encoded);
                    out.encoding = coding;
                }
            }
            return out;
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
