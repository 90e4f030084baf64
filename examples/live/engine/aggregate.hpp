#pragma once
// The scale-out aggregator's state (docs/scaling.md): the newest record of every trades
// partition (kafka/vectors_record.hpp), summed up the node hierarchy. Vectors add, VaRs do not:
// a node's scenario P&L is the sum of the own vectors below it, and its VaR/ES come from that sum
// by the same selection as book_state::tail, so the firm's figures equal one engine's holding the
// whole book (up to the order of addition). Positions carry their scenario P&L (at the
// positions rate) for their Euler components in the firm's VaR; Greeks by underlying, stress and
// the spot x vol grid add up. Per node, top contributors stay empty here.

#include <rtrisk/rtrisk.hpp>
#include <rtrisk/book_state.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "../kafka/vectors_record.hpp"
#include "grid_axes.hpp"
#include "risk_snapshot.hpp"

namespace rtrisk_live {

class vector_aggregate {
public:
    /// Keeps `r` as its partition's newest record. A record of another partition count (the
    /// topic was repartitioned) starts the sum again; one of another scenario count is refused.
    void put(kafka::partition_vectors r) {
        if (r.partitions != m_partitions) {
            m_parts.clear();
            m_details.clear();
            m_partitions = r.partitions;
        }
        if (!m_parts.empty() && r.scenarios != m_scenarios) {
            throw std::invalid_argument("partition " + std::to_string(r.partition) + " has " + std::to_string(r.scenarios) + " scenarios, the others " +
                                        std::to_string(m_scenarios));
        }
        m_scenarios = r.scenarios;
        // the positions part comes at the positions rate: a record without it keeps the last one
        const bool detailed = r.nodes.empty() || std::any_of(r.nodes.begin(), r.nodes.end(), [](const own_vector& o) { return o.detail.has_value(); });
        if (detailed) {
            auto& d = m_details[r.partition];
            d.clear();
            for (auto& o : r.nodes) {
                if (o.detail) d.push_back(std::move(*o.detail));
                o.detail.reset();
            }
        }
        m_parts[r.partition] = std::move(r);
    }
    std::size_t partitions_seen() const { return m_parts.size(); }
    std::int32_t partitions() const { return m_partitions; }

