#pragma once
/// @file book_state.hpp
/// The risk of a book organised as a hierarchy (firm / desk / book / trader), kept up to date
/// incrementally: every node holds its own scenario P&L vector (T values, the sum of its
/// children's and of its own positions'), so a price move on one underlying touches only the
/// nodes above the positions on that underlying, and VaR/ES per node are one selection each.
///
///     spot move on u ──► each contract c on u: unit scenario P&L  d_c = v_c(S') - v_c(S)   O(T)
///                        (linear: S R(:,u); option: BSM at S(1 + R(k,u)) minus BSM at S, T repricings)
///                   ──► each node n above a position on c:  V_n += (sum of q m below n) d_c     O(T x depth)
///     tail(n, 0.99, 0.975) ──► VaR/ES of V_n by selection                                   O(T)
///
/// Conventions: scenarios are simple returns of the underlyings (T x U, returns.hpp), applied as
/// relative spot moves S (1 + r); in a scenario only spots move: the valuation date (expiries
/// are in years from it), the rate, dividend yields and vols are held, as in
/// full_revaluation_pnl (stress.hpp). A position's scenario P&L is q m (v(S (1 + r)) - v(S)) with
/// v the unit value (S for a linear contract, the BSM price for an option). VaR/ES are positive
/// losses in currency, one period, historical method with the linear quantile (quantile.hpp), or
/// a scenario-weighting method (weighted_tail; the scenario rows are days, oldest first).
/// Trades use average-cost accounting (basic_portfolio::apply_trade). Floating-point drift: an
/// update adds one rounding error per scenario; `recompute()` rebuilds every vector exactly.
/// Single-threaded by design: one owner updates and queries.

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decomposition.hpp"
#include "detail/check.hpp"
#include "detail/bsm_prices_at_moves.hpp"
#include "greeks.hpp"
#include "pnl_explain.hpp"
#include "quantile.hpp"
#include "returns.hpp"
#include "scenario_weighting.hpp"

namespace rtrisk {

/// What a position holds: a linear instrument on an underlying (shares, futures: unit value S)
/// or a European option on it (unit value the BSM price; expiry in years, vol per 1.00).
template <std::floating_point Real>
struct basic_contract {
    std::string symbol;
    std::size_t underlying = 0;
    bool is_option = false;
    option_kind kind = option_kind::call;
    Real strike = 0, expiry = 0, vol = 0;
};

/// A holding of one contract at one node: signed quantity, multiplier, average cost per unit
/// and the P&L realised by trades so far.
template <std::floating_point Real>
struct basic_book_position {
    std::size_t node = 0;
    std::size_t contract = 0;
    Real quantity = 0, multiplier = 1, cost = 0, realized = 0;
};

/// A node of the hierarchy: its full path (`FIRM/Equities/EU/alice`), parent (npos for the root)
/// and depth (0 for the root).
struct book_node {
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
    std::string path;
    std::size_t parent = npos;
    std::size_t depth = 0;
    std::vector<std::size_t> children;
    std::vector<std::size_t> positions; ///< held directly at this node
};

/// Sums over a node's subtree (currency): market value q m v, P&L (unrealised q m (v - cost)
/// plus realised), net delta (sum of q m delta S, linear delta 1), gross exposure (sum of
/// |q m delta S|), vega (per 1.00 of vol), theta (per year).
template <std::floating_point Real>
struct basic_node_totals {
    Real market_value{}, pnl{}, net_delta{}, gross_exposure{}, vega{}, theta{};
    /// Totals of a union of disjoint sets of positions: every figure adds.
    basic_node_totals& operator+=(const basic_node_totals& o) {
        market_value += o.market_value;
        pnl += o.pnl;
        net_delta += o.net_delta;
        gross_exposure += o.gross_exposure;
        vega += o.vega;
        theta += o.theta;
        return *this;
    }
};

/// The P&L of `v` at located quantile scenarios (interpolated as the quantile was): the Euler
/// component of `v` in the VaR of a sum holding it.
template <std::floating_point Real>
Real pnl_at(std::span<const Real> v, const detail::quantile_scenarios& q) {
    return static_cast<Real>((1 - q.frac) * v[static_cast<std::size_t>(q.lo)] + q.frac * v[static_cast<std::size_t>(q.hi)]);
}

template <std::floating_point Real = double>
class basic_book_state {
public:
    using vector_type = vector<Real>;
    using contract = basic_contract<Real>;
    using position = basic_book_position<Real>;
    using totals = basic_node_totals<Real>;
    static constexpr std::size_t npos = book_node::npos;

