#pragma once
// GET /api/history's parameters (docs/protocol.md, "History"): node=PATH&from=ISO&to=ISO&step=SECONDS,
// checked into a typed query; anything wrong throws bad_history_request naming the parameter
// (answered 400), and the answer's JSON encoding.

#include <cctype>
#include <charconv>
#include <cstdint>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../../common/iso_date.hpp"
#include "../store/history_series.hpp"
#include "request_target.hpp"

namespace rtrisk_live {

struct bad_history_request : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct history_request {
    std::string node;
    std::int64_t from_us = 0, to_us = 0; ///< [from, to), µs since the Unix epoch
    std::int64_t step_s = 0;             ///< 0: every point
};

inline constexpr std::int64_t default_history_range_us = 5LL * 60 * 1000000; // from = to - 5 min
inline constexpr std::int64_t max_history_step_s = 366LL * 86400;
inline constexpr std::int64_t max_raw_grouping_us = 86400LL * 1000000; // steps not multiple of 60 group raw rows: 1 day at most

namespace detail {
inline bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}
} // namespace detail

/// An ISO 8601 / RFC 3339 instant: YYYY-MM-DDTHH:MM[:SS[.frac]] with Z or ±HH:MM (no zone:
/// UTC), or a date YYYY-MM-DD (midnight UTC). Years 1970-2100. Returns µs since the Unix epoch.
inline std::int64_t parse_iso_instant(std::string_view s, const char* name) {
    const auto bad = [&](const std::string& why) {
        return bad_history_request(std::string(name) + ": '" + std::string(s.substr(0, 40)) + "' is not an ISO 8601 instant (" + why + ")");
    };
    int y, mo, d, h = 0, mi = 0, sec = 0; // the shape checked here, the date by parse_iso_date
    if (!detail::digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !detail::digits(s, 5, 2, mo) || s[7] != '-' || !detail::digits(s, 8, 2, d)) {
        throw bad("expected YYYY-MM-DD");
    }
    std::size_t at = 10;
    std::int64_t frac_us = 0;
    if (at < s.size()) {
        if (s[at] != 'T' && s[at] != 't' && s[at] != ' ') throw bad("expected T after the date");
        if (!detail::digits(s, at + 1, 2, h) || at + 3 >= s.size() || s[at + 3] != ':' || !detail::digits(s, at + 4, 2, mi)) throw bad("expected THH:MM");
        at += 6;
        if (at < s.size() && s[at] == ':') {
            if (!detail::digits(s, at + 1, 2, sec)) throw bad("expected :SS");
            at += 3;
            if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
                std::size_t n = 0;
                ++at;
                while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) {
                    if (n < 6) frac_us = frac_us * 10 + (s[at] - '0');
                    ++n;
                    ++at;
                }
                if (n == 0) throw bad("expected digits after the decimal point");
                for (; n < 6; ++n) frac_us *= 10;
            }
        }
        int offset_min = 0;
        if (at < s.size()) {
            if (s[at] == 'Z' || s[at] == 'z') {
                ++at;
            } else if (s[at] == '+' || s[at] == '-') {
                int oh, om;
                if (!detail::digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' || !detail::digits(s, at + 4, 2, om) || oh > 23 || om > 59) {
                    throw bad("expected a zone offset ±HH:MM");
                }
                offset_min = (s[at] == '-' ? -1 : 1) * (oh * 60 + om);
                at += 6;
            }
            if (at != s.size()) throw bad("unexpected characters after the time");
        }
        frac_us -= static_cast<std::int64_t>(offset_min) * 60 * 1000000;
    }
    if (y < 1970 || y > 2100 || h > 23 || mi > 59 || sec > 60) throw bad("a field out of range");
    const auto date = rtrisk_examples::parse_iso_date(s.substr(0, 10));
    if (!date) throw bad("no such day");
    const std::int64_t days = date->time_since_epoch().count();
    return ((days * 24 + h) * 60 + mi) * 60 * 1000000 + static_cast<std::int64_t>(sec) * 1000000 + frac_us;
}

/// YYYY-MM-DDTHH:MM:SS.mmmZ of µs since the Unix epoch.
inline std::string iso_instant(std::int64_t us) {
    constexpr std::int64_t day_us = 86400LL * 1000000;
    const std::int64_t days = (us >= 0 ? us : us - day_us + 1) / day_us, in_day = us - days * day_us;
    char buf[24];
    std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d.%03dZ", static_cast<int>(in_day / 3600000000LL), static_cast<int>(in_day / 60000000 % 60),
                  static_cast<int>(in_day / 1000000 % 60), static_cast<int>(in_day / 1000 % 1000));
    return rtrisk_examples::iso_date(std::chrono::sys_days{std::chrono::days{days}}) + buf;
}

/// The query of a request target; `now_us` is the default `to`.
inline history_request parse_history_request(const request_target& t, std::int64_t now_us) {
    for (const auto& [k, v] : t.query) {
        if (k != "node" && k != "from" && k != "to" && k != "step" && k != "token") throw bad_history_request("unknown parameter '" + k.substr(0, 40) + "'");
    }
    history_request r;
    const auto node = t.param("node");
    if (!node || node->empty()) throw bad_history_request("node: required (a node path, e.g. the root's)");
    if (node->size() > 1024) throw bad_history_request("node: longer than 1024 bytes");
    r.node = *node;
    const auto to = t.param("to");
    r.to_us = to ? parse_iso_instant(*to, "to") : now_us;
    const auto from = t.param("from");
    r.from_us = from ? parse_iso_instant(*from, "from") : r.to_us - default_history_range_us;
    if (r.from_us >= r.to_us) throw bad_history_request("from: must be before to");
    if (const auto step = t.param("step")) {
        const auto* b = step->data();
        const auto [p, ec] = std::from_chars(b, b + step->size(), r.step_s);
        if (ec != std::errc() || p != b + step->size() || r.step_s < 0 || r.step_s > max_history_step_s) {
            throw bad_history_request("step: '" + step->substr(0, 40) + "' is not a whole number of seconds in [0, " + std::to_string(max_history_step_s) + "]");
        }
    }
    if (r.step_s > 0) { // whole buckets (aligned on the Unix epoch): from rounds down, to up
        if (r.step_s % 60 != 0 && r.to_us - r.from_us > max_raw_grouping_us) {
            throw bad_history_request("step: " + std::to_string(r.step_s) + " s is read from the raw rows (not a multiple of 60), over at most 1 day: use a multiple of 60 or narrow from/to");
        }
        const std::int64_t w = r.step_s * 1000000;
        r.from_us = r.from_us / w * w; // both are after 1970
        r.to_us = (r.to_us + w - 1) / w * w;
    }
    if (r.step_s > 0 && (r.to_us - r.from_us) / (r.step_s * 1000000) > history::max_points) {
        throw bad_history_request("step: " + std::to_string(r.step_s) + " s over this range gives more than " + std::to_string(history::max_points) +
                                  " points; raise step or narrow from/to");
    }
    return r;
}

/// The answer's body (docs/protocol.schema.json, history_response).
inline std::string history_json(const history_request& q, const history::series& s) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : s.points) {
        points.push_back({p.time_ms, p.pnl, p.var_99, p.es_975, p.gross_exposure, p.net_delta});
    }
    return nlohmann::json{{"node", q.node},
                          {"from", iso_instant(q.from_us)},
                          {"to", iso_instant(q.to_us)},
                          {"step", q.step_s},
                          {"source", s.source},
                          {"columns", {"time_ms", "pnl", "var_99", "es_975", "gross_exposure", "net_delta"}},
                          {"points", std::move(points)}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace rtrisk_live