    /// The firm's risk per node (nodes ordered by depth, parents first), var_methods of the root.
    risk_snapshot snapshot() const {
        risk_snapshot s;
        s.scenarios = m_scenarios;
        std::map<std::string, std::uint64_t> ticks_by_instance;
        std::vector<std::string> paths;
        std::unordered_map<std::string, std::size_t> index;
        std::vector<const own_vector*> own;
        auto add = [&](const std::string& path) {
            if (index.count(path)) return index[path];
            index.emplace(path, paths.size());
            paths.push_back(path);
            own.push_back(nullptr);
            return paths.size() - 1;
        };
        for (const auto& [p, r] : m_parts) {
            s.event_time_us = std::max(s.event_time_us, r.event_time_us);
            auto& t = ticks_by_instance[r.instance];
            t = std::max(t, r.ticks_total);
            for (const auto& o : r.nodes) {
                for (auto slash = o.path.find('/'); slash != std::string::npos; slash = o.path.find('/', slash + 1)) add(o.path.substr(0, slash));
                const auto i = add(o.path);
                if (own[i]) throw std::invalid_argument("node '" + o.path + "' is in two partitions");
                own[i] = &o;
            }
        }
        for (const auto& [i, t] : ticks_by_instance) s.ticks_total += t;
        // parents before children: by depth, then first appearance
        std::vector<std::size_t> order(paths.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        auto depth = [&](std::size_t i) { return static_cast<std::size_t>(std::count(paths[i].begin(), paths[i].end(), '/')); };
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return depth(a) < depth(b); });
        const std::size_t n = order.size(), T = m_scenarios;
        std::vector<std::size_t> rank(n);
        for (std::size_t k = 0; k < n; ++k) rank[order[k]] = k;
        std::vector<std::vector<double>> pnl(n, std::vector<double>(T, 0.0));
        std::vector<std::size_t> parent(n, SIZE_MAX);
        std::vector<rtrisk::basic_node_totals<double>> sums(n);
        std::vector<rtrisk::pnl_explain> explain(n);
        s.nodes.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            const auto& path = paths[order[k]];
            auto& r = s.nodes[k];
            r.path = path;
            r.depth = depth(order[k]);
            const auto slash = path.rfind('/');
            if (slash != std::string::npos) {
                r.parent = path.substr(0, slash);
                parent[k] = rank[index.at(r.parent)];
            }
            if (const auto* o = own[order[k]]) {
                sums[k] = o->totals;
                explain[k] = o->explain;
                r.positions_count = o->positions_count;
                pnl[k] = o->scenario_pnl;
                s.net_exposure += o->linear_exposure;
            }
        }
        for (std::size_t k = n; k-- > 0;) { // children (deeper) first: add each node into its parent
            if (parent[k] == SIZE_MAX) continue;
            sums[parent[k]] += sums[k];
            explain[parent[k]] += explain[k];
            s.nodes[parent[k]].positions_count += s.nodes[k].positions_count;
            for (std::size_t i = 0; i < T; ++i) pnl[parent[k]][i] += pnl[k][i];
        }
        std::vector<double> scratch(T);
        std::vector<std::optional<rtrisk::detail::quantile_scenarios>> var_scenarios(n); // located once per parent
        for (std::size_t k = 0; k < n; ++k) {
            set_totals(s.nodes[k], sums[k]);
            const std::span<const double> v(pnl[k]);
            const auto tail = rtrisk::historical_tail(v, 0.99, 0.975, std::span<double>(scratch));
            s.nodes[k].var_99 = tail.var;
            s.nodes[k].es_975 = tail.es;
            if (parent[k] == SIZE_MAX) {
                s.nodes[k].component_var = tail.var;
            } else {
                auto& q = var_scenarios[parent[k]];
                if (!q) q = rtrisk::detail::locate_quantile(std::span<const double>(pnl[parent[k]]), 1.0 - 0.99, rtrisk::quantile_method::linear);
                s.nodes[k].component_var = -rtrisk::pnl_at(v, *q);
            }
        }
        if (n == 0) return s;
        s.var_methods = var_methods_of(pnl[0], s.nodes[0].var_99);
        s.explain = std::move(explain); // since each engine's start or day
        s.factors.emplace();            // not aggregated (docs/scaling.md)
        // positions (Euler components at the root's VaR scenarios), and the additive parts summed
        const auto q = rtrisk::detail::locate_quantile(std::span<const double>(pnl[0]), 1.0 - 0.99, rtrisk::quantile_method::linear);
        auto& rows = s.positions.emplace();
        auto& greeks = s.greeks.emplace();
        auto& stress = s.stress.emplace();
        auto& grid = s.grid.emplace();
        grid.spot = grid_spot_moves();
        grid.vol = grid_vol_shifts();
        grid.pnl.assign(grid.spot.size(), std::vector<double>(grid.vol.size(), 0.0));
        for (const auto& sc : rtrisk::standard_scenarios()) stress.push_back({sc.name, 0.0});
        std::unordered_map<std::string, std::size_t> greek_index;
        for (const auto& [p, details] : m_details) {
            for (const auto& d : details) {
                for (std::size_t i = 0; i < d.positions.size(); ++i) {
                    rows.push_back(d.positions[i]);
                    rows.back().component_var = -rtrisk::pnl_at(std::span<const double>(d.position_pnl[i]), q);
                }
                for (const auto& g : d.greeks) {
                    const auto [it, fresh] = greek_index.emplace(g.underlying, greeks.size());
                    if (fresh) greeks.push_back({g.underlying, 0, 0, 0, 0, 0});
                    auto& t = greeks[it->second];
                    t.delta += g.delta;
                    t.dollar_delta += g.dollar_delta;
                    t.gamma += g.gamma;
                    t.vega += g.vega;
                    t.theta += g.theta;
                }
                for (std::size_t i = 0; i < stress.size() && i < d.stress.size(); ++i) stress[i].pnl += d.stress[i].pnl;
                for (std::size_t i = 0; i < grid.pnl.size() && i < d.grid.pnl.size(); ++i) {
                    for (std::size_t j = 0; j < grid.pnl[i].size() && j < d.grid.pnl[i].size(); ++j) grid.pnl[i][j] += d.grid.pnl[i][j];
                }
            }
        }
        return s;
    }

private:
    std::map<std::int32_t, kafka::partition_vectors> m_parts;
    std::map<std::int32_t, std::vector<own_vector::detail_part>> m_details;
    std::int32_t m_partitions = 0;
    std::size_t m_scenarios = 0;
};

} // namespace rtrisk_live
