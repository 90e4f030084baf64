#pragma once
// A desk's book from files (docs/book.md): positions (CSV or JSON Lines), price history,
// optional proxies, and the market parameters (valuation date, rate, dividend yields). Loading
// is all or nothing: the first bad value throws book_error naming file, line and field, and
// nothing is half-built.
//
//   positions.csv ─┐
//   history.csv ───┼──► load_book() ──► loaded_book { rtrisk::book_state, what the simulator needs }
//   proxies.csv ───┤
//   market params ─┘

#include <rtrisk/book_state.hpp>
#include <rtrisk/returns.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../../common/csv.hpp"
#include "../../common/iso_date.hpp"
#include "../../common/parse_number.hpp"
#include "../../common/utf8.hpp"

namespace rtrisk_live {

/// A bad book file or market parameter; the message names the file, line and field.
class book_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct market_parameters {
    std::chrono::sys_days asof{};                    ///< valuation date
    double rate = 0;                                 ///< risk-free rate, continuously compounded, per year
    std::map<std::string, double> dividends;         ///< dividend yield per underlying (default 0)
};

struct book_files {
    std::string positions;
    std::string history;
    std::string proxies;  ///< optional
    /// The last `scenarios` daily returns of the history; 0: the last 500, or every return of a
    /// shorter history (at least 100).
    int scenarios = 0;
};

/// What load_book() builds: the risk state, and for the simulator the full return history of
/// the history columns and how each proxied symbol follows its proxy.
struct loaded_book {
    struct proxy {
        std::size_t underlying; ///< the proxied symbol (an underlying of the state)
        std::size_t proxy;      ///< the history column it follows
        double beta;
    };
    rtrisk::book_state state;
    std::size_t history_columns = 0;   ///< underlyings 0 .. history_columns - 1 are the history's columns
    Eigen::MatrixXd history_returns;   ///< every daily return of the history (rows x history_columns)
    std::vector<proxy> proxies;
    /// Per contract: the multiplier of its first position in the file (1 when none), the
    /// multiplier of a position a trade opens.
    std::vector<double> multipliers;
    /// Per scenario: the history's label (first column) of the day its return ends on.
    std::vector<std::string> scenario_labels;
    /// Per row of history_returns: the label of the day its return ends on.
    std::vector<std::string> return_labels;
    /// The factor columns the positions file has (factor_fields() order), each with the label of
    /// every contract (unlabelled when none of its rows gives one).
    struct factor {
        std::string name;
        std::vector<std::string> label_of_contract;
    };
    std::vector<factor> factors;
};

namespace detail {

/// Parses an ISO date (YYYY-MM-DD); nullopt when it is not a valid calendar date.
using rtrisk_examples::parse_iso_date;

inline std::string printable(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < 80; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != 0x7f) out.push_back(static_cast<char>(c));
        else out += "?";
    }
    if (s.size() > 80) out += "...";
    return out;
}

/// Splits one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes); throws on an open quote.
inline std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> out(1);
    bool quoted = false, was_quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back().push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back().push_back(c);
            }
        } else if (c == ',') {
            out.emplace_back();
            was_quoted = false;
        } else if (c == '"' && out.back().empty() && !was_quoted) {
            quoted = was_quoted = true;
        } else {
            out.back().push_back(c);
        }
    }
    if (quoted) throw std::invalid_argument("unterminated quoted field");
    for (auto& f : out) {
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
        std::size_t b = 0;
        while (b < f.size() && (f[b] == ' ' || f[b] == '\t')) ++b;
        f.erase(0, b);
    }
    return out;
}

/// One record of a positions or proxies file: field name -> text (absent or empty: not given).
struct record {
    std::string where; ///< "FILE:LINE"
    std::map<std::string, std::string> fields;
    const std::string* get(const std::string& k) const {
        const auto it = fields.find(k);
        return it == fields.end() || it->second.empty() ? nullptr : &it->second;
    }
};

