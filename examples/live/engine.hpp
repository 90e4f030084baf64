#pragma once
// The streaming risk engine: one thread owns the incremental state and applies ticks in
// arrival order; `publish()` turns the current state into an immutable JSON snapshot that other
// threads (the WebSocket sink) share without locks.
//
//   ticks ──► apply(tick) ──► incremental_state (linear book, O(T) per tick)
//                           └► derivatives_book spots (options on the indices)
//   publish() ──► scenario P&L = linear R x + options repriced per scenario (full revaluation)
//             ──► VaR 99 / ES 97.5 (historical), component VaR, stress, spot x vol grid, Greeks

#include <rtrisk/rtrisk.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "../common/csv.hpp"
#include "sources.hpp"

namespace rtrisk_live {

struct engine_config {
    std::string data_path = "data/eu_stock_markets.csv";
    int synthetic = 46;           ///< synthetic instruments driven by the indices
    int scenarios = 500;          ///< historical scenarios (the most recent days of the data)
    int history_points = 600;     ///< rolling chart history (60 s at 10 Hz)
    std::uint64_t seed = 7;
};

class engine {
public:
    explicit engine(const engine_config& cfg) : m_cfg(cfg) {
        if (cfg.synthetic < 0 || cfg.synthetic > 100000) {
            throw std::invalid_argument("synthetic instruments " + std::to_string(cfg.synthetic) + " outside [0, 100000]");
        }
        if (cfg.scenarios > 100000) throw std::invalid_argument("scenarios " + std::to_string(cfg.scenarios) + " above 100000");
        if (cfg.history_points < 1) throw std::invalid_argument("history points " + std::to_string(cfg.history_points) + " below 1");
        const auto t = rtrisk_examples::read_csv(cfg.data_path);
        const Eigen::MatrixXd R_all = rtrisk::returns_from_prices(t.values);
        const int n_idx = static_cast<int>(R_all.cols());
        // The most recent days of the data; beyond its length, days bootstrapped (seeded) from it.
        const Eigen::Index T = cfg.scenarios;
        if (T < 100) throw std::invalid_argument("--scenarios " + std::to_string(T) + " must be at least 100 (VaR 99 %)");
        Eigen::MatrixXd R_idx(T, R_all.cols());
        {
            std::mt19937_64 boot(cfg.seed + 17);
            std::uniform_int_distribution<Eigen::Index> day(0, R_all.rows() - 1);
            for (Eigen::Index k = 0; k < T; ++k) {
                const Eigen::Index recent = R_all.rows() - T + k; // negative: before the data starts
                R_idx.row(k) = R_all.row(recent >= 0 ? recent : day(boot));
            }
        }
        m_index_returns.resize(static_cast<std::size_t>(R_all.rows()));
        for (Eigen::Index k = 0; k < R_all.rows(); ++k)
            for (int i = 0; i < n_idx; ++i) m_index_returns[static_cast<std::size_t>(k)].push_back(R_all(k, i));

        std::mt19937_64 gen(cfg.seed);
        std::uniform_real_distribution<double> beta(0.6, 1.4), px(20, 400), qty(-500, 1500);
        std::normal_distribution<double> noise(0.0, 0.008);
        const int n = n_idx + cfg.synthetic;
        Eigen::MatrixXd R(T, n);
        rtrisk::portfolio book;
        for (int i = 0; i < n_idx; ++i) {
            const double last = t.values(t.values.rows() - 1, i);
            m_symbols.push_back(t.columns[static_cast<std::size_t>(i)]);
            m_sim.push_back({last, -1, 1.0});
            R.col(i) = R_idx.col(i);
            book.add({m_symbols.back(), 20.0 * (i + 1), last * 0.98, last, 1.0});
        }
        for (int s = 0; s < cfg.synthetic; ++s) {
            const int idx = s % n_idx;
            const double b = beta(gen), p = px(gen);
            char name[16];
            std::snprintf(name, sizeof name, "EQ%03d", s + 1);
            m_symbols.emplace_back(name);
            m_sim.push_back({p, idx, b});
            for (Eigen::Index k = 0; k < T; ++k) R(k, n_idx + s) = b * R_idx(k, idx) + noise(gen);
            const double q = std::round(qty(gen));
            book.add({name, q, p * (1 + 0.625 * noise(gen)), p, 1.0}); // entry price within ~0.5 % of the price
        }
        for (int i = 0; i < n; ++i) m_index.emplace(m_symbols[static_cast<std::size_t>(i)], static_cast<std::uint32_t>(i));
        m_state = std::make_unique<rtrisk::incremental_state>(std::move(book), R);
        m_state->set_reanchor_interval(1u << 20);

        // Options on the indices: protective puts and covered calls, 3 months.
        m_options = rtrisk::derivatives_book(0.03);
        for (int i = 0; i < n_idx; ++i) {
            const double s = m_sim[static_cast<std::size_t>(i)].price;
            const auto u = m_options.add_underlying(m_symbols[static_cast<std::size_t>(i)], s, 0.02, "europe");
            m_options.add_option(u, rtrisk::option_kind::put, std::round(0.95 * s), 0.25, 0.22, 10, 10);
            m_options.add_option(u, rtrisk::option_kind::call, std::round(1.05 * s), 0.25, 0.18, -10, 10);
        }
    }

