#pragma once
// The streaming risk engine: one thread owns the book's state and applies ticks and trades in
// arrival order; snapshot() reads typed figures per node from it. The engine knows neither its
// sources nor its sinks: it takes ticks and hands out risk_snapshot values.
//
//   tick (spot) ──► book_state::set_spot: reprice the contracts on that underlying in the
//                   T scenarios, update the nodes above them        O(T x depth) + T repricings per option
//   trade       ──► book_state::apply_trade on (node, contract)     O(T x depth)
//   snapshot()  ──► per node: VaR 99 / ES 97.5 by selection, Euler components, top contributors;
//                   positions, Greeks, stress and spot x vol grid (full revaluation) when asked

#include <rtrisk/rtrisk.hpp>
#include <rtrisk/book_state.hpp>
#include <rtrisk/detail/bsm_prices_at_moves.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "../sources/simulator.hpp"
#include "../sources/source.hpp"
#include "../sources/tick_line.hpp"
#include "book_files.hpp"
#include "grid_axes.hpp"
#include "risk_snapshot.hpp"

namespace rtrisk_live {

/// The positions `held` of the book as one derivatives_book (holdings summed per contract), for
/// the core's stress, spot x vol grid and Greeks by underlying.
template <class Positions>
rtrisk::derivatives_book positions_book(const rtrisk::book_state& st, const Positions& held) {
    rtrisk::derivatives_book b(st.rate());
    for (std::size_t u = 0; u < st.underlyings().size(); ++u) b.add_underlying(st.underlyings()[u], st.spots()[u], st.dividends()[u]);
    std::vector<double> units(st.contracts().size(), 0.0);
    for (const std::size_t p : held) units[st.positions()[p].contract] += st.positions()[p].quantity * st.positions()[p].multiplier;
    for (std::size_t c = 0; c < st.contracts().size(); ++c) {
        if (units[c] == 0) continue;
        const auto& k = st.contracts()[c];
        if (k.is_option) b.add_option(k.underlying, k.kind, k.strike, k.expiry, k.vol, units[c], 1.0);
        else b.add_linear(k.underlying, units[c], 1.0);
    }
    return b;
}

/// The whole book as one derivatives_book.
inline rtrisk::derivatives_book whole_book(const rtrisk::book_state& st) {
    std::vector<std::size_t> all(st.positions().size());
    for (std::size_t p = 0; p < all.size(); ++p) all[p] = p;
    return positions_book(st, all);
}

/// Greeks by underlying (those with a non-zero figure unless `every`), standard stress P&L and
/// the spot x vol grid of `book`, by full revaluation.
inline void book_parts(const rtrisk::book_state& st, const rtrisk::derivatives_book& book, bool every, std::vector<underlying_greeks>& greeks,
                       std::vector<stress_result>& stress, spot_vol_grid& grid) {
    const auto by_u = book.greeks_by_underlying();
    for (std::size_t u = 0; u < by_u.size(); ++u) {
        const auto& g = by_u[u];
        if (every || g.delta != 0 || g.gamma != 0 || g.vega != 0 || g.theta != 0) {
            greeks.push_back({st.underlyings()[u], g.delta, g.dollar_delta, g.gamma, g.vega, g.theta});
        }
    }
    for (const auto& sc : rtrisk::standard_scenarios()) stress.push_back({sc.name, rtrisk::apply(sc, book).pnl});
    grid.spot = grid_spot_moves();
    grid.vol = grid_vol_shifts();
    const auto values = rtrisk::spot_vol_grid(book, grid.spot, grid.vol);
    for (std::size_t i = 0; i < grid.spot.size(); ++i) {
        grid.pnl.emplace_back();
        for (std::size_t j = 0; j < grid.vol.size(); ++j) grid.pnl.back().push_back(values(i, j));
    }
}

/// A trade that is not booked: `quantity` units of `symbol` at the node `node` (an existing node or
/// a new path under the book's root), at `price` per unit (default: the contract's unit value now).
struct what_if_trade {
    std::string node;
    std::string symbol;
    double quantity = 0;
    std::optional<double> price;
};

/// A node's figures before and after what-if trades (VaR 99 / ES 97.5 positive losses, the
/// limit measures' figures, and the P&L the trades add at their prices).
struct what_if_node {
    std::string path;
    std::size_t depth = 0;
    bool exists = true; ///< false: the trades would create it
    double var_99_before = 0, var_99_after = 0, es_975_before = 0, es_975_after = 0;
    double gross_exposure_before = 0, gross_exposure_after = 0, net_delta_before = 0, net_delta_after = 0;
    double vega_before = 0, vega_after = 0, pnl_before = 0, pnl_after = 0;
};

class engine {
public:
    static constexpr std::size_t top_contributors = 5;
    /// Every node's vector is rebuilt from the positions (book_state::recompute, ~26 us on the
    /// demo book at T = 500) after this many ticks and trades, so rounding drift stays bounded
    /// however long the server runs.
    static constexpr std::uint64_t recompute_every = 1u << 20;
    /// A position's size after a trade is bounded so that every figure of the book stays
    /// finite: |quantity| <= 1e12 and |value| <= 1e15 (currency).
    static constexpr double max_position_quantity = 1e12;
    static constexpr double max_position_exposure = 1e15;