    /// Underlyings with their current spots and dividend yields, their scenario returns
    /// (T x U, column u for underlying u, finite, every return above -1) and the risk-free rate.
    basic_book_state(std::vector<std::string> underlyings, std::vector<Real> spots, std::vector<Real> dividends,
                     scenario_matrix<Real> scenarios, Real rate)
        : m_underlyings(std::move(underlyings)), m_spots(std::move(spots)), m_dividends(std::move(dividends)),
          m_scenarios(std::move(scenarios)), m_rate(rate), m_contracts_on(m_underlyings.size()) {
        const auto u = m_underlyings.size();
        detail::check_same_size(m_spots.size(), u, "spots", "underlyings");
        detail::check_same_size(m_dividends.size(), u, "dividends", "underlyings");
        detail::check_same_size(static_cast<std::size_t>(m_scenarios.cols()), u, "scenario matrix row", "underlyings");
        if (m_scenarios.rows() == 0) throw std::invalid_argument("scenario matrix has no rows");
        detail::check_matrix_finite(m_scenarios, "scenarios");
        if (u > 0 && !(m_scenarios.minCoeff() > -1)) {
            throw std::invalid_argument("scenario return " + detail::fmt(Real(m_scenarios.minCoeff())) + " is not above -1");
        }
        detail::check_finite_value(rate, "rate");
        for (std::size_t i = 0; i < u; ++i) {
            detail::check_option_inputs(m_spots[i], Real(1), Real(0), m_rate, m_dividends[i], Real(0));
            if (!m_underlying_index.emplace(m_underlyings[i], i).second) {
                throw std::invalid_argument("duplicate underlying '" + m_underlyings[i] + "'");
            }
        }
        m_scratch.resize(static_cast<std::size_t>(m_scenarios.rows()));
    }

    // ---- building -------------------------------------------------------------------------

    /// The node at `path` ('/'-separated, no empty, "." or ".." segment: a path names one node,
    /// read as a file path would be), created with its missing ancestors. Every path starts with
    /// the same root segment; another root throws std::invalid_argument.
    std::size_t add_node(std::string_view path) {
        if (auto it = m_node_index.find(std::string(path)); it != m_node_index.end()) return it->second;
        if (path.empty() || path.front() == '/' || path.back() == '/' || path.find("//") != std::string_view::npos) {
            throw std::invalid_argument("node path '" + std::string(path) + "' has an empty segment");
        }
        const auto last = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
        if (last == "." || last == "..") throw std::invalid_argument("node path '" + std::string(path) + "' has a '" + std::string(last) + "' segment");
        const auto slash = path.rfind('/');
        std::size_t parent = npos;
        if (slash != std::string_view::npos) {
            parent = add_node(path.substr(0, slash));
        } else if (!m_nodes.empty()) {
            throw std::invalid_argument("node path '" + std::string(path) + "' has root '" + std::string(path) +
                                        "', the book's root is '" + m_nodes.front().path + "'");
        }
        book_node n;
        n.path = std::string(path);
        n.parent = parent;
        n.depth = parent == npos ? 0 : m_nodes[parent].depth + 1;
        m_nodes.push_back(std::move(n));
        const std::size_t id = m_nodes.size() - 1;
        if (parent != npos) m_nodes[parent].children.push_back(id);
        m_node_index.emplace(m_nodes.back().path, id);
        m_node_pnl.push_back(vector_type::Zero(m_scenarios.rows()));
        m_coef.push_back(0);
        return id;
    }