    /// A simulator over this engine's instruments, bootstrapping the real index returns.
    std::unique_ptr<simulator> make_simulator(double rate) const {
        return std::make_unique<simulator>(m_sim, m_index_returns, rate, m_cfg.seed + 1);
    }
    const std::unordered_map<std::string, std::uint32_t>& symbol_index() const { return m_index; }
    const std::vector<std::string>& symbols() const { return m_symbols; }

    /// A position's size after a trade is bounded so that every figure of the book stays
    /// finite: |quantity| <= 1e12 and |exposure| <= 1e15 (currency).
    static constexpr double max_position_quantity = 1e12;
    static constexpr double max_position_exposure = 1e15;

    /// Applies one tick: O(T) on the linear book, O(1) on the options' spots. Throws
    /// std::invalid_argument (the state unchanged) for an unknown instrument, a price or
    /// quantity outside tick_line.hpp's bounds, or a trade that would take the position
    /// beyond the bounds above.
    void apply(const tick& t) {
        if (t.instrument >= m_symbols.size()) throw std::invalid_argument("unknown instrument " + std::to_string(t.instrument));
        detail::check_bounds(t.price, t.quantity);
        const auto i = static_cast<std::size_t>(t.instrument);
        const auto& book = m_state->book();
        const double quantity = book.quantities()[i] + t.quantity;
        const double exposure = quantity * t.price * book.multipliers()[i];
        if (!(std::abs(quantity) <= max_position_quantity && std::abs(exposure) <= max_position_exposure)) {
            throw std::invalid_argument(m_symbols[i] + ": position would reach quantity " + detail::num(quantity) + ", exposure " +
                                        detail::num(exposure) + " (bounds 1e12 and 1e15)");
        }
        if (t.quantity != 0) m_state->apply_trade(i, t.quantity, t.price);
        else m_state->apply_tick(i, t.price);
        if (i < m_options.underlyings().size()) m_options.set_spot(i, t.price);
        m_last_event_us = std::max(m_last_event_us, t.event_time_us);
        ++m_ticks;
    }
    std::uint64_t ticks() const { return m_ticks; }
    std::int64_t last_event_us() const { return m_last_event_us; }
    const rtrisk::incremental_state& state() const { return *m_state; }
    const rtrisk::derivatives_book& options() const { return m_options; }

    /// Scenario P&L of the whole book: linear R x (kept incrementally) plus every option
    /// repriced in every scenario (full revaluation), and the options' per-scenario P&L matrix.
    Eigen::VectorXd scenario_pnl(Eigen::MatrixXd* option_pnl = nullptr) const {
        const auto lin = m_state->pnl();
        const auto n_idx = static_cast<Eigen::Index>(m_options.underlyings().size());
        const rtrisk::scenario_matrix<double> R_idx = m_state->scenarios().leftCols(n_idx);
        return Eigen::Map<const Eigen::VectorXd>(lin.data(), static_cast<Eigen::Index>(lin.size())) +
               rtrisk::full_revaluation_pnl<double>(m_options, R_idx, nullptr, option_pnl);
    }