    explicit engine(loaded_book book) : m_book(std::move(book)) {
        const auto& st = m_book.state;
        for (std::size_t c = 0; c < st.contracts().size(); ++c) m_index.emplace(st.contracts()[c].symbol, static_cast<std::uint32_t>(c));
        m_book.state.mark_explain_start(); // the loaded book is the start of the day
    }

    static constexpr std::int64_t us_per_day = 86'400'000'000;
    /// P&L explain runs from the start of the day: the engine's start, then the first tick of
    /// each later UTC day of event time (the state before that tick is the new day's start).
    void start_day_at(std::int64_t event_time_us) {
        if (event_time_us <= 0) return;
        const std::int64_t day = event_time_us / us_per_day;
        if (m_explain_day < 0) {
            m_explain_day = day;
        } else if (day > m_explain_day) {
            m_book.state.mark_explain_start();
            m_explain_day = day;
            m_explain_since_us = day * us_per_day;
        }
    }
    /// When the explain period began (event time, µs; 0: the engine's start).
    std::int64_t explain_since_us() const { return m_explain_since_us; }

    /// A simulator over the book's underlyings at `rate` ticks per second and `days_per_second`
    /// simulated trading days per second of wall time.
    std::unique_ptr<simulator> make_simulator(double rate, double days_per_second, std::uint64_t seed) const {
        const auto& st = m_book.state;
        const std::size_t n = st.underlyings().size();
        const double steps_per_second = rate > 0 ? rate / static_cast<double>(n) : 1000.0;
        const double h = std::min(1.0, days_per_second / steps_per_second);
        std::vector<simulator::follower> f;
        for (const auto& p : m_book.proxies) f.push_back({static_cast<std::uint32_t>(p.underlying), p.proxy, p.beta});
        return std::make_unique<simulator>(std::vector<double>(st.spots().begin(), st.spots().end()), m_book.history_returns, std::move(f),
                                           rate, h, seed);
    }
    /// Contract symbol -> index, the `instrument` of a tick (underlyings first: index u is the
    /// linear contract on underlying u).
    const std::unordered_map<std::string, std::uint32_t>& symbol_index() const { return m_index; }

    /// Applies one tick or trade. A price tick names an underlying; a trade (quantity != 0) names
    /// a contract and a node (or none when exactly one node holds the contract) and opens a
    /// position there if the node does not hold it. A linear trade's price is also the new spot.
    /// Throws std::invalid_argument, the state unchanged, for anything else.
    void apply(const tick& t) {
        auto& st = m_book.state;
        const auto& k = checked_contract(t);
        const auto c = static_cast<std::size_t>(t.instrument);
        if (t.quantity == 0) {
            start_day_at(t.event_time_us); // checked: the tick is applied
            st.set_spot(k.underlying, t.price);
        } else {
            std::size_t node = rtrisk::book_state::npos, p = rtrisk::book_state::npos;
            const auto held = st.positions_of(c);
            if (!t.node.empty()) {
                detail::check_node(t.node);
                node = st.find_node(t.node);
                if (node != rtrisk::book_state::npos) p = st.find_position(node, c);
            } else {
                if (held.size() != 1) {
                    throw std::invalid_argument("a trade on '" + k.symbol + "' needs a node: " + std::to_string(held.size()) + " nodes hold it");
                }
                p = held[0];
            }
            const double multiplier = p != rtrisk::book_state::npos ? st.positions()[p].multiplier : m_book.multipliers.at(c);
            const double quantity = (p != rtrisk::book_state::npos ? st.positions()[p].quantity : 0.0) + t.quantity;
            const double unit = k.is_option ? st.unit_greeks(c).price : t.price;
            const double value = quantity * unit * multiplier;
            if (!(std::abs(quantity) <= max_position_quantity && std::abs(value) <= max_position_exposure)) {
                throw std::invalid_argument(k.symbol + ": position would reach quantity " + detail::num(quantity) + ", value " + detail::num(value) +
                                            " (bounds 1e12 and 1e15)");
            }
            if (p == rtrisk::book_state::npos) {
                if (node == rtrisk::book_state::npos) {
                    try {
                        node = st.add_node(t.node);
                    } catch (const std::exception& e) {
                        throw std::invalid_argument(std::string("node: ") + e.what());
                    }
                }
                p = st.add_position(node, c, 0.0, multiplier, 0.0);
            }
            start_day_at(t.event_time_us); // checked: the trade is applied (a position it opens starts the day at 0)
            if (!k.is_option && t.sets_spot) st.set_spot(k.underlying, t.price);
            st.apply_trade(p, t.quantity, t.price);
        }
        m_last_event_us = std::max(m_last_event_us, t.event_time_us);
        if (++m_ticks % recompute_every == 0) st.recompute();
    }