    /// A contract (unique symbol). Options are checked as bsm() checks its inputs.
    std::size_t add_contract(contract c) {
        if (c.symbol.empty()) throw std::invalid_argument("contract symbol is empty");
        if (c.underlying >= m_underlyings.size()) throw std::out_of_range("underlying index " + std::to_string(c.underlying) + " is out of range");
        if (c.is_option) detail::check_option_inputs(m_spots[c.underlying], c.strike, c.expiry, m_rate, m_dividends[c.underlying], c.vol);
        if (m_contract_index.contains(c.symbol)) throw std::invalid_argument("duplicate contract '" + c.symbol + "'");
        m_contract_index.emplace(c.symbol, m_contracts.size());
        m_contracts_on[c.underlying].push_back(m_contracts.size());
        m_contracts.push_back(std::move(c));
        m_positions_of.emplace_back();
        m_unit.emplace_back();
        m_unit_pnl.emplace_back();
        reprice(m_contracts.size() - 1, m_unit.back(), m_unit_pnl.back());
        return m_contracts.size() - 1;
    }

    /// A position of `quantity` (signed, finite) units of contract `c` at node `node`, bought at
    /// `cost` per unit (finite), with a positive multiplier. O(T x depth).
    std::size_t add_position(std::size_t node, std::size_t c, Real quantity, Real multiplier = 1, Real cost = 0) {
        if (node >= m_nodes.size()) throw std::out_of_range("node index " + std::to_string(node) + " is out of range");
        if (c >= m_contracts.size()) throw std::out_of_range("contract index " + std::to_string(c) + " is out of range");
        detail::check_finite_value(quantity, "quantity");
        detail::check_finite_value(cost, "cost");
        if (!(multiplier > 0) || !std::isfinite(multiplier)) {
            throw std::invalid_argument("multiplier " + detail::fmt(multiplier) + " must be positive and finite");
        }
        m_positions.push_back({node, c, quantity, multiplier, cost, 0});
        const std::size_t p = m_positions.size() - 1;
        m_nodes[node].positions.push_back(p);
        m_positions_of[c].push_back(p);
        add_to_chain(node, quantity * multiplier, c);
        return p;
    }

    // ---- updates ----------------------------------------------------------------------------

    /// New spot for underlying u (positive, finite): reprices the contracts on u in every
    /// scenario and updates the nodes above their positions. O(T x (contracts on u) x depth).
    void set_spot(std::size_t u, Real spot) {
        if (u >= m_underlyings.size()) throw std::out_of_range("underlying index " + std::to_string(u) + " is out of range");
        if (!(spot > 0) || !std::isfinite(spot)) throw std::invalid_argument("spot " + detail::fmt(spot) + " must be positive and finite");
        if (spot == m_spots[u]) return;
        const Real old = m_spots[u];
        m_spots[u] = spot;
        const auto col = m_scenarios.col(static_cast<Eigen::Index>(u));
        for (const std::size_t c : m_contracts_on[u]) {
            if (m_positions_of[c].empty()) {
                reprice(c, m_unit[c], m_unit_pnl[c]);
                continue;
            }
            const bool option = m_contracts[c].is_option;
            if (option) { // the change of the unit scenario P&L, kept in m_diff
                m_diff = -m_unit_pnl[c];
                reprice(c, m_unit[c], m_unit_pnl[c]);
                m_diff += m_unit_pnl[c];
            } else { // linear: (S' - S) R(:, u), applied straight from the column
                reprice(c, m_unit[c], m_unit_pnl[c]);
            }
            for (const std::size_t p : m_positions_of[c]) {
                const auto& pos = m_positions[p];
                for (std::size_t n = pos.node; n != npos; n = m_nodes[n].parent) {
                    if (m_coef[n] == 0) m_touched.push_back(n);
                    m_coef[n] += pos.quantity * pos.multiplier;
                }
            }
            for (const std::size_t n : m_touched) {
                if (m_coef[n] != 0) {
                    if (option) m_node_pnl[n].noalias() += m_coef[n] * m_diff;
                    else m_node_pnl[n].noalias() += (m_coef[n] * (spot - old)) * col;
                }
                m_coef[n] = 0;
            }
            m_touched.clear();
        }
    }