    /// The full snapshot as JSON (see docs/protocol.md for the fields). `slow` refreshes the
    /// parametric VaR methods and `refresh_positions` the positions table; otherwise their last
    /// values are repeated (unchanged fields cost nothing in a delta). The publisher asks for
    /// both at lower rates than the headline numbers.
    nlohmann::json snapshot(bool slow, bool refresh_positions = true) {
        using nlohmann::json;
        Eigen::MatrixXd opt;
        const Eigen::VectorXd pnl = scenario_pnl(&opt);
        const std::span<const double> s(pnl.data(), static_cast<std::size_t>(pnl.size()));
        const double var99 = rtrisk::historical_var(s, 0.99);
        const double es975 = rtrisk::historical_es(s, 0.975);
        // Component VaR: each position's P&L in the scenario(s) at the 1 % quantile (Euler).
        const auto q = rtrisk::detail::locate_quantile(s, 0.01, rtrisk::quantile_method::linear);
        const auto& book = m_state->book();
        const auto& R = m_state->scenarios();
        const auto x = m_state->exposures();
        const auto opt_greeks = m_options.greeks_by_underlying();
        json positions = json::array();
        double opt_value = 0;
        for (std::size_t h = 0; h < m_options.holdings().size(); ++h) opt_value += m_options.holding_value(h);
        for (std::size_t i = 0; refresh_positions && i < book.size(); ++i) {
            const auto j = static_cast<Eigen::Index>(i);
            const double comp = -x[i] * ((1 - q.frac) * R(q.lo, j) + q.frac * R(q.hi, j));
            const auto p = book.position(i);
            positions.push_back({{"symbol", p.symbol}, {"quantity", p.quantity}, {"price", round6(p.price)},
                                 {"market_value", round2(p.market_value())}, {"pnl", round2(p.unrealized_pnl())},
                                 {"component_var", round2(comp)}, {"delta", round2(x[i])}});
        }
        for (std::size_t h = 0; refresh_positions && h < m_options.holdings().size(); ++h) {
            const auto& hd = m_options.holdings()[h];
            const auto& u = m_options.underlyings()[hd.underlying];
            const auto hj = static_cast<Eigen::Index>(h);
            const double comp = -((1 - q.frac) * opt(q.lo, hj) + q.frac * opt(q.hi, hj));
            const auto g = rtrisk::bsm(hd.kind, u.spot, hd.strike, hd.expiry, m_options.rate(), u.dividend, hd.vol);
            char name[48];
            std::snprintf(name, sizeof name, "%s %s %.0f", u.symbol.c_str(), hd.kind == rtrisk::option_kind::call ? "C" : "P", hd.strike);
            positions.push_back({{"symbol", name}, {"quantity", hd.quantity}, {"price", round6(g.price)},
                                 {"market_value", round2(hd.quantity * hd.multiplier * g.price)}, {"pnl", nullptr},
                                 {"component_var", round2(comp)},
                                 {"delta", round2(hd.quantity * hd.multiplier * g.delta * u.spot)}});
        }
        json greeks = json::array();
        double net_delta = book.net_exposure();
        for (std::size_t u = 0; u < opt_greeks.size(); ++u) {
            const auto& g = opt_greeks[u];
            net_delta += g.dollar_delta;
            greeks.push_back({{"underlying", m_options.underlyings()[u].symbol}, {"delta", round2(g.delta)},
                              {"dollar_delta", round2(g.dollar_delta)}, {"gamma", round6(g.gamma)},
                              {"vega", round2(g.vega)}, {"theta", round2(g.theta)}});
        }
        json stress = json::array();
        for (const auto& sc : rtrisk::standard_scenarios()) {
            const double lin = book.net_exposure() * sc.market_move;
            stress.push_back({{"name", sc.name}, {"pnl", round2(lin + rtrisk::apply(sc, m_options).pnl)}});
        }
        static const std::vector<double> spot = {-0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3};
        static const std::vector<double> vol = {-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0};
        const auto grid = rtrisk::spot_vol_grid(m_options, spot, vol);
        json rows = json::array();
        for (std::size_t i = 0; i < spot.size(); ++i) {
            json row = json::array();
            for (std::size_t j = 0; j < vol.size(); ++j) row.push_back(round2(grid(i, j) + book.net_exposure() * spot[i]));
            rows.push_back(std::move(row));
        }
        const double total_pnl = book.unrealized_pnl() + book.realized_pnl();
        json d = {{"total_pnl", round2(total_pnl)},
                  {"market_value", round2(book.market_value() + opt_value)},
                  {"gross_exposure", round2(book.gross_exposure())},
                  {"net_exposure", round2(book.net_exposure())},
                  {"net_delta", round2(net_delta)},
                  {"positions_count", book.size() + m_options.holdings().size()},
                  {"var_99", round2(var99)},
                  {"es_975", round2(es975)},
                  {"scenarios", pnl.size()},
                  {"positions", refresh_positions || m_positions.is_null() ? (m_positions = std::move(positions)) : m_positions},
                  {"greeks", std::move(greeks)},
                  {"stress", std::move(stress)},
                  {"grid", {{"spot", spot}, {"vol", vol}, {"pnl", std::move(rows)}}},
                  {"ticks_total", m_ticks}};
        if (slow || m_slow.is_null()) {
            m_slow = {{"gaussian", round2(rtrisk::gaussian_var(s, 0.99))},
                      {"cornish_fisher", round2(rtrisk::cornish_fisher_var(s, 0.99))},
                      {"historical", round2(var99)}};
        }
        d["var_methods"] = m_slow;
        return d;
    }

private:
    static double round2(double v) { return std::round(v * 100.0) / 100.0; }
    static double round6(double v) { return std::round(v * 1e6) / 1e6; }

    engine_config m_cfg;
    std::vector<std::string> m_symbols;
    std::unordered_map<std::string, std::uint32_t> m_index;
    std::vector<simulator::instrument> m_sim;
    std::vector<std::vector<double>> m_index_returns;
    std::unique_ptr<rtrisk::incremental_state> m_state;
    rtrisk::derivatives_book m_options{0.03};
    nlohmann::json m_slow;
    nlohmann::json m_positions; // the last positions table (refreshed at its own rate)
    std::uint64_t m_ticks = 0;
    std::int64_t m_last_event_us = 0;
};

} // namespace rtrisk_live
