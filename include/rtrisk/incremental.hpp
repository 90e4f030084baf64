#pragma once
/// @file incremental.hpp
/// Real-time risk state: positions, the scenario matrix and the current scenario P&L vector,
/// updated in O(T) per tick or trade instead of O(N T).
///
///     ticks/trades ──► apply_tick(i, price) ──► pnl += (x_i' - x_i) R(:, i)   O(T)
///                                                   │
///                      var(c), expected_shortfall(c) ◄┘ selection, O(T)
///
/// Conventions: the scenario matrix R is T x N returns (returns.hpp), column i for position i of
/// the portfolio; exposures are x_i = q_i p_i m_i; the scenario P&L is R x in currency;
/// VaR and ES are positive losses (var.hpp) in currency, one period, historical method, or a
/// scenario-weighting method (scenario_weighting.hpp) on the P&L series read oldest first.
/// Day roll: `roll_day(returns)` replaces the oldest scenario by the new day's returns in O(N)
/// (the rows form a ring; `newest_row()` says where the newest is). After it, plain historical
/// VaR sees one scenario swapped; age weights shift one day older (the new day weighs most);
/// the EWMA recursion runs over the new window (its 30-day seed moves with it, the new day
/// enters last); filtered scenarios are all rescaled to the new forecast. The weighted methods read the ordered series in O(T) per query; a GARCH filter's
/// parameters are the caller's (weighting::garch), refitted at a roll if wanted
/// (fit_garch11 on chronological_pnl()); with none given, each query fits them.
/// Storage: the scenario matrix may be kept in a narrower type than the P&L
/// (`basic_incremental_state<double, float>`, alias incremental_state_f32): half the memory and
/// the traffic of every tick and re-anchor, every product and sum still in double; the cost is
/// each return's rounding to float (relative 6e-8; docs/conventions.md states it on the real
/// data). Floating-point drift: each update adds one rounding error per scenario; `reanchor()`
/// recomputes R x exactly, and `set_reanchor_interval(k)` does so every k updates
/// (0, the default, never). Single-threaded by design: one owner applies updates and queries
/// (queries reuse a scratch buffer); hand other threads copies of the results.

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fwd.hpp"
#include "detail/check.hpp"
#include "expected_shortfall.hpp"
#include "portfolio.hpp"
#include "quantile.hpp"
#include "returns.hpp"
#include "scenario_weighting.hpp"
#include "var.hpp"

namespace rtrisk {

template <std::floating_point Real = double, std::floating_point Storage>
class basic_incremental_state {
public:
    using matrix_type = scenario_matrix<Storage>;
    using vector_type = vector<Real>;

    /// Takes ownership of the portfolio and of R (T x N, N = portfolio.size(), finite), in the
    /// storage type (cast a double matrix with `R.cast<float>()` for float storage).
    basic_incremental_state(basic_portfolio<Real> book, matrix_type scenarios)
        : m_book(std::move(book)), m_scenarios(std::move(scenarios)) {
        if (m_book.empty()) throw std::invalid_argument("incremental state needs at least one position");
        detail::check_same_size(static_cast<std::size_t>(m_scenarios.cols()), m_book.size(), "scenario matrix row",
                                "portfolio");
        if (m_scenarios.rows() == 0) throw std::invalid_argument("scenario matrix has no rows");
        detail::check_matrix_finite(m_scenarios, "scenarios");
        const auto x = m_book.exposures();
        m_exposure = Eigen::Map<const vector_type>(x.data(), static_cast<Eigen::Index>(x.size()));
        m_scratch.resize(static_cast<std::size_t>(m_scenarios.rows()));
        m_newest = m_scenarios.rows() - 1;
        reanchor();
    }

    /// New price for position i: O(T). Throws on a bad index or a non-finite price.
    void apply_tick(std::size_t i, Real price) {
        m_book.set_price(i, price);
        update_exposure(i);
    }
    /// New price by symbol; throws std::out_of_range for an unknown symbol.
    void apply_tick(std::string_view symbol, Real price) { apply_tick(m_book.index_of(symbol), price); }

    /// A trade of `quantity` (signed) at `price` on position i (average-cost accounting, see
    /// basic_portfolio::apply_trade): O(T). Returns the realised P&L.
    Real apply_trade(std::size_t i, Real quantity, Real price) {
        const Real realised = m_book.apply_trade(i, quantity, price);
        update_exposure(i);
        return realised;
    }
    Real apply_trade(std::string_view symbol, Real quantity, Real price) {
        return apply_trade(m_book.index_of(symbol), quantity, price);
    }