    /// A trade of `quantity` (signed, finite, non-zero) units at `price` per unit (finite) on
    /// position p: average-cost accounting. O(T x depth). Returns the realised P&L.
    Real apply_trade(std::size_t p, Real quantity, Real price) {
        if (p >= m_positions.size()) throw std::out_of_range("position index " + std::to_string(p) + " is out of range");
        detail::check_finite_value(quantity, "quantity");
        detail::check_finite_value(price, "price");
        if (quantity == 0) throw std::invalid_argument("trade quantity is 0");
        auto& pos = m_positions[p];
        Real realized = 0;
        const Real q0 = pos.quantity, q1 = q0 + quantity;
        if (q0 == 0 || (q0 > 0) == (quantity > 0)) { // opening or adding: new average cost
            pos.cost = (q0 * pos.cost + quantity * price) / q1;
        } else { // reducing, closing or flipping
            const Real closed = std::min(std::abs(quantity), std::abs(q0)) * (q0 > 0 ? 1 : -1);
            realized = closed * (price - pos.cost) * pos.multiplier;
            if (std::abs(quantity) > std::abs(q0)) pos.cost = price;
        }
        if (q1 == 0) pos.cost = 0;
        pos.quantity = q1;
        pos.realized += realized;
        add_to_chain(pos.node, quantity * pos.multiplier, pos.contract);
        return realized;
    }

    /// Rebuilds every node's vector from the positions (O(P x T x depth)), removing drift.
    void recompute() {
        for (auto& v : m_node_pnl) v.setZero();
        for (const auto& pos : m_positions) add_to_chain(pos.node, pos.quantity * pos.multiplier, pos.contract);
    }

    // ---- queries ----------------------------------------------------------------------------

    /// VaR at `var_confidence` and ES at `es_confidence` of node n's scenario P&L, O(T).
    using tail_risk = basic_tail_risk<Real>;
    tail_risk tail(std::size_t n, double var_confidence, double es_confidence) const {
        const auto& v = m_node_pnl.at(n);
        return historical_tail(std::span<const Real>(v.data(), static_cast<std::size_t>(v.size())), var_confidence, es_confidence,
                               std::span<Real>(m_scratch));
    }

    /// VaR and ES of node n by a scenario-weighting method (scenario_weighting.hpp) on its
    /// scenario P&L, the rows oldest first: O(T) expected.
    tail_risk weighted_tail(std::size_t n, const weighting& w, double var_confidence, double es_confidence) const {
        return rtrisk::weighted_tail(pnl(n), w, var_confidence, es_confidence);
    }

    /// Euler components of node n's historical VaR at `confidence`: the P&L, in the scenario(s)
    /// at the quantile of n's P&L, of each child (in `children` order) and of each position held
    /// directly (in `positions` order); their sum is n's VaR (up to rounding).
    struct components {
        std::vector<Real> children;
        std::vector<Real> positions;
    };
    components component_var(std::size_t n, double confidence) const {
        detail::check_confidence(confidence);
        return component_var(n, locate(n, confidence));
    }
    /// The scenario(s) at node n's VaR quantile, to share one selection between
    /// component_var and top_contributors.
    detail::quantile_scenarios var_scenarios(std::size_t n, double confidence) const {
        detail::check_confidence(confidence);
        return locate(n, confidence);
    }
    components component_var(std::size_t n, const detail::quantile_scenarios& q) const {
        components out;
        for (const std::size_t c : m_nodes[n].children) out.children.push_back(-at(m_node_pnl[c], q));
        for (const std::size_t p : m_nodes[n].positions) out.positions.push_back(position_component(p, q));
        return out;
    }

