#pragma once
// What the engine hands out: a typed risk snapshot of plain structs, exact numbers in currency
// (VaR/ES positive losses, historical, 1 day). Encoding it (JSON for the wire and /api/risk,
// rounding for display) is wire/snapshot_json.hpp's job, not the engine's.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <rtrisk/book_state.hpp>
#include <rtrisk/scenario_weighting.hpp>
#include <rtrisk/var.hpp>

namespace rtrisk_live {

/// A position's Euler component in a node's VaR 99.
struct contributor {
    std::string node;
    std::string symbol;
    double component_var = 0;
};

/// Figures of one hierarchy node (its whole subtree).
struct node_risk {
    std::string path;
    std::string parent;   ///< empty for the root
    std::size_t depth = 0;
    std::size_t positions_count = 0;
    double market_value = 0, pnl = 0, net_delta = 0, gross_exposure = 0, vega = 0, theta = 0;
    double var_99 = 0, es_975 = 0;
    double component_var = 0; ///< Euler component of this node in its parent's VaR 99 (the root: its own VaR)
    std::vector<contributor> top_contributors; ///< largest components in this node's VaR 99
};

/// Sets a node's additive figures from book_state totals.
inline void set_totals(node_risk& r, const rtrisk::basic_node_totals<double>& t) {
    r.market_value = t.market_value;
    r.pnl = t.pnl;
    r.net_delta = t.net_delta;
    r.gross_exposure = t.gross_exposure;
    r.vega = t.vega;
    r.theta = t.theta;
}

/// One position: `price` is the unit value (the spot, or the option's model price).
struct position_risk {
    std::string node, symbol, type; ///< type: "linear", "call" or "put"
    double quantity = 0, price = 0, market_value = 0, pnl = 0;
    double delta = 0;         ///< dollar delta, currency per 100 % move
    double component_var = 0; ///< Euler component in the root's VaR 99
};

struct underlying_greeks {
    std::string underlying;
    double delta = 0, dollar_delta = 0, gamma = 0, vega = 0, theta = 0;
};

struct stress_result {
    std::string name;
    double pnl = 0;
};

/// Full revaluation of the whole book on a spot x vol grid of relative moves.
struct spot_vol_grid {
    std::vector<double> spot, vol;
    std::vector<std::vector<double>> pnl; ///< [spot][vol]
};

/// The decays of the live stack's scenario-weighting methods: RiskMetrics' 0.94 for the EWMA
/// volatility and the filter of filtered historical simulation, 0.99 for age weights (Boudoukh,
/// Richardson and Whitelaw's longer example: at 0.94 the newest day alone fills a 1 % tail).
inline constexpr double live_ewma_decay = 0.94;
inline constexpr double live_age_decay = 0.99;

/// The root's VaR 99 by six methods over the same scenario P&L (rows are days, oldest first).
/// A method the scenario count cannot support (filtered historical needs 30 seed days plus 100
/// scenarios) is absent.
struct var_by_method {
    double gaussian = 0, cornish_fisher = 0, historical = 0;
    std::optional<double> ewma, filtered_historical, age_weighted;
};

/// var_by_method of a P&L vector whose historical VaR 99 is `historical` (already selected).
inline var_by_method var_methods_of(std::span<const double> pnl, double historical) {
    var_by_method m{rtrisk::gaussian_var(pnl, 0.99), rtrisk::cornish_fisher_var(pnl, 0.99), historical, {}, {}, {}};
    const auto weighted = [&](rtrisk::scenario_weighting w, double decay) -> std::optional<double> {
        try {
            return rtrisk::weighted_tail(pnl, rtrisk::weighting{w, decay}, 0.99, 0.99).var;
        } catch (const std::invalid_argument&) { // too few scenarios for the method
            return std::nullopt;
        }
    };
    m.ewma = weighted(rtrisk::scenario_weighting::ewma, live_ewma_decay);
    m.filtered_historical = weighted(rtrisk::scenario_weighting::filtered_historical, live_ewma_decay);
    m.age_weighted = weighted(rtrisk::scenario_weighting::age_weighted, live_age_decay);
    return m;
}

/// Risk grouped by an instrument label (book_files.hpp factor_fields(): sector, country,
/// currency): stand-alone VaR 99 / ES 97.5 of the group's scenario P&L and its Euler component
/// in the root's VaR 99 (factor_exposure.hpp's definitions).
struct factor_group {
    std::string factor, group;
    std::size_t positions_count = 0;
    double net_delta = 0, gross_exposure = 0, var_99 = 0, es_975 = 0, component_var = 0;
};

/// One position's P&L explain since the start of the day (pnl_explain.hpp).
struct position_explain {
    std::string node, symbol;
    rtrisk::pnl_explain explain;
};

/// What one node holds directly (not its children): the sums of node_totals over its own
/// positions and their scenario P&L (T values). Vectors add, VaRs do not: an aggregator sums
/// these up the hierarchy (docs/scaling.md).
struct own_vector {
    std::string path;
    rtrisk::basic_node_totals<double> totals;
    double linear_exposure = 0; ///< sum of the linear positions' q m S (risk_snapshot::net_exposure)
    std::size_t positions_count = 0;
    rtrisk::pnl_explain explain; ///< of its own positions since the start of the day
    std::vector<double> scenario_pnl;
    /// With the positions part: the node's own positions (component_var left to the
    /// aggregator, from position_pnl at the firm's VaR scenarios) and its additive parts.
    struct detail_part {
        std::vector<position_risk> positions;
        std::vector<std::vector<double>> position_pnl; ///< scenario P&L of each position
        std::vector<underlying_greeks> greeks;         ///< the underlyings it holds
        std::vector<stress_result> stress;
        spot_vol_grid grid;
    };
    std::optional<detail_part> detail;
};

struct risk_snapshot {
    std::uint64_t ticks_total = 0;
    std::int64_t event_time_us = 0; ///< event time of the newest tick included
    std::size_t scenarios = 0;
    std::vector<node_risk> nodes;   ///< the root first, every parent before its children
    double net_exposure = 0;        ///< sum of the linear positions' exposures
    // Refreshed at lower rates (snapshot_parts); absent when not asked for.
    std::optional<std::vector<position_risk>> positions;
    std::optional<std::vector<underlying_greeks>> greeks;
    std::optional<std::vector<stress_result>> stress;
    std::optional<spot_vol_grid> grid;
    std::optional<var_by_method> var_methods;
    /// P&L explain of every node (nodes order) since the start of the day, and when it started
    /// (event time, µs; 0: the engine's start).
    std::optional<std::vector<rtrisk::pnl_explain>> explain;
    std::int64_t explain_since_us = 0;
    std::optional<std::vector<factor_group>> factors; ///< by factor (file order), groups in order of first appearance
    std::optional<std::vector<own_vector>> own_vectors; ///< nodes holding positions, in node order
};

/// An option position with its own Greeks (quantity x multiplier x the unit Greeks): delta in
/// units of the underlying, dollar delta per 100 % move, gamma per unit, vega per 1.00 of vol,
/// theta per year.
struct option_position {
    std::string node, symbol, underlying, type;
    double strike = 0, expiry = 0, vol = 0, quantity = 0, price = 0, market_value = 0;
    double delta = 0, dollar_delta = 0, gamma = 0, vega = 0, theta = 0;
};

/// A scenario of the tail: its index, the history's label of its day, the node's P&L in it.
struct tail_scenario {
    std::size_t scenario = 0;
    std::string label;
    double pnl = 0;
};

/// What one node's detail view shows (GET /api/node): its Greeks by underlying, its option
/// positions, stress and spot x vol grid by full revaluation, and why its VaR is what it is:
/// the scenario P&L distribution, the tail scenarios and the top contributors.
struct node_detail {
    std::string path;
    double var_99 = 0, es_975 = 0;
    std::size_t scenarios = 0;
    std::vector<underlying_greeks> greeks;
    std::vector<option_position> options;
    std::vector<stress_result> stress;
    spot_vol_grid grid;
    std::vector<double> bin_edges;              ///< histogram of the scenario P&L: bins + 1 edges
    std::vector<std::size_t> bin_counts;
    std::vector<tail_scenario> tail;            ///< the worst scenarios, worst first, down to the VaR's
    std::vector<contributor> top_contributors;  ///< the 10 largest components in the node's VaR 99
    std::vector<position_explain> explain;      ///< each position below it, since the start of the day
    std::int64_t explain_since_us = 0;
};

/// A VaR backtest of a node (GET /api/backtest): its current positions revalued on each of the
/// last days of the price history (hypothetical P&L), against the VaR 99 of the same positions
/// over the `window` days before that day; an exception is a loss above the VaR.
struct backtest_day {
    std::string label; ///< the history's label of the day
    double pnl = 0, var_99 = 0;
    bool exception = false;
};
struct node_backtest {
    std::string path;
    std::size_t window = 0; ///< VaR window (the book's scenario count)
    std::vector<backtest_day> days;
    std::size_t exceptions = 0;
    double kupiec_p = 1, christoffersen_independence_p = 1, christoffersen_conditional_p = 1;
    std::string traffic_light; ///< Basel zone: green, yellow or red
    /// Stressed VaR 99 (stressed_var.hpp): the same positions' historical VaR over the window of
    /// `window` consecutive days of the whole price history where it is largest, with its first
    /// and last days' labels; absent when the history is shorter than the window.
    struct stressed_part {
        double var_99 = 0;
        std::size_t window = 0;
        std::string start, end;
    };
    std::optional<stressed_part> stressed;
};

/// Which of the slower parts a snapshot computes.
struct snapshot_parts {
    bool positions = true; ///< positions, Greeks, stress and the grid
    bool var_methods = true;
    bool own_vectors = false; ///< scale-out (docs/scaling.md)
};

} // namespace rtrisk_live