    /// Applies a batch in order with the result of apply() on each tick (up to rounding), in
    /// O(T x contracts) per underlying that moved rather than per price tick: the state is a
    /// function of the spots and the positions, so of a run of price ticks between two trades
    /// only the last price of each underlying is repriced; every tick is still checked and
    /// counted. A refused tick goes to on_reject(tick, exception) and leaves the state as it was.
    /// An exception from on_reject ends the batch: what was applied before stands, the run of
    /// price ticks in which it is thrown is not applied.
    template <class OnReject>
    void apply_batch(std::span<const tick> batch, OnReject&& on_reject) {
        std::size_t i = 0;
        while (i < batch.size()) {
            std::size_t j = i;
            const std::int64_t day = batch[i].event_time_us / us_per_day; // a run of prices ends at a new day (P&L explain)
            while (j < batch.size() && batch[j].quantity == 0 && batch[j].event_time_us / us_per_day == day) ++j;
            apply_prices(batch.subspan(i, j - i), on_reject);
            if (j < batch.size()) {
                try {
                    apply(batch[j]);
                } catch (const std::exception& e) {
                    on_reject(batch[j], e);
                }
                ++j;
            }
            i = j;
        }
    }
    static constexpr std::size_t max_what_if_trades = 1000;

    /// The risk of every node the trades touch (their nodes and the ancestors, deepest first),
    /// before and after, from the live state without changing it: each trade adds q m times its
    /// contract's unit scenario P&L to the nodes above it (incremental VaR), O(T x depth) per
    /// trade and O(T) per node touched. Throws std::invalid_argument naming trades[i] and the field.
    std::vector<what_if_node> what_if(std::span<const what_if_trade> trades) const {
        using rtrisk::book_state;
        const auto& st = m_book.state;
        if (trades.size() > max_what_if_trades) throw std::invalid_argument("trades: more than " + std::to_string(max_what_if_trades) + " trades");
        if (st.nodes().empty()) throw std::invalid_argument("the book has no nodes");
        const std::string& root = st.nodes()[0].path;
        struct node_change {
            std::string path;
            std::size_t node = book_state::npos, depth = 0;
            book_state::vector_type pnl; ///< scenario P&L the trades add
            double net_delta = 0, gross = 0, vega = 0, trade_pnl = 0;
        };
        std::vector<node_change> touched;
        std::unordered_map<std::string, std::size_t> at; // path -> index in touched
        const auto chain = [&](const std::string& path) { // the node and its ancestors, deepest first
            std::vector<std::size_t> out;
            for (std::string p = path;;) {
                auto [it, fresh] = at.emplace(p, touched.size());
                if (fresh) {
                    node_change c;
                    c.path = p;
                    c.node = st.find_node(p);
                    c.depth = static_cast<std::size_t>(std::count(p.begin(), p.end(), '/'));
                    c.pnl = book_state::vector_type::Zero(static_cast<Eigen::Index>(st.scenario_count()));
                    touched.push_back(std::move(c));
                }
                out.push_back(it->second);
                const auto slash = p.rfind('/');
                if (slash == std::string::npos) break;
                p.resize(slash);
            }
            return out;
        };
        // quantities summed per (node, contract): gross exposure is |delta| per position
        std::map<std::pair<std::string, std::size_t>, double> per_position;
        for (std::size_t i = 0; i < trades.size(); ++i) {
            const auto& t = trades[i];
            const std::string at_i = "trades[" + std::to_string(i) + "]";
            try {
                detail::check_node(t.node);
            } catch (const std::exception& e) {
                throw std::invalid_argument(at_i + ".node: " + e.what());
            }
            if (t.node.empty() || t.node.front() == '/' || t.node.back() == '/' || t.node.find("//") != std::string::npos) {
                throw std::invalid_argument(at_i + ".node: '" + detail::excerpt(t.node) + "' is not a node path");
            }
            if (t.node.substr(0, t.node.find('/')) != root) {
                throw std::invalid_argument(at_i + ".node: '" + detail::excerpt(t.node) + "' is not under the book's root '" + root + "'");
            }
            const auto s = m_index.find(t.symbol);
            if (s == m_index.end()) throw std::invalid_argument(at_i + ".symbol: unknown symbol '" + detail::excerpt(t.symbol) + "'");
            if (!(std::isfinite(t.quantity) && t.quantity != 0 && std::abs(t.quantity) <= max_tick_quantity)) {
                throw std::invalid_argument(at_i + ".quantity: " + detail::num(t.quantity) + " is not a non-zero number in [-1e9, 1e9]");
            }
            if (t.price && !(std::isfinite(*t.price) && *t.price > 0 && *t.price <= max_tick_price)) {
                throw std::invalid_argument(at_i + ".price: " + detail::num(*t.price) + " is outside (0, 1e9]");
            }
            per_position[{t.node, s->second}] += t.quantity;
        }
        for (std::size_t i = 0; i < trades.size(); ++i) { // the P&L at the trade's price, against the unit value now
            const auto& t = trades[i];
            const auto c = m_index.at(t.symbol);
            const auto n = st.find_node(t.node);
            const auto p = n == book_state::npos ? book_state::npos : st.find_position(n, c);
            const double m = p != book_state::npos ? st.positions()[p].multiplier : m_book.multipliers.at(c);
            const double unit = st.unit_greeks(c).price;
            const double pnl = t.quantity * m * (unit - t.price.value_or(unit));
            for (const auto k : chain(t.node)) touched[k].trade_pnl += pnl;
        }
        for (const auto& [key, quantity] : per_position) {
            const auto& [path, c] = key;
            const auto n = st.find_node(path);
            const auto p = n == book_state::npos ? book_state::npos : st.find_position(n, c);
            const double m = p != book_state::npos ? st.positions()[p].multiplier : m_book.multipliers.at(c);
            const double q0 = p != book_state::npos ? st.positions()[p].quantity : 0.0;
            if (quantity == 0) continue;
            const auto& k = st.contracts()[c];
            const auto& g = st.unit_greeks(c);
            const double s = st.spots()[k.underlying];
            const double q1 = q0 + quantity;
            const double value = q1 * g.price * m;
            if (!(std::abs(q1) <= max_position_quantity && std::abs(value) <= max_position_exposure)) {
                throw std::invalid_argument(k.symbol + " at " + detail::excerpt(path) + ": position would reach quantity " + detail::num(q1) + ", value " +
                                            detail::num(value) + " (bounds 1e12 and 1e15)");
            }
            const auto unit = st.unit_pnl(c);
            const double units = quantity * m;
            const double gross_change = std::abs(q1 * m * g.delta * s) - std::abs(q0 * m * g.delta * s);
            for (const auto j : chain(path)) {
                auto& ch = touched[j];
                ch.pnl.noalias() += units * unit;
                ch.net_delta += units * g.delta * s;
                ch.gross += gross_change;
                ch.vega += units * g.vega;
            }
        }
        // figures before: the subtree totals of the nodes that exist
        const auto totals = st.node_totals();
        std::vector<double> scratch(st.scenario_count());
        book_state::vector_type after;
        std::vector<what_if_node> out;
        for (const auto& ch : touched) {
            what_if_node r;
            r.path = ch.path;
            r.depth = ch.depth;
            r.exists = ch.node != book_state::npos;
            if (r.exists) {
                const auto b = st.tail(ch.node, 0.99, 0.975);
                r.var_99_before = b.var;
                r.es_975_before = b.es;
                const auto& t = totals[ch.node];
                r.gross_exposure_before = t.gross_exposure;
                r.net_delta_before = t.net_delta;
                r.vega_before = t.vega;
                r.pnl_before = t.pnl;
                const auto v = st.pnl(ch.node);
                after = Eigen::Map<const book_state::vector_type>(v.data(), static_cast<Eigen::Index>(v.size())) + ch.pnl;
            } else {
                after = ch.pnl;
            }
            const auto a = rtrisk::historical_tail(std::span<const double>(after.data(), static_cast<std::size_t>(after.size())), 0.99, 0.975,
                                                   std::span<double>(scratch));
            r.var_99_after = a.var;
            r.es_975_after = a.es;
            r.gross_exposure_after = r.gross_exposure_before + ch.gross;
            r.net_delta_after = r.net_delta_before + ch.net_delta;
            r.vega_after = r.vega_before + ch.vega;
            r.pnl_after = r.pnl_before + ch.trade_pnl;
            out.push_back(std::move(r));
        }
        std::stable_sort(out.begin(), out.end(), [](const what_if_node& a, const what_if_node& b) {
            return a.depth != b.depth ? a.depth > b.depth : a.path < b.path;
        });
        return out;
    }

