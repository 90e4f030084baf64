#pragma once
// Who may talk to the server (docs/security.md):
//  - Host: the name the client used must be one the server answers to (loopback names, the bind
//    address, --allow-host names, the hosts of --allow-origin), with the listening port. This
//    defeats DNS rebinding: a hostile page whose name resolves to 127.0.0.1 still sends its own
//    name in Host.
//  - Origin (WebSocket upgrades from browsers): the page's own origin (http:// + an allowed
//    Host) or an exact --allow-origin. Requests without Origin come from non-browser clients.
//  - Token: exact, constant-time comparison of the decoded `token` query parameter or of an
//    `Authorization: Bearer` header.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtrisk_live {

namespace detail {
inline std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}
} // namespace detail

/// Compares a presented secret with the expected one in time that depends only on the
/// expected secret's length.
inline bool constant_time_equal(std::string_view presented, std::string_view expected) noexcept {
    unsigned diff = presented.size() == expected.size() ? 0u : 1u;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const unsigned char a = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
        diff |= a ^ static_cast<unsigned char>(expected[i]);
    }
    return diff == 0;
}

/// A Host header value split into a lower-case name and a port (0 when absent);
/// `valid` is false for anything that is not host[:port] or [v6][:port].
struct host_port {
    std::string name;
    unsigned port = 0;
    bool valid = false;
};

inline host_port parse_host(std::string_view h) {
    host_port out;
    if (h.empty() || h.size() > 255) return out;
    std::string_view name = h, port;
    bool has_port = false;
    if (h.front() == '[') {
        const auto close = h.find(']');
        if (close == std::string_view::npos) return out;
        name = h.substr(0, close + 1);
        const auto rest = h.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return out;
            port = rest.substr(1);
            has_port = true;
        }
        for (const char c : name.substr(1, name.size() - 2))
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return out;
    } else {
        if (const auto colon = h.find(':'); colon != std::string_view::npos) {
            name = h.substr(0, colon);
            port = h.substr(colon + 1);
            has_port = true;
        }
        for (const char c : name)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return out;
    }
    if (name.empty() || name == "[]") return out;
    if (has_port) {
        if (port.empty() || port.size() > 5) return out;
        unsigned p = 0;
        for (const char c : port) {
            if (c < '0' || c > '9') return out;
            p = p * 10 + static_cast<unsigned>(c - '0');
        }
        if (p == 0 || p > 65535) return out;
        out.port = p;
    }
    out.name = detail::lower(name);
    out.valid = true;
    return out;
}

class access_policy {
public:
    /// `bind`: the listening address; `port`: the listening port; `hosts`: extra names
    /// (--allow-host); `origins`: exact extra origins (--allow-origin), whose hosts are allowed too.
    access_policy(std::string_view bind, unsigned port, const std::vector<std::string>& hosts,
                  std::vector<std::string> origins, std::string token)
        : m_port(port), m_origins(std::move(origins)), m_token(std::move(token)) {
        m_names = {"localhost", "127.0.0.1", "[::1]"};
        const std::string b = detail::lower(bind);
        if (b != "0.0.0.0" && b != "::") m_names.push_back(b.find(':') != std::string::npos ? "[" + b + "]" : b);
        for (const auto& h : hosts) m_names.push_back(detail::lower(h));
        for (const auto& o : m_origins) {
            const auto scheme = o.find("://");
            if (scheme == std::string::npos) continue;
            const auto hp = parse_host(std::string_view(o).substr(scheme + 3));
            if (hp.valid) m_extra_hosts.push_back(hp);
        }
    }

    /// True when the Host header names this server: an allowed name with the listening port or
    /// no port. HTTP/1.1 requires a Host; HTTP/1.0 may omit it.
    bool host_allowed(std::string_view host, bool http11) const {
        if (host.empty()) return !http11;
        const auto hp = parse_host(host);
        if (!hp.valid) return false;
        if ((hp.port == 0 || hp.port == m_port) && std::find(m_names.begin(), m_names.end(), hp.name) != m_names.end()) return true;
        for (const auto& e : m_extra_hosts)
            if (e.name == hp.name && e.port == hp.port) return true;
        return false;
    }

    /// True when a WebSocket upgrade's Origin is acceptable (see the header comment).
    bool origin_allowed(std::string_view origin, std::string_view host) const {
        if (origin.empty()) return true;
        for (const auto& o : m_origins)
            if (origin == o) return true;
        constexpr std::string_view http = "http://";
        return origin.substr(0, http.size()) == http && !host.empty() &&
               detail::lower(origin.substr(http.size())) == detail::lower(host) && host_allowed(host, true);
    }

    /// True when no token is configured, or the Bearer header (if sent) or else the decoded
    /// `token` query value equals it exactly.
    bool token_ok(std::string_view authorization, const std::string* query_token) const {
        if (m_token.empty()) return true;
        if (!authorization.empty()) {
            constexpr std::string_view bearer = "bearer ";
            if (authorization.size() <= bearer.size() || detail::lower(authorization.substr(0, bearer.size())) != bearer) return false;
            return constant_time_equal(authorization.substr(bearer.size()), m_token);
        }
        return query_token != nullptr && constant_time_equal(*query_token, m_token);
    }

private:
    unsigned m_port;
    std::vector<std::string> m_names;
    std::vector<host_port> m_extra_hosts;
    std::vector<std::string> m_origins;
    std::string m_token;
};

} // namespace rtrisk_live
