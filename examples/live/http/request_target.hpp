#pragma once
// The request target of an HTTP request (RFC 9112 section 3.2), reduced to what the server routes
// on: the path as percent-decoded segments and the query as percent-decoded name/value pairs.
// Origin-form ("/a/b?q") and absolute-form ("http://host/a/b?q") are accepted; anything else,
// a bad escape, a "." or ".." segment, or a decoded NUL, "/" or "\" inside a segment is a
// bad_target (400); a target longer than max_target_length is 414. Empty segments ("//") are
// merged, as most servers do, so "//etc/passwd" is the relative path "etc/passwd".

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtrisk_live {

constexpr std::size_t max_target_length = 4096;
constexpr std::size_t max_header_bytes = 16 * 1024; ///< request line and header fields (431 beyond)
constexpr std::size_t max_body_bytes = 8192;        ///< request body (413 beyond)

/// A request target the server refuses; `status` is the HTTP status to answer with.
class bad_target : public std::runtime_error {
public:
    bad_target(int status, const std::string& what) : std::runtime_error(what), m_status(status) {}
    int status() const noexcept { return m_status; }

private:
    int m_status;
};

struct request_target {
    std::vector<std::string> segments;                       ///< decoded, none empty, "." or ".."
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order of appearance
    std::string authority;                                   ///< host[:port] of an absolute-form target, else empty

    /// "/" followed by the segments joined with "/".
    std::string path() const {
        std::string p = "/";
        for (std::size_t i = 0; i < segments.size(); ++i) p += (i ? "/" : "") + segments[i];
        return p;
    }
    /// The value of the first query parameter called `name`, if any.
    std::optional<std::string> param(std::string_view name) const {
        for (const auto& [k, v] : query)
            if (k == name) return v;
        return std::nullopt;
    }
};

namespace detail {
inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
} // namespace detail

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in form-encoded queries).
inline std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            const int hi = i + 2 < s.size() ? detail::hex_value(s[i + 1]) : -1;
            const int lo = i + 2 < s.size() ? detail::hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) throw bad_target(400, "bad percent escape in request target");
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// Parses a request target; throws bad_target (400 or 414).
inline request_target parse_request_target(std::string_view target) {
    if (target.size() > max_target_length) {
        throw bad_target(414, "request target of " + std::to_string(target.size()) + " bytes exceeds " +
                                  std::to_string(max_target_length));
    }
    for (const char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '#') throw bad_target(400, "request target holds a character that is not allowed");
    }
    request_target t;
    constexpr std::string_view scheme = "http://";
    if (target.size() >= scheme.size() && std::equal(scheme.begin(), scheme.end(), target.begin(), [](char a, char b) {
            return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
        })) {
        target.remove_prefix(scheme.size());
        const auto end = target.find_first_of("/?");
        t.authority = std::string(target.substr(0, end));
        if (t.authority.empty() || t.authority.find('@') != std::string::npos) throw bad_target(400, "bad authority in request target");
        target = end == std::string_view::npos ? std::string_view("/") : target.substr(end);
        if (target.front() == '?') throw bad_target(400, "request target has a query but no path");
    }
    if (target.empty() || target.front() != '/') throw bad_target(400, "request target must start with '/'");
    const auto qmark = target.find('?');
    const std::string_view path = target.substr(0, qmark);
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto raw = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (!raw.empty()) {
            std::string seg = percent_decode(raw, false);
            if (seg == "." || seg == "..") throw bad_target(400, "'.' and '..' are not allowed in a path");
            if (seg.find_first_of(std::string_view("\0/\\", 3)) != std::string::npos) {
                throw bad_target(400, "an encoded NUL, '/' or '\\' is not allowed in a path segment");
            }
            t.segments.push_back(std::move(seg));
        }
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (qmark != std::string_view::npos) {
        std::string_view q = target.substr(qmark + 1);
        while (!q.empty()) {
            const auto amp = q.find('&');
            const auto pair = q.substr(0, amp);
            if (!pair.empty()) {
                const auto eq = pair.find('=');
                t.query.emplace_back(percent_decode(pair.substr(0, eq), true),
                                     eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true));
            }
            if (amp == std::string_view::npos) break;
            q.remove_prefix(amp + 1);
        }
    }
    return t;
}

} // namespace rtrisk_live