    static constexpr std::size_t histogram_bins = 40;
    /// Positions in a node detail's P&L explain: the largest |P&L change| first.
    static constexpr std::size_t explain_movers = 50;

    /// The detail of the node at `path` (GET /api/node); throws std::invalid_argument for an
    /// unknown node. O(positions below it x (grid + stress) + T log T).
    node_detail detail_of(const std::string& path) const {
        using rtrisk::book_state;
        const auto& st = m_book.state;
        const auto n = st.find_node(path);
        if (n == book_state::npos) throw std::invalid_argument("node: no node '" + detail::excerpt(path) + "' in the book");
        node_detail d;
        d.path = path;
        d.scenarios = st.scenario_count();
        const auto tail = st.tail(n, 0.99, 0.975);
        d.var_99 = tail.var;
        d.es_975 = tail.es;
        const auto held = positions_under(n);
        book_parts(st, positions_book(st, held), false, d.greeks, d.stress, d.grid);
        for (const auto p : held) {
            const auto& pos = st.positions()[p];
            const auto& k = st.contracts()[pos.contract];
            if (!k.is_option || pos.quantity == 0) continue;
            const auto& g = st.unit_greeks(pos.contract);
            const double units = pos.quantity * pos.multiplier, s = st.spots()[k.underlying];
            d.options.push_back({st.nodes()[pos.node].path, k.symbol, st.underlyings()[k.underlying], rtrisk::to_string(k.kind), k.strike, k.expiry, k.vol,
                                 pos.quantity, g.price, units * g.price, units * g.delta, units * g.delta * s, units * g.gamma, units * g.vega,
                                 units * g.theta});
        }
        const auto pnl = st.pnl(n);
        const auto [lo, hi] = std::minmax_element(pnl.begin(), pnl.end());
        const double width = *hi > *lo ? (*hi - *lo) / histogram_bins : 1.0;
        d.bin_counts.assign(histogram_bins, 0);
        for (std::size_t b = 0; b <= histogram_bins; ++b) d.bin_edges.push_back(*lo + width * static_cast<double>(b));
        for (const double v : pnl) ++d.bin_counts[std::min(histogram_bins - 1, static_cast<std::size_t>((v - *lo) / width))];
        std::vector<std::size_t> order(pnl.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        // the scenarios at or beyond the VaR quantile (linear interpolation between the two at it)
        const auto q = st.var_scenarios(n, 0.99);
        const auto rank = rtrisk::detail::quantile_position(order.size(), 1.0 - 0.99, rtrisk::quantile_method::linear);
        const std::size_t count = std::min(order.size(), rank.hi + 1);
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                          [&](std::size_t a, std::size_t b) { return pnl[a] < pnl[b] || (pnl[a] == pnl[b] && a < b); });
        for (std::size_t i = 0; i < count; ++i) {
            const auto k = order[i];
            d.tail.push_back({k, k < m_book.scenario_labels.size() ? m_book.scenario_labels[k] : std::to_string(k), pnl[k]});
        }
        for (const auto& [p, v] : st.top_contributors(n, q, 10)) {
            const auto& pos = st.positions()[p];
            d.top_contributors.push_back({st.nodes()[pos.node].path, st.contracts()[pos.contract].symbol, v});
        }
        // P&L explain: the positions whose P&L moved most since the start of the day
        for (const auto p : held) d.explain.push_back({st.nodes()[st.positions()[p].node].path, st.contracts()[st.positions()[p].contract].symbol, st.explain_position(p)});
        const std::size_t movers = std::min(d.explain.size(), explain_movers);
        std::partial_sort(d.explain.begin(), d.explain.begin() + static_cast<std::ptrdiff_t>(movers), d.explain.end(),
                          [](const position_explain& a, const position_explain& b) { return std::abs(a.explain.actual) > std::abs(b.explain.actual); });
        d.explain.resize(movers);
        d.explain_since_us = m_explain_since_us;
        return d;
    }