    /// Euler component of every position of n's subtree in n's VaR at `confidence`, as
    /// (position, component) pairs, largest first, at most `count`.
    std::vector<std::pair<std::size_t, Real>> top_contributors(std::size_t n, double confidence, std::size_t count) const {
        detail::check_confidence(confidence);
        return top_contributors(n, locate(n, confidence), count);
    }
    std::vector<std::pair<std::size_t, Real>> top_contributors(std::size_t n, const detail::quantile_scenarios& q,
                                                               std::size_t count) const {
        std::vector<std::pair<std::size_t, Real>> all;
        std::vector<std::size_t> stack{n};
        while (!stack.empty()) {
            const std::size_t k = stack.back();
            stack.pop_back();
            for (const std::size_t p : m_nodes[k].positions) all.emplace_back(p, position_component(p, q));
            stack.insert(stack.end(), m_nodes[k].children.begin(), m_nodes[k].children.end());
        }
        const auto by_size = [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); };
        const std::size_t k = std::min(count, all.size());
        std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), by_size);
        all.resize(k);
        return all;
    }

    /// Totals of every node's subtree (index = node), O(P x depth).
    std::vector<totals> node_totals() const {
        std::vector<totals> out(m_nodes.size());
        for (std::size_t p = 0; p < m_positions.size(); ++p) {
            const totals t = position_totals(p);
            for (std::size_t n = m_positions[p].node; n != npos; n = m_nodes[n].parent) out[n] += t;
        }
        return out;
    }
    /// Figures of one position (as basic_node_totals, for a subtree of one position).
    totals position_totals(std::size_t p) const {
        const auto& pos = m_positions.at(p);
        const auto& g = m_unit[pos.contract];
        const Real n = pos.quantity * pos.multiplier;
        const Real s = m_spots[m_contracts[pos.contract].underlying];
        totals t;
        t.market_value = n * g.price;
        t.pnl = n * (g.price - pos.cost) + pos.realized;
        t.net_delta = n * g.delta * s;
        t.gross_exposure = std::abs(t.net_delta);
        t.vega = n * g.vega;
        t.theta = n * g.theta;
        return t;
    }
    // ---- P&L explain (pnl_explain.hpp) --------------------------------------------------------

    /// Marks the start of a P&L explain period (the start of the day): keeps every contract's
    /// unit Greeks and spot, every position's units (q m) and P&L. O(P + C).
    void mark_explain_start() {
        m_start_unit = m_unit;
        m_start_spot.resize(m_contracts.size());
        for (std::size_t c = 0; c < m_contracts.size(); ++c) m_start_spot[c] = m_spots[m_contracts[c].underlying];
        m_start_units.resize(m_positions.size());
        m_start_pnl.resize(m_positions.size());
        for (std::size_t p = 0; p < m_positions.size(); ++p) {
            m_start_units[p] = m_positions[p].quantity * m_positions[p].multiplier;
            m_start_pnl[p] = position_totals(p).pnl;
        }
    }
    /// Position p's P&L since the mark, explained on the Greeks at the mark: actual is the change
    /// of its P&L (unrealised and realised); delta and gamma those of the units held at the mark
    /// over the spot move; vega and theta 0 (this state holds vols and the valuation date);
    /// trading the P&L of the quantities traded since; unexplained the rest of the held P&L. A
    /// position (or contract) added after the mark starts at 0 units: all its P&L is trading.
    /// Before any mark, every position counts as added after it.
    using pnl_explain = basic_pnl_explain<Real>;
    pnl_explain explain_position(std::size_t p) const {
        const auto& pos = m_positions.at(p);
        const std::size_t c = pos.contract;
        const bool held = p < m_start_units.size() && c < m_start_unit.size();
        const Real units = held ? m_start_units[p] : Real(0);
        const Real s0 = held ? m_start_spot[c] : m_spots[m_contracts[c].underlying];
        const auto& g0 = held ? m_start_unit[c] : m_unit[c];
        const Real s1 = m_spots[m_contracts[c].underlying];
        pnl_explain out = explain_holding(g0, units, s1 - s0, Real(0), Real(0), m_unit[c].price - g0.price);
        const Real total = position_totals(p).pnl - (p < m_start_pnl.size() ? m_start_pnl[p] : Real(0));
        out.trading = total - out.actual;
        out.actual = total;
        return out;
    }
    /// The explain of every node's subtree since the mark (index = node), O(P x depth).
    std::vector<pnl_explain> explain_nodes() const {
        std::vector<pnl_explain> out(m_nodes.size());
        for (std::size_t p = 0; p < m_positions.size(); ++p) {
            const pnl_explain e = explain_position(p);
            for (std::size_t n = m_positions[p].node; n != npos; n = m_nodes[n].parent) out[n] += e;
        }
        return out;
    }

    /// Unit value and Greeks of contract c at the current spot (linear: price S, delta 1).
    const basic_greeks<Real>& unit_greeks(std::size_t c) const { return m_unit.at(c); }

    /// Node n's scenario P&L (T values, currency).
    std::span<const Real> pnl(std::size_t n) const {
        const auto& v = m_node_pnl.at(n);
        return {v.data(), static_cast<std::size_t>(v.size())};
    }
    /// Contract c's scenario P&L per unit (T values, currency): v(S (1 + r)) - v(S). A trade of
    /// q units with multiplier m adds q m times this to every node above it: the what-if of a
    /// trade is O(T x depth) from it (incremental VaR).
    vector_type unit_pnl(std::size_t c) const {
        const auto& k = m_contracts.at(c);
        if (k.is_option) return m_unit_pnl[c];
        return m_spots[k.underlying] * m_scenarios.col(static_cast<Eigen::Index>(k.underlying));
    }
    /// Position p's scenario P&L into `out` (resized to T).
    void position_pnl(std::size_t p, vector_type& out) const {
        const auto& pos = m_positions.at(p);
        out = pos.quantity * pos.multiplier * unit_pnl(pos.contract);
    }

    std::span<const book_node> nodes() const noexcept { return m_nodes; }
    std::span<const contract> contracts() const noexcept { return m_contracts; }
    std::span<const position> positions() const noexcept { return m_positions; }
    std::span<const std::string> underlyings() const noexcept { return m_underlyings; }
    std::span<const Real> spots() const noexcept { return m_spots; }
    std::span<const Real> dividends() const noexcept { return m_dividends; }
    const scenario_matrix<Real>& scenarios() const noexcept { return m_scenarios; }
    Real rate() const noexcept { return m_rate; }
    std::size_t scenario_count() const noexcept { return static_cast<std::size_t>(m_scenarios.rows()); }

    /// Lookups by name; npos when absent.
    std::size_t find_node(std::string_view path) const { return find(m_node_index, path); }
    std::size_t find_contract(std::string_view symbol) const { return find(m_contract_index, symbol); }
    std::size_t find_underlying(std::string_view symbol) const { return find(m_underlying_index, symbol); }
    /// The position of contract c held directly at node n, npos when there is none.
    std::size_t find_position(std::size_t n, std::size_t c) const {
        for (const std::size_t p : m_positions_of.at(c)) {
            if (m_positions[p].node == n) return p;
        }
        return npos;
    }
    /// Positions of contract c at every node.
    std::span<const std::size_t> positions_of(std::size_t c) const { return m_positions_of.at(c); }