/// Reads CSV (header line) or JSON Lines records; every field name must be in `known`.
inline std::vector<record> read_records(std::istream& in, const std::string& path, const std::set<std::string>& known) {
    std::vector<record> out;
    std::string line;
    std::vector<std::string> header;
    bool json_lines = false, first = true;
    std::size_t lineno = 0;
    const auto fail = [&](const std::string& what) { throw book_error(path + ":" + std::to_string(lineno) + ": " + what); };
    while (std::getline(in, line)) {
        ++lineno;
        if (lineno == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (line.size() > 65536) fail("line longer than 65536 bytes");
        if (first) {
            first = false;
            json_lines = line[line.find_first_not_of(" \t")] == '{';
            if (!json_lines) {
                try {
                    header = split_csv(line);
                } catch (const std::exception& e) {
                    fail(e.what());
                }
                std::set<std::string> seen;
                for (const auto& h : header) {
                    if (h.empty()) fail("a column has no name");
                    if (!known.contains(h)) fail("unknown column '" + printable(h) + "'");
                    if (!seen.insert(h).second) fail("column '" + printable(h) + "' appears twice");
                }
                continue;
            }
        }
        record r;
        r.where = path + ":" + std::to_string(lineno);
        if (json_lines) {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(line, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
                    if (depth > 2) throw std::invalid_argument("nested too deep");
                    return true;
                });
            } catch (const std::exception& e) {
                fail(std::string("malformed JSON: ") + e.what());
            }
            if (!j.is_object()) fail("a JSON line must be an object");
            for (const auto& [k, v] : j.items()) {
                if (!known.contains(k)) fail("unknown field '" + printable(k) + "'");
                if (v.is_string()) r.fields[k] = v.get<std::string>();
                else if (v.is_number()) r.fields[k] = v.dump();
                else if (!v.is_null()) fail("field '" + k + "' must be a string or a number, got " + printable(v.dump()));
            }
        } else {
            std::vector<std::string> f;
            try {
                f = split_csv(line);
            } catch (const std::exception& e) {
                fail(e.what());
            }
            if (f.size() != header.size()) {
                fail("expected " + std::to_string(header.size()) + " fields, got " + std::to_string(f.size()));
            }
            for (std::size_t i = 0; i < f.size(); ++i) r.fields[header[i]] = std::move(f[i]);
        }
        out.push_back(std::move(r));
    }
    if (first) throw book_error(path + ": empty file");
    return out;
}

inline const std::string& required(const record& r, const std::string& field) {
    const auto* v = r.get(field);
    if (!v) throw book_error(r.where + ": field '" + field + "' is missing");
    return *v;
}

inline double number(const record& r, const std::string& field) {
    const auto& text = required(r, field);
    const auto v = rtrisk_examples::parse_number<double>(text);
    if (!v) throw book_error(r.where + ": field '" + field + "': '" + printable(text) + "' is not a finite number");
    return *v;
}

/// A number in (0, max]; `max_text` spells max in the message.
inline double positive(const record& r, const std::string& field, double max = 1e15, const char* max_text = "1e15") {
    const double v = number(r, field);
    if (!(v > 0 && v <= max)) throw book_error(r.where + ": field '" + field + "': " + required(r, field) + " is not in (0, " + max_text + "]");
    return v;
}

inline std::ifstream open(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw book_error("cannot open '" + path + "'");
    return in;
}

} // namespace detail

/// Field names of a positions file (users script against them: they do not change).
inline const std::set<std::string>& position_fields() {
    static const std::set<std::string> f{"node", "symbol", "quantity", "price", "multiplier",
                                         "type", "underlying", "strike", "expiry", "vol",
                                         "sector", "country", "currency"};
    return f;
}

/// The optional instrument labels of a positions file, in this order: risk is also grouped by each.
inline const std::vector<std::string>& factor_fields() {
    static const std::vector<std::string> f{"sector", "country", "currency"};
    return f;
}

/// The group of positions whose instrument has no label for a factor.
inline const std::string unlabelled = "(none)";