    static constexpr std::size_t backtest_days = 250;

    /// A backtest of the node at `path` over the last `days` days of the price history (fewer when
    /// the history is shorter than days + the scenario count): the node's positions now, revalued
    /// on each day's returns (options fully, at today's spot, vol and expiry, as in the scenarios),
    /// against their historical VaR 99 over the scenario-count days before it; Kupiec's and
    /// Christoffersen's tests and the Basel traffic light on the exceptions (backtest.hpp).
    /// Throws std::invalid_argument for an unknown node or a history too short.
    node_backtest backtest_of(const std::string& path, std::size_t days = backtest_days) const {
        using rtrisk::book_state;
        const auto& st = m_book.state;
        const auto n = st.find_node(path);
        if (n == book_state::npos) throw std::invalid_argument("node: no node '" + detail::excerpt(path) + "' in the book");
        const std::size_t T = st.scenario_count();
        const auto N = static_cast<std::size_t>(m_book.history_returns.rows());
        if (N < T + 1) throw std::invalid_argument("the price history holds no day beyond the scenario window");
        days = std::min(days, N - T);
        const std::size_t r0 = N - days - T; // first history row of the backtest
        const auto pnl = hypothetical_pnl(n); // every history row: the stressed VaR reads them all
        node_backtest b;
        b.path = path;
        b.window = T;
        std::vector<double> scratch(T);
        std::vector<std::uint8_t> hits;
        for (std::size_t d = 0; d < days; ++d) {
            const double var = rtrisk::historical_tail(std::span<const double>(pnl.data() + r0 + d, T), 0.99, 0.975, std::span<double>(scratch)).var;
            const double today = pnl[r0 + d + T];
            const bool hit = today < -var;
            b.days.push_back({m_book.return_labels.at(r0 + T + d), today, var, hit});
            hits.push_back(hit ? 1 : 0);
            b.exceptions += hit;
        }
        b.kupiec_p = rtrisk::kupiec(b.exceptions, days, 0.99).p_value;
        b.christoffersen_independence_p = rtrisk::christoffersen_independence(hits).p_value;
        b.christoffersen_conditional_p = rtrisk::christoffersen_conditional_coverage(hits, 0.99).p_value;
        b.traffic_light = rtrisk::to_string(rtrisk::traffic_light(b.exceptions, days, 0.99));
        if (N >= stressed_window) { // stressed VaR (Basel 2.5): the worst window of the whole history
            const auto sv = rtrisk::stressed_var(std::span<const double>(pnl), 0.99, stressed_window);
            b.stressed = node_backtest::stressed_part{sv.var, stressed_window, m_book.return_labels.at(sv.first), m_book.return_labels.at(sv.last)};
        }
        return b;
    }
    /// Days in the stressed VaR's window (BCBS: a 12-month period of stress).
    static constexpr std::size_t stressed_window = 250;

