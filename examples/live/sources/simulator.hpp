#pragma once
// The market simulator: a bootstrap of the history's daily returns, run at a chosen market
// speed. Each step draws one historical day d and moves every instrument at once (so the
// history's correlations hold), over h simulated days per step:
//
//     r_j = mu_j h + (R(d, j) - mu_j) sqrt(h)      mu_j: the mean daily return of column j
//
// so drift grows with h and volatility with sqrt(h), as over real time: after 1/h steps the
// drift is one day's mean and the variance one day's variance (time-consistent). A proxied
// instrument moves beta x its proxy's r. Paced to `rate` ticks per second (0: as fast as the
// engine takes them), one tick per instrument per step.

#include <Eigen/Core>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "source.hpp"

namespace rtrisk_live {

class simulator : public source {
public:
    struct follower {
        std::uint32_t instrument; ///< the proxied instrument
        std::size_t proxy;        ///< the history column it follows
        double beta;
    };
    /// `prices`: current price per instrument (instruments 0 .. H-1 are the history's columns,
    /// H = history_returns.cols()); `days_per_step` h in (0, 1].
    simulator(std::vector<double> prices, Eigen::MatrixXd history_returns, std::vector<follower> followers, double rate,
              double days_per_step, std::uint64_t seed = 1)
        : m_price(std::move(prices)), m_hist(std::move(history_returns)), m_followers(std::move(followers)), m_rate(rate),
          m_h(days_per_step), m_gen(seed), m_start(std::chrono::steady_clock::now()) {
        if (m_hist.rows() == 0 || m_hist.cols() == 0) throw std::invalid_argument("simulator needs history returns");
        if (static_cast<std::size_t>(m_hist.cols()) > m_price.size()) throw std::invalid_argument("simulator: fewer prices than history columns");
        if (!(m_h > 0 && m_h <= 1)) throw std::invalid_argument("simulator: days per step outside (0, 1]");
        m_mean = m_hist.colwise().mean();
        m_move.resize(m_price.size());
    }
    bool next(std::vector<tick>& batch, std::size_t max) override {
        const std::size_t n = m_price.size();
        std::uint64_t due = max;
        if (m_rate > 0) {
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
            const auto target = static_cast<std::uint64_t>(elapsed * m_rate);
            due = std::min<std::uint64_t>(max, target > m_emitted ? target - m_emitted : 0);
        }
        std::uniform_int_distribution<Eigen::Index> day(0, m_hist.rows() - 1);
        const std::int64_t t = now_us();
        const double sq = std::sqrt(m_h);
        std::uint64_t steps = due / n; // whole steps only; a book wider than `max` still moves
        if (steps == 0 && due > 0 && n > max) steps = 1;
        for (std::uint64_t s = 0; s < steps; ++s) {
            const Eigen::Index d = day(m_gen);
            for (Eigen::Index j = 0; j < m_hist.cols(); ++j) m_move[static_cast<std::size_t>(j)] = m_mean(j) * m_h + (m_hist(d, j) - m_mean(j)) * sq;
            for (const auto& f : m_followers) m_move[f.instrument] = f.beta * m_move[f.proxy];
            for (std::size_t i = 0; i < n; ++i) {
                const double g = 1 + m_move[i];
                if (g > 0) m_price[i] *= g; // a move to 0 or below is skipped
                batch.push_back({t, static_cast<std::uint32_t>(i), m_price[i], 0.0, 0, {}});
            }
            m_emitted += n;
        }
        return true;
    }
    std::uint64_t emitted() const { return m_emitted; }
    std::span<const double> prices() const { return m_price; }

private:
    std::vector<double> m_price;
    Eigen::MatrixXd m_hist;
    std::vector<follower> m_followers;
    double m_rate;
    double m_h;
    std::mt19937_64 m_gen;
    std::chrono::steady_clock::time_point m_start;
    Eigen::RowVectorXd m_mean;
    std::vector<double> m_move;
    std::uint64_t m_emitted = 0;
};

} // namespace rtrisk_live