/// Loads a book; throws book_error (file, line, field) on the first bad value.
/// `holds`, when given, selects the nodes this process keeps positions for (a scaled-out engine
/// keeps those of its Kafka partitions, docs/scaling.md); every contract is kept either way.
inline loaded_book load_book(const book_files& files, const market_parameters& market,
                             const std::function<bool(std::string_view node)>& holds = {}) {
    using detail::required;
    if (files.scenarios != 0 && files.scenarios < 100) {
        throw book_error("--scenarios " + std::to_string(files.scenarios) + " must be at least 100 (VaR 99 %)");
    }
    // History: the last `scenarios` simple returns of every column.
    rtrisk_examples::table hist;
    try {
        auto in = detail::open(files.history);
        hist = rtrisk_examples::read_csv(in, files.history);
    } catch (const book_error&) {
        throw;
    } catch (const std::exception& e) {
        throw book_error(e.what());
    }
    const auto rows = hist.values.rows();
    for (Eigen::Index j = 0; j < hist.values.cols(); ++j) {
        for (Eigen::Index i = 0; i < rows; ++i) {
            if (!(hist.values(i, j) > 0)) {
                throw book_error(files.history + ":" + std::to_string(i + 2) + ": price " + detail::printable(std::to_string(hist.values(i, j))) +
                                 " of '" + hist.columns[static_cast<std::size_t>(j)] + "' is not positive");
            }
        }
    }
    const Eigen::Index T = files.scenarios != 0 ? files.scenarios : std::min<Eigen::Index>(500, rows - 1);
    if (rows - 1 < std::max<Eigen::Index>(T, 100)) {
        throw book_error(files.history + ": " + std::to_string(rows - 1) + " daily returns, fewer than the " +
                         std::to_string(std::max<Eigen::Index>(T, 100)) +
                         (files.scenarios != 0 ? " scenarios asked (--scenarios)" : " needed for VaR 99 %"));
    }
    loaded_book out{rtrisk::book_state({}, {}, {}, rtrisk::scenario_matrix<double>::Zero(1, 0), 0), 0, {}, {}, {}, {}, {}, {}};
    out.history_returns = rtrisk::returns_from_prices(hist.values);
    out.scenario_labels.assign(hist.labels.end() - T, hist.labels.end());
    out.return_labels.assign(hist.labels.begin() + 1, hist.labels.end());
    out.history_columns = hist.columns.size();

    std::vector<std::string> names = hist.columns;
    std::vector<double> spots(names.size());
    for (std::size_t j = 0; j < names.size(); ++j) spots[j] = hist.values(rows - 1, static_cast<Eigen::Index>(j));
    std::unordered_map<std::string, std::size_t> column;
    for (std::size_t j = 0; j < names.size(); ++j) column.emplace(names[j], j);

    // Proxies: symbol, proxy (a history column), beta, optional price.
    struct proxy_row {
        std::size_t proxy;
        double beta;
        std::optional<double> price;
        std::string where;
    };
    std::map<std::string, proxy_row> proxy_of;
    if (!files.proxies.empty()) {
        auto in = detail::open(files.proxies);
        for (const auto& r : detail::read_records(in, files.proxies, {"symbol", "proxy", "beta", "price"})) {
            const auto& sym = required(r, "symbol");
            const auto& px = required(r, "proxy");
            if (column.contains(sym)) throw book_error(r.where + ": field 'symbol': '" + detail::printable(sym) + "' has its own history column");
            const auto it = column.find(px);
            if (it == column.end()) throw book_error(r.where + ": field 'proxy': '" + detail::printable(px) + "' is not a column of " + files.history);
            const double beta = detail::number(r, "beta");
            if (!(std::abs(beta) <= 100)) throw book_error(r.where + ": field 'beta': " + required(r, "beta") + " is outside [-100, 100]");
            std::optional<double> price;
            if (r.get("price")) price = detail::positive(r, "price");
            if (!proxy_of.emplace(sym, proxy_row{it->second, beta, price, r.where}).second) {
                throw book_error(r.where + ": field 'symbol': '" + detail::printable(sym) + "' is mapped twice");
            }
        }
    }

    // Positions.
    auto in = detail::open(files.positions);
    const auto records = detail::read_records(in, files.positions, position_fields());
    if (records.empty()) throw book_error(files.positions + ": no positions");
    // A proxied symbol without a price in the proxies file starts at the entry price of its
    // first linear position.
    std::map<std::string, double> first_linear_price;
    for (const auto& r : records) {
        const auto* sym = r.get("symbol");
        if (sym && !r.get("type") && r.get("price") && !first_linear_price.contains(*sym)) {
            first_linear_price.emplace(*sym, detail::positive(r, "price"));
        }
    }
    // Underlyings: history columns, then proxied symbols in order of appearance.
    std::vector<loaded_book::proxy> proxies;
    auto underlying_of = [&](const detail::record& r, const std::string& field) -> std::size_t {
        const auto& sym = required(r, field);
        if (const auto it = column.find(sym); it != column.end()) return it->second;
        const auto p = proxy_of.find(sym);
        if (p == proxy_of.end()) {
            throw book_error(r.where + ": field '" + field + "': '" + detail::printable(sym) + "' has no column in " + files.history +
                             (files.proxies.empty() ? " and no proxy (--proxies)" : " and no proxy in " + files.proxies));
        }
        const std::size_t u = names.size();
        const auto linear = first_linear_price.find(sym);
        if (!p->second.price && linear == first_linear_price.end()) {
            throw book_error(r.where + ": field '" + field + "': '" + detail::printable(sym) + "' follows a proxy but has no price: give one in " +
                             files.proxies + " (no linear position holds it)");
        }
        names.push_back(sym);
        spots.push_back(p->second.price ? *p->second.price : linear->second);
        column.emplace(sym, u);
        proxies.push_back({u, p->second.proxy, p->second.beta});
        return u;
    };
    struct parsed {
        std::string node, symbol;
        std::size_t underlying;
        bool option;
        rtrisk::option_kind kind;
        double quantity, price, multiplier, strike, expiry, vol;
        const detail::record* r;
    };
    std::vector<parsed> rows_in;
    for (const auto& r : records) {
        parsed p{};
        p.r = &r;
        p.node = required(r, "node");
        p.symbol = required(r, "symbol");
        if (p.symbol.size() > 64) throw book_error(r.where + ": field 'symbol': longer than 64 bytes");
        for (const auto* f : {"node", "symbol"}) {
            if (!rtrisk_examples::valid_utf8(required(r, f))) throw book_error(r.where + ": field '" + f + "': '" + detail::printable(required(r, f)) + "' is not UTF-8");
        }
        p.quantity = detail::number(r, "quantity");
        if (!(std::abs(p.quantity) <= 1e12)) throw book_error(r.where + ": field 'quantity': " + required(r, "quantity") + " is outside [-1e12, 1e12]");
        p.price = detail::positive(r, "price");
        p.multiplier = r.get("multiplier") ? detail::positive(r, "multiplier", 1e6, "1e6") : 1.0;
        if (const auto* type = r.get("type")) {
            if (*type != "call" && *type != "put") throw book_error(r.where + ": field 'type': '" + detail::printable(*type) + "' is not call or put");
            p.option = true;
            p.kind = *type == "call" ? rtrisk::option_kind::call : rtrisk::option_kind::put;
            p.underlying = underlying_of(r, "underlying");
            p.strike = detail::positive(r, "strike");
            p.vol = detail::positive(r, "vol", 10, "10");
            const auto& e = required(r, "expiry");
            const auto date = detail::parse_iso_date(e);
            if (!date) throw book_error(r.where + ": field 'expiry': '" + detail::printable(e) + "' is not an ISO date (YYYY-MM-DD)");
            if (*date < market.asof) throw book_error(r.where + ": field 'expiry': " + e + " is before the valuation date");
            p.expiry = static_cast<double>((*date - market.asof).count()) / 365.0; // ACT/365F
        } else {
            for (const char* f : {"underlying", "strike", "expiry", "vol"}) {
                if (r.get(f)) throw book_error(r.where + ": field '" + std::string(f) + "' is given but 'type' is not (a linear position)");
            }
            p.underlying = underlying_of(r, "symbol");
        }
        rows_in.push_back(std::move(p));
    }
    for (const auto& [sym, d] : market.dividends) {
        if (!column.contains(sym)) throw book_error("--dividend " + detail::printable(sym) + ": no such underlying in the book or history");
    }
    std::vector<double> dividends(names.size(), 0.0);
    for (std::size_t u = 0; u < names.size(); ++u) {
        if (const auto it = market.dividends.find(names[u]); it != market.dividends.end()) dividends[u] = it->second;
    }
    // Scenarios: the last `scenarios` returns; a proxied symbol's are beta x its proxy's.
    rtrisk::scenario_matrix<double> R(T, static_cast<Eigen::Index>(names.size()));
    R.leftCols(static_cast<Eigen::Index>(out.history_columns)) = out.history_returns.bottomRows(T);
    for (const auto& p : proxies) {
        R.col(static_cast<Eigen::Index>(p.underlying)) = p.beta * out.history_returns.col(static_cast<Eigen::Index>(p.proxy)).tail(T);
        if (!(R.col(static_cast<Eigen::Index>(p.underlying)).minCoeff() > -1)) {
            throw book_error(proxy_of.at(names[p.underlying]).where + ": field 'beta': a scenario takes '" + names[p.underlying] + "' to a price of 0 or below");
        }
    }
    try {
        rtrisk::book_state st(names, spots, dividends, std::move(R), market.rate);
        for (std::size_t u = 0; u < names.size(); ++u) st.add_contract({names[u], u, false, rtrisk::option_kind::call, 0, 0, 0});
        for (const auto& p : rows_in) {
            std::size_t node = rtrisk::book_state::npos;
            if (!holds || holds(p.node)) try {
                node = st.add_node(p.node);
            } catch (const std::exception& e) {
                throw book_error(p.r->where + ": field 'node': " + e.what());
            }
            std::size_t c = st.find_contract(p.symbol);
            if (p.option) {
                if (c != rtrisk::book_state::npos && !st.contracts()[c].is_option) {
                    throw book_error(p.r->where + ": field 'symbol': '" + detail::printable(p.symbol) + "' is an underlying, not an option");
                }
                if (c == rtrisk::book_state::npos) {
                    try {
                        c = st.add_contract({p.symbol, p.underlying, true, p.kind, p.strike, p.expiry, p.vol});
                    } catch (const std::exception& e) {
                        throw book_error(p.r->where + ": " + e.what());
                    }
                } else {
                    const auto& k = st.contracts()[c];
                    if (k.underlying != p.underlying || k.kind != p.kind || k.strike != p.strike || k.expiry != p.expiry || k.vol != p.vol) {
                        throw book_error(p.r->where + ": field 'symbol': option '" + detail::printable(p.symbol) +
                                         "' appears with other terms (type, underlying, strike, expiry or vol) on an earlier line");
                    }
                }
            }
            if (out.multipliers.size() <= c) out.multipliers.resize(c + 1, 0.0);
            if (out.multipliers[c] == 0) out.multipliers[c] = p.multiplier;
            if (node == rtrisk::book_state::npos) continue; // another engine's node
            if (st.find_position(node, c) != rtrisk::book_state::npos) {
                throw book_error(p.r->where + ": field 'symbol': '" + detail::printable(p.symbol) + "' appears twice at node '" + detail::printable(p.node) + "'");
            }
            st.add_position(node, c, p.quantity, p.multiplier, p.price);
        }
        out.multipliers.resize(st.contracts().size(), 0.0);
        for (auto& m : out.multipliers) m = m == 0 ? 1.0 : m;
        // Factor labels belong to the instrument: every row of a symbol that gives one gives the same.
        for (const auto& f : factor_fields()) {
            if (std::none_of(records.begin(), records.end(), [&](const detail::record& r) { return r.fields.contains(f); })) continue;
            loaded_book::factor fac{f, std::vector<std::string>(st.contracts().size())};
            std::vector<const detail::record*> given(st.contracts().size(), nullptr);
            for (const auto& p : rows_in) {
                const auto* label = p.r->get(f);
                if (!label) continue;
                if (label->size() > 64 || !rtrisk_examples::valid_utf8(*label)) {
                    throw book_error(p.r->where + ": field '" + f + "': '" + detail::printable(*label) + "' is not UTF-8 text of at most 64 bytes");
                }
                const auto c = st.find_contract(p.symbol);
                if (given[c] && fac.label_of_contract[c] != *label) {
                    throw book_error(p.r->where + ": field '" + f + "': '" + detail::printable(*label) + "' differs from '" +
                                     detail::printable(fac.label_of_contract[c]) + "' given to '" + detail::printable(p.symbol) + "' at " +
                                     given[c]->where);
                }
                fac.label_of_contract[c] = *label;
                given[c] = p.r;
            }
            for (auto& l : fac.label_of_contract) {
                if (l.empty()) l = unlabelled;
            }
            out.factors.push_back(std::move(fac));
        }
        out.state = std::move(st);
    } catch (const book_error&) {
        throw;
    } catch (const std::exception& e) {
        throw book_error(files.positions + ": " + e.what());
    }
    out.proxies = std::move(proxies);
    return out;
}

} // namespace rtrisk_live