    std::uint64_t ticks() const { return m_ticks; }
    std::int64_t last_event_us() const { return m_last_event_us; }
    const rtrisk::book_state& state() const { return m_book.state; }
    const loaded_book& book() const { return m_book; }
    rtrisk::book_state& state() { return m_book.state; }

    /// The current risk, exact (no rounding): every node's figures, and the parts asked for.
    risk_snapshot snapshot(snapshot_parts parts = {}) const {
        const auto& st = m_book.state;
        risk_snapshot s;
        s.ticks_total = m_ticks;
        s.event_time_us = m_last_event_us;
        s.scenarios = st.scenario_count();
        const auto totals = st.node_totals();
        const auto nodes = st.nodes();
        s.nodes.resize(nodes.size());
        for (std::size_t n = 0; n < nodes.size(); ++n) {
            auto& r = s.nodes[n];
            r.path = nodes[n].path;
            r.parent = nodes[n].parent == rtrisk::book_state::npos ? std::string() : nodes[nodes[n].parent].path;
            r.depth = nodes[n].depth;
            set_totals(r, totals[n]);
            const auto tail = st.tail(n, 0.99, 0.975);
            r.var_99 = tail.var;
            r.es_975 = tail.es;
            if (nodes[n].parent == rtrisk::book_state::npos) r.component_var = tail.var;
            const auto q = st.var_scenarios(n, 0.99); // one selection for the components and the top contributors
            const auto comp = st.component_var(n, q);
            for (std::size_t i = 0; i < nodes[n].children.size(); ++i) s.nodes[nodes[n].children[i]].component_var = comp.children[i];
            for (const auto& [p, v] : st.top_contributors(n, q, top_contributors)) {
                const auto& pos = st.positions()[p];
                r.top_contributors.push_back({nodes[pos.node].path, st.contracts()[pos.contract].symbol, v});
            }
        }
        for (std::size_t p = 0; p < st.positions().size(); ++p) {
            for (std::size_t n = st.positions()[p].node; n != rtrisk::book_state::npos; n = nodes[n].parent) ++s.nodes[n].positions_count;
            const auto& pos = st.positions()[p];
            if (!st.contracts()[pos.contract].is_option) s.net_exposure += pos.quantity * pos.multiplier * st.spots()[st.contracts()[pos.contract].underlying];
        }
        if (parts.positions) {
            std::vector<double> comp(st.positions().size(), 0.0);
            if (!nodes.empty()) for (const auto& [p, v] : st.top_contributors(0, 0.99, st.positions().size())) comp[p] = v;
            auto& rows = s.positions.emplace();
            for (std::size_t p = 0; p < st.positions().size(); ++p) rows.push_back(position_row(p, comp[p]));
            book_parts(st, whole_book(st), true, s.greeks.emplace(), s.stress.emplace(), s.grid.emplace());
            s.explain = st.explain_nodes();
            s.explain_since_us = m_explain_since_us;
            s.factors = nodes.empty() ? std::vector<factor_group>{} : factor_groups();
        }
        if (parts.own_vectors) {
            auto& own = s.own_vectors.emplace();
            rtrisk::book_state::vector_type v;
            for (std::size_t n = 0; n < nodes.size(); ++n) {
                if (nodes[n].positions.empty()) continue;
                own_vector o;
                o.path = nodes[n].path;
                o.scenario_pnl.assign(st.scenario_count(), 0.0);
                for (const std::size_t p : nodes[n].positions) {
                    o.totals += st.position_totals(p);
                    o.explain += st.explain_position(p);
                    ++o.positions_count;
                    const auto& pos = st.positions()[p];
                    const auto& k = st.contracts()[pos.contract];
                    if (!k.is_option) o.linear_exposure += pos.quantity * pos.multiplier * st.spots()[k.underlying];
                    st.position_pnl(p, v);
                    for (std::size_t i = 0; i < o.scenario_pnl.size(); ++i) o.scenario_pnl[i] += v(static_cast<Eigen::Index>(i));
                    if (parts.positions) {
                        auto& d = o.detail ? *o.detail : o.detail.emplace();
                        d.positions.push_back(position_row(p, 0.0));
                        d.position_pnl.emplace_back(v.data(), v.data() + v.size());
                    }
                }
                if (parts.positions) {
                    auto& d = *o.detail;
                    book_parts(st, positions_book(st, nodes[n].positions), false, d.greeks, d.stress, d.grid);
                }
                own.push_back(std::move(o));
            }
        }
        if (parts.var_methods && !nodes.empty()) {
            const auto pnl = st.pnl(0);
            s.var_methods = var_methods_of(pnl, s.nodes[0].var_99);
        }
        return s;
    }

private:
    /// Risk by each factor column of the book (loaded_book::factors): per label, the contracts'
    /// units summed, their scenario P&L, its tail and its Euler component in the root's VaR 99.
    /// O(factors x (contracts x T + positions)).
    std::vector<factor_group> factor_groups() const {
        const auto& st = m_book.state;
        const auto T = static_cast<Eigen::Index>(st.scenario_count());
        std::vector<double> units(st.contracts().size(), 0.0);
        std::vector<std::size_t> count(st.contracts().size(), 0);
        std::vector<rtrisk::basic_node_totals<double>> totals(st.contracts().size());
        for (std::size_t p = 0; p < st.positions().size(); ++p) {
            const auto& pos = st.positions()[p];
            units[pos.contract] += pos.quantity * pos.multiplier;
            ++count[pos.contract];
            totals[pos.contract] += st.position_totals(p);
        }
        const auto q = st.var_scenarios(0, 0.99);
        std::vector<factor_group> out;
        std::vector<double> scratch(st.scenario_count());
        for (const auto& f : m_book.factors) {
            std::vector<std::size_t> group_of(st.contracts().size());
            std::unordered_map<std::string, std::size_t> index;
            std::vector<rtrisk::book_state::vector_type> pnl;
            const std::size_t first = out.size();
            for (std::size_t c = 0; c < st.contracts().size(); ++c) {
                if (count[c] == 0) continue;
                const auto& label = c < f.label_of_contract.size() ? f.label_of_contract[c] : unlabelled;
                const auto [it, added] = index.emplace(label, out.size() - first);
                if (added) {
                    out.push_back({f.name, label});
                    pnl.push_back(rtrisk::book_state::vector_type::Zero(T));
                }
                auto& g = out[first + it->second];
                g.positions_count += count[c];
                g.net_delta += totals[c].net_delta;
                g.gross_exposure += totals[c].gross_exposure;
                if (units[c] != 0) pnl[it->second].noalias() += units[c] * st.unit_pnl(c);
            }
            for (std::size_t k = 0; k < pnl.size(); ++k) {
                const std::span<const double> v(pnl[k].data(), static_cast<std::size_t>(T));
                const auto tail = rtrisk::historical_tail(v, 0.99, 0.975, std::span<double>(scratch));
                auto& g = out[first + k];
                g.var_99 = tail.var;
                g.es_975 = tail.es;
                g.component_var = -rtrisk::pnl_at(v, q);
            }
        }
        return out;
    }