    /// Historical VaR at `confidence` of the current scenario P&L, O(T) by selection.
    Real var(double confidence, quantile_method qm = quantile_method::linear) const {
        return tail(confidence, confidence, qm).var;
    }
    /// Historical ES at `confidence`, O(T).
    Real expected_shortfall(double confidence, quantile_method qm = quantile_method::linear) const {
        return tail(confidence, confidence, qm).es;
    }
    /// VaR at `var_confidence` and ES at `es_confidence` (e.g. 0.99 and 0.975), each O(T).
    basic_tail_risk<Real> tail(double var_confidence, double es_confidence,
                               quantile_method qm = quantile_method::linear) const {
        detail::check_confidence(var_confidence);
        detail::check_confidence(es_confidence);
        const auto t = static_cast<std::size_t>(m_pnl.size());
        detail::check_tail_size(t, var_confidence, "historical VaR");
        detail::check_tail_size(t, es_confidence, "historical ES");
        basic_tail_risk<Real> out;
        std::copy(m_pnl.data(), m_pnl.data() + t, m_scratch.begin());
        out.var = -detail::select_quantile(std::span<Real>(m_scratch), 1.0 - var_confidence, qm);
        const Real q_es = es_confidence == var_confidence
                              ? -out.var
                              : detail::select_quantile(std::span<Real>(m_scratch), 1.0 - es_confidence, qm);
        out.es = -detail::tail_mean(std::span<const Real>(m_scratch), q_es); // m_scratch: a permutation of the P&L
        return out;
    }

    /// VaR at `var_confidence` and ES at `es_confidence` by a scenario-weighting method on the
    /// P&L series oldest first: O(T) expected (plus a GARCH fit if w holds no parameters).
    basic_tail_risk<Real> weighted_tail(const weighting& w, double var_confidence, double es_confidence) const {
        const auto ordered = chronological_pnl();
        return rtrisk::weighted_tail(std::span<const Real>(ordered), w, var_confidence, es_confidence);
    }

    /// The scenario P&L oldest first (a copy, O(T)).
    std::vector<Real> chronological_pnl() const {
        const auto t = static_cast<Eigen::Index>(m_pnl.size());
        std::vector<Real> out(static_cast<std::size_t>(t));
        for (Eigen::Index k = 0; k < t; ++k) out[static_cast<std::size_t>(k)] = m_pnl((m_newest + 1 + k) % t);
        return out;
    }

    /// A new day: `returns` (N values, finite, one per position in portfolio order) replace the
    /// oldest scenario and become the newest. O(N).
    void roll_day(std::span<const Real> returns) {
        detail::check_same_size(returns.size(), m_book.size(), "day's returns", "portfolio");
        detail::check_finite(returns, "day's returns");
        const Eigen::Index row = (m_newest + 1) % m_scenarios.rows();
        Real pnl = 0;
        for (Eigen::Index j = 0; j < m_scenarios.cols(); ++j) {
            m_scenarios(row, j) = static_cast<Storage>(returns[static_cast<std::size_t>(j)]);
            pnl += static_cast<Real>(m_scenarios(row, j)) * m_exposure(j); // the stored value, as reanchor reads it
        }
        m_pnl(row) = pnl;
        m_newest = row;
    }
    /// The storage row of the newest scenario (rows oldest first from newest_row() + 1, cyclically).
    std::size_t newest_row() const noexcept { return static_cast<std::size_t>(m_newest); }

    /// Recomputes the scenario P&L from scratch (R x, O(N T)), removing accumulated drift.
    void reanchor() {
        const vector_type fresh = portfolio_pnl_as<Real>(m_scenarios, m_exposure);
        m_pnl = fresh; // copied into the same buffer: views of pnl() stay valid
        m_updates_since_anchor = 0;
    }
    /// Re-anchors automatically every `updates` ticks/trades; 0 turns it off.
    void set_reanchor_interval(std::size_t updates) noexcept { m_reanchor_interval = updates; }

    const basic_portfolio<Real>& book() const noexcept { return m_book; }
    /// The scenario matrix in storage order (see newest_row()).
    const matrix_type& scenarios() const noexcept { return m_scenarios; }
    /// Current scenario P&L (T values).
    std::span<const Real> pnl() const noexcept { return {m_pnl.data(), static_cast<std::size_t>(m_pnl.size())}; }
    /// Current exposures q_i p_i m_i.
    std::span<const Real> exposures() const noexcept {
        return {m_exposure.data(), static_cast<std::size_t>(m_exposure.size())};
    }
    std::size_t scenario_count() const noexcept { return static_cast<std::size_t>(m_scenarios.rows()); }
    std::size_t position_count() const noexcept { return m_book.size(); }

private:
    void update_exposure(std::size_t i) {
        const auto j = static_cast<Eigen::Index>(i);
        const Real x_new = m_book.quantities()[i] * m_book.prices()[i] * m_book.multipliers()[i];
        const Real dx = x_new - m_exposure(j);
        m_exposure(j) = x_new;
        if (dx != 0) {
            if constexpr (std::is_same_v<Real, Storage>) m_pnl.noalias() += dx * m_scenarios.col(j);
            else m_pnl.noalias() += dx * m_scenarios.col(j).template cast<Real>();
        }
        if (m_reanchor_interval != 0 && ++m_updates_since_anchor >= m_reanchor_interval) reanchor();
    }

    basic_portfolio<Real> m_book;
    matrix_type m_scenarios;
    vector_type m_exposure;
    vector_type m_pnl;
    mutable std::vector<Real> m_scratch;
    Eigen::Index m_newest = 0; ///< storage row of the newest scenario
    std::size_t m_reanchor_interval = 0;
    std::size_t m_updates_since_anchor = 0;
};

} // namespace rtrisk