private:
    static std::size_t find(const std::unordered_map<std::string, std::size_t>& m, std::string_view k) {
        const auto it = m.find(std::string(k));
        return it == m.end() ? npos : it->second;
    }

    /// Unit value, Greeks and unit scenario P&L of contract c at the current spot.
    void reprice(std::size_t c, basic_greeks<Real>& unit, vector_type& scenario_pnl) const {
        const auto& k = m_contracts[c];
        const Real s = m_spots[k.underlying];
        if (!k.is_option) {
            unit = {};
            unit.price = s;
            unit.delta = 1;
            return; // linear: S R(:,u), computed when needed (nothing stored)
        }
        const Real q = m_dividends[k.underlying];
        unit = detail::bsm_unchecked(k.kind, s, k.strike, k.expiry, m_rate, q, k.vol);
        const auto col = m_scenarios.col(static_cast<Eigen::Index>(k.underlying));
        scenario_pnl.resize(m_scenarios.rows());
        detail::bsm_prices_at_moves(k.kind, s, k.strike, k.expiry, m_rate, q, k.vol, col.data(), static_cast<std::size_t>(col.size()),
                                    scenario_pnl.data(), unit.price);
    }
    void add_to_chain(std::size_t node, Real units, std::size_t c) {
        if (units == 0) return;
        const auto& k = m_contracts[c];
        for (std::size_t n = node; n != npos; n = m_nodes[n].parent) {
            if (k.is_option) m_node_pnl[n].noalias() += units * m_unit_pnl[c];
            else m_node_pnl[n].noalias() += (units * m_spots[k.underlying]) * m_scenarios.col(static_cast<Eigen::Index>(k.underlying));
        }
    }
    detail::quantile_scenarios locate(std::size_t n, double confidence) const {
        const auto& v = m_node_pnl.at(n);
        return detail::locate_quantile(std::span<const Real>(v.data(), static_cast<std::size_t>(v.size())), 1.0 - confidence,
                                       quantile_method::linear);
    }
    static Real at(const vector_type& v, const detail::quantile_scenarios& q) {
        return pnl_at(std::span<const Real>(v.data(), static_cast<std::size_t>(v.size())), q);
    }
    Real position_component(std::size_t p, const detail::quantile_scenarios& q) const {
        const auto& pos = m_positions[p];
        const auto& k = m_contracts[pos.contract];
        const Real n = pos.quantity * pos.multiplier;
        if (k.is_option) return -n * at(m_unit_pnl[pos.contract], q);
        const auto u = static_cast<Eigen::Index>(k.underlying);
        const Real r = static_cast<Real>((1 - q.frac) * m_scenarios(q.lo, u) + q.frac * m_scenarios(q.hi, u));
        return -n * m_spots[k.underlying] * r;
    }

    std::vector<std::string> m_underlyings;
    std::vector<Real> m_spots;
    std::vector<Real> m_dividends;
    scenario_matrix<Real> m_scenarios;
    Real m_rate;
    std::unordered_map<std::string, std::size_t> m_underlying_index;
    std::vector<std::vector<std::size_t>> m_contracts_on; ///< per underlying
    std::vector<book_node> m_nodes;
    std::unordered_map<std::string, std::size_t> m_node_index;
    std::vector<contract> m_contracts;
    std::unordered_map<std::string, std::size_t> m_contract_index;
    std::vector<std::vector<std::size_t>> m_positions_of; ///< per contract
    std::vector<basic_greeks<Real>> m_unit;               ///< per contract, at the current spot
    std::vector<vector_type> m_unit_pnl;                  ///< per option contract: T values
    std::vector<position> m_positions;
    std::vector<vector_type> m_node_pnl; ///< per node: T values
    std::vector<Real> m_coef;            ///< per node, scratch of set_spot (zero between calls)
    std::vector<std::size_t> m_touched;
    vector_type m_diff; ///< scratch of set_spot
    std::vector<basic_greeks<Real>> m_start_unit; ///< P&L explain: per contract at the mark
    std::vector<Real> m_start_spot;               ///< per contract: its underlying's spot at the mark
    std::vector<Real> m_start_units, m_start_pnl; ///< per position at the mark
    mutable std::vector<Real> m_scratch;
};
using book_state = basic_book_state<double>;

} // namespace rtrisk