    /// Node n's current positions revalued on every day of the price history (hypothetical P&L,
    /// one value per history return row): linear exposure x r, options fully at S (1 + r) with
    /// today's vol and expiry; a proxied underlying moves beta x its proxy. Each underlying's
    /// returns are gathered once.
    std::vector<double> hypothetical_pnl(std::size_t n) const {
        const auto& st = m_book.state;
        const auto N = static_cast<std::size_t>(m_book.history_returns.rows());
        std::vector<std::pair<std::size_t, double>> column(st.underlyings().size());
        for (std::size_t u = 0; u < column.size(); ++u) column[u] = {u, 1.0};
        for (const auto& p : m_book.proxies) column[p.underlying] = {p.proxy, p.beta};
        std::vector<double> units(st.contracts().size(), 0.0);
        for (const auto p : positions_under(n)) units[st.positions()[p].contract] += st.positions()[p].quantity * st.positions()[p].multiplier;
        std::vector<double> exposure(st.underlyings().size(), 0.0);
        std::vector<std::vector<double>> returns(st.underlyings().size());
        const auto returns_of = [&](std::size_t u) -> const std::vector<double>& {
            auto& r = returns[u];
            if (r.empty()) {
                const auto [col, beta] = column[u];
                r.resize(N);
                for (std::size_t i = 0; i < N; ++i) r[i] = beta * m_book.history_returns(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(col));
            }
            return r;
        };
        std::vector<double> pnl(N, 0.0), value(N);
        for (std::size_t c = 0; c < units.size(); ++c) {
            if (units[c] == 0) continue;
            const auto& k = st.contracts()[c];
            const double s = st.spots()[k.underlying];
            if (!k.is_option) {
                exposure[k.underlying] += units[c] * s;
                continue;
            }
            const auto& r = returns_of(k.underlying);
            rtrisk::detail::bsm_prices_at_moves(k.kind, s, k.strike, k.expiry, st.rate(), st.dividends()[k.underlying], k.vol, r.data(), r.size(),
                                                value.data(), st.unit_greeks(c).price);
            for (std::size_t i = 0; i < N; ++i) pnl[i] += units[c] * value[i];
        }
        for (std::size_t u = 0; u < exposure.size(); ++u) {
            if (exposure[u] == 0) continue;
            const auto& r = returns_of(u);
            for (std::size_t i = 0; i < N; ++i) pnl[i] += exposure[u] * r[i];
        }
        return pnl;
    }

    /// The positions of node n's subtree, in position order.
    std::vector<std::size_t> positions_under(std::size_t n) const {
        const auto& st = m_book.state;
        std::vector<std::size_t> held;
        for (std::vector<std::size_t> stack{n}; !stack.empty();) {
            const auto k = stack.back();
            stack.pop_back();
            held.insert(held.end(), st.nodes()[k].positions.begin(), st.nodes()[k].positions.end());
            stack.insert(stack.end(), st.nodes()[k].children.begin(), st.nodes()[k].children.end());
        }
        std::sort(held.begin(), held.end());
        return held;
    }

    position_risk position_row(std::size_t p, double component_var) const {
        const auto& st = m_book.state;
        const auto& pos = st.positions()[p];
        const auto& k = st.contracts()[pos.contract];
        const auto t = st.position_totals(p);
        return {st.nodes()[pos.node].path, k.symbol, k.is_option ? rtrisk::to_string(k.kind) : "linear", pos.quantity,
                st.unit_greeks(pos.contract).price, t.market_value, t.pnl, t.net_delta, component_var};
    }

    /// The tick's contract, after the checks every tick passes (a price tick: not an option).
    const rtrisk::book_state::contract& checked_contract(const tick& t) const {
        const auto& st = m_book.state;
        if (t.instrument >= st.contracts().size()) throw std::invalid_argument("unknown instrument " + std::to_string(t.instrument));
        detail::check_bounds(t.price, t.quantity);
        const auto& k = st.contracts()[t.instrument];
        if (t.quantity == 0 && k.is_option) {
            throw std::invalid_argument("'" + k.symbol + "' is an option: its price comes from its underlying, not a tick");
        }
        return k;
    }
    /// Price ticks only: each checked and counted, then each moved underlying set once to its last price.
    template <class OnReject>
    void apply_prices(std::span<const tick> prices, OnReject& on_reject) {
        if (prices.empty()) return;
        auto& st = m_book.state;
        m_last_price.resize(st.underlyings().size(), nullptr);
        struct scratch_reset { // the scratch points into `prices`: empty again however this ends (on_reject may throw)
            engine& e;
            ~scratch_reset() {
                for (const auto u : e.m_moved) e.m_last_price[u] = nullptr;
                e.m_moved.clear();
            }
        } reset{*this};
        std::uint64_t counted = 0;
        std::int64_t newest = m_last_event_us;
        for (const auto& t : prices) {
            try {
                const auto u = checked_contract(t).underlying;
                if (!m_last_price[u]) m_moved.push_back(u);
                m_last_price[u] = &t;
            } catch (const std::exception& e) {
                on_reject(t, e); // if it throws, none of this run is applied
                continue;
            }
            newest = std::max(newest, t.event_time_us);
            ++counted;
        }
        if (counted > 0) start_day_at(prices.front().event_time_us); // a run lies within one day: its start, if any tick of it is applied
        for (const auto u : m_moved) st.set_spot(u, m_last_price[u]->price); // checked above: cannot throw
        m_last_event_us = newest;
        const auto before = m_ticks;
        m_ticks += counted;
        if (before / recompute_every != m_ticks / recompute_every) st.recompute();
    }

    loaded_book m_book;
    std::vector<const tick*> m_last_price; ///< apply_prices' scratch, by underlying
    std::vector<std::size_t> m_moved;      ///< apply_prices' scratch
    std::unordered_map<std::string, std::uint32_t> m_index;
    std::uint64_t m_ticks = 0;
    std::int64_t m_last_event_us = 0;
    std::int64_t m_explain_day = -1;      ///< UTC day (event time) of the explain period; -1 before the first tick
    std::int64_t m_explain_since_us = 0;  ///< 0: the engine's start
};

} // namespace rtrisk_live
