// book_state.hpp: per-node scenario P&L vectors kept incrementally. After many random ticks and
// trades every node's vector, VaR and ES equal a full recomputation from the final state, and
// that recomputation equals the core's batch full revaluation (stress.hpp) node by node.
#include <doctest/doctest.h>

#include <rtrisk/book_state.hpp>
#include <rtrisk/expected_shortfall.hpp>
#include <rtrisk/stress.hpp>
#include <rtrisk/var.hpp>

#include <random>

namespace {
using rtrisk::book_state;

/// Three underlyings, T scenarios of returns in (-10 %, +10 %).
book_state make_state(std::size_t T, std::uint64_t seed, std::vector<double> spots = {100.0, 250.0, 40.0}) {
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> r(0.0, 0.02);
    rtrisk::scenario_matrix<double> R(static_cast<Eigen::Index>(T), 3);
    for (Eigen::Index i = 0; i < R.rows(); ++i)
        for (Eigen::Index j = 0; j < 3; ++j) R(i, j) = std::clamp(r(gen), -0.1, 0.1);
    book_state st({"AAA", "BBB", "CCC"}, std::move(spots), {0.01, 0.0, 0.02}, std::move(R), 0.03);
    for (std::size_t u = 0; u < 3; ++u) st.add_contract({st.underlyings()[u], u, false, rtrisk::option_kind::call, 0, 0, 0});
    st.add_contract({"AAA C100", 0, true, rtrisk::option_kind::call, 100, 0.5, 0.25});
    st.add_contract({"AAA P90", 0, true, rtrisk::option_kind::put, 90, 0.25, 0.3});
    st.add_contract({"BBB P240", 1, true, rtrisk::option_kind::put, 240, 1.0, 0.2});
    return st;
}

/// The same book rebuilt from scratch: same nodes, contracts and positions at the final spots.
book_state rebuild(const book_state& s) {
    book_state fresh({s.underlyings().begin(), s.underlyings().end()}, {s.spots().begin(), s.spots().end()},
                     {s.dividends().begin(), s.dividends().end()}, s.scenarios(), s.rate());
    for (const auto& c : s.contracts()) fresh.add_contract(c);
    for (const auto& n : s.nodes()) fresh.add_node(n.path);
    for (const auto& p : s.positions()) fresh.add_position(p.node, p.contract, p.quantity, p.multiplier, p.cost);
    return fresh;
}

/// Node n's scenario P&L from the core's batch full revaluation of its subtree's holdings.
Eigen::VectorXd batch_pnl(const book_state& s, std::size_t n) {
    rtrisk::derivatives_book b(s.rate());
    for (std::size_t u = 0; u < s.underlyings().size(); ++u) b.add_underlying(s.underlyings()[u], s.spots()[u], s.dividends()[u]);
    for (const auto& p : s.positions()) {
        bool below = false;
        for (std::size_t k = p.node; k != book_state::npos; k = s.nodes()[k].parent) below = below || k == n;
        if (!below) continue;
        const auto& c = s.contracts()[p.contract];
        if (c.is_option) b.add_option(c.underlying, c.kind, c.strike, c.expiry, c.vol, p.quantity, p.multiplier);
        else b.add_linear(c.underlying, p.quantity, p.multiplier);
    }
    if (b.holdings().empty()) return Eigen::VectorXd::Zero(s.scenarios().rows());
    return rtrisk::full_revaluation_pnl<double>(b, s.scenarios());
}

double rel(double a, double b) { return std::abs(a - b) / std::max(1.0, std::max(std::abs(a), std::abs(b))); }
} // namespace

TEST_CASE("a hierarchy of nodes: paths, one root, parents before children") {
    auto st = make_state(100, 1);
    const auto leaf = st.add_node("FIRM/Equities/EU/alice");
    CHECK(st.nodes().size() == 4);
    CHECK(st.nodes()[leaf].depth == 3);
    CHECK(st.nodes()[st.nodes()[leaf].parent].path == "FIRM/Equities/EU");
    CHECK(st.add_node("FIRM/Equities/EU/alice") == leaf);
    CHECK_THROWS_WITH_AS(st.add_node("BANK/x"), "node path 'BANK' has root 'BANK', the book's root is 'FIRM'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(st.add_node("FIRM//x"), "node path 'FIRM//x' has an empty segment", std::invalid_argument);
    CHECK_THROWS_WITH_AS(st.add_node("FIRM/x/"), "node path 'FIRM/x/' has an empty segment", std::invalid_argument);
    CHECK_THROWS_WITH_AS(st.add_node("FIRM/../etc"), "node path 'FIRM/..' has a '..' segment", std::invalid_argument);
    CHECK_THROWS_WITH_AS(st.add_node("FIRM/./x"), "node path 'FIRM/.' has a '.' segment", std::invalid_argument);
    CHECK(st.nodes().size() == 4); // nothing half-added
    CHECK_NOTHROW(st.add_node("FIRM/.hidden/..x")); // dots within a name are names
}

TEST_CASE("after 10^5 random ticks and trades every node equals a full recomputation (1e-9 relative)") {
    auto st = make_state(250, 7);
    const char* leaves[] = {"FIRM/Eq/EU/alice", "FIRM/Eq/EU/bob", "FIRM/Eq/US/carol", "FIRM/Deriv/Index/dan"};
    std::mt19937_64 gen(11);
    std::uniform_int_distribution<std::size_t> pick_leaf(0, 3), pick_contract(0, 5), pick_u(0, 2);
    std::uniform_real_distribution<double> move(-0.01, 0.01), qty(-50, 50);
    for (const char* l : leaves) st.add_position(st.add_node(l), pick_contract(gen), 10, 1, 100);
    for (int k = 0; k < 100'000; ++k) {
        if (k % 10 == 0) { // a trade, maybe opening a position at a node (or a new node)
            const std::string node = k % 1000 == 0 ? "FIRM/New/book" + std::to_string(k / 1000 % 5) : leaves[pick_leaf(gen)];
            const auto n = st.add_node(node);
            const auto c = pick_contract(gen);
            auto p = st.find_position(n, c);
            if (p == book_state::npos) p = st.add_position(n, c, 0, c >= 3 ? 10 : 1, 0);
            double q = std::round(qty(gen));
            if (q == 0) q = 1;
            st.apply_trade(p, q, st.unit_greeks(c).price);
        } else {
            const auto u = pick_u(gen);
            st.set_spot(u, st.spots()[u] * (1 + move(gen)) + (u == 0 ? (100 - st.spots()[u]) * 1e-3 : 0)); // AAA mean-reverts near its strikes
        }
    }
    const auto fresh = rebuild(st);
    REQUIRE(fresh.nodes().size() == st.nodes().size());
    for (std::size_t n = 0; n < st.nodes().size(); ++n) {
        CAPTURE(st.nodes()[n].path);
        const auto a = st.pnl(n), b = fresh.pnl(n);
        double scale = 0, worst = 0;
        for (std::size_t i = 0; i < a.size(); ++i) scale = std::max(scale, std::abs(b[i]));
        for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
        CHECK(worst <= 1e-9 * std::max(1.0, scale)); // rounding of 10^5 updates, each ~1e-16 of the vector's scale
        const auto ta = st.tail(n, 0.99, 0.975), tb = fresh.tail(n, 0.99, 0.975);
        CHECK(rel(ta.var, tb.var) <= 1e-9);
        CHECK(rel(ta.es, tb.es) <= 1e-9);
    }
}

TEST_CASE("every node's scenario P&L equals the core's batch full revaluation of its subtree") {
    auto st = make_state(300, 3);
    const auto a = st.add_node("FIRM/A/x"), b = st.add_node("FIRM/A/y"), c = st.add_node("FIRM/B/z");
    st.add_position(a, 0, 100, 1, 95);
    st.add_position(a, 3, -20, 100, 5);
    st.add_position(b, 4, 30, 100, 2);
    st.add_position(b, 1, -40, 1, 260);
    st.add_position(c, 5, 15, 50, 10);
    st.add_position(c, 0, 60, 1, 101);
    st.set_spot(0, 104.5);
    st.set_spot(1, 230);
    for (std::size_t n = 0; n < st.nodes().size(); ++n) {
        CAPTURE(st.nodes()[n].path);
        const Eigen::VectorXd batch = batch_pnl(st, n);
        const auto inc = st.pnl(n);
        // Options are repriced on SIMD batches (N to ~3e-16 absolute, detail/simd_norm_cdf.hpp),
        // the batch path one by one: equal to 1e-12 of the vector's scale (max |P&L|).
        double scale = 0, worst = 0;
        for (std::size_t i = 0; i < inc.size(); ++i) scale = std::max(scale, std::abs(batch(static_cast<Eigen::Index>(i))));
        for (std::size_t i = 0; i < inc.size(); ++i) worst = std::max(worst, std::abs(inc[i] - batch(static_cast<Eigen::Index>(i))));
        CHECK(worst <= 1e-12 * scale);
        const auto t = st.tail(n, 0.99, 0.975);
        CHECK(t.var == doctest::Approx(rtrisk::historical_var(batch, 0.99)).epsilon(1e-12));
        CHECK(t.es == doctest::Approx(rtrisk::historical_es(batch, 0.975)).epsilon(1e-12));
    }
}

TEST_CASE("Euler components: children and direct positions sum to the node's VaR") {
    auto st = make_state(500, 5);
    const auto a = st.add_node("FIRM/A"), b = st.add_node("FIRM/B"), root = std::size_t{0};
    st.add_position(a, 0, 100, 1, 100);
    st.add_position(a, 3, -30, 100, 5);
    st.add_position(b, 1, 50, 1, 250);
    st.add_position(root, 2, -80, 1, 40); // held at the root itself
    const auto comp = st.component_var(root, 0.99);
    REQUIRE(comp.children.size() == 2);
    REQUIRE(comp.positions.size() == 1);
    const double sum = comp.children[0] + comp.children[1] + comp.positions[0];
    CHECK(sum == doctest::Approx(st.tail(root, 0.99, 0.99).var).epsilon(1e-12));
    const auto top = st.top_contributors(root, 0.99, 10);
    REQUIRE(top.size() == 4);
    double all = 0;
    for (std::size_t i = 0; i < top.size(); ++i) {
        all += top[i].second;
        if (i > 0) CHECK(top[i - 1].second >= top[i].second);
    }
    CHECK(all == doctest::Approx(st.tail(root, 0.99, 0.99).var).epsilon(1e-12));
}

TEST_CASE("trades: average cost, realised P&L, and refusals that leave the state unchanged") {
    auto st = make_state(100, 2);
    const auto n = st.add_node("FIRM");
    const auto p = st.add_position(n, 0, 10, 1, 100);
    CHECK(st.apply_trade(p, 10, 110) == 0);
    CHECK(st.positions()[p].cost == 105);
    CHECK(st.apply_trade(p, -5, 115) == doctest::Approx(50)); // 5 x (115 - 105)
    CHECK(st.apply_trade(p, -25, 100) == doctest::Approx(-75)); // 15 closed at -5, then short 10 at 100
    CHECK(st.positions()[p].quantity == -10);
    CHECK(st.positions()[p].cost == 100);
    const auto before = std::vector<double>(st.pnl(n).begin(), st.pnl(n).end());
    CHECK_THROWS_WITH_AS(st.apply_trade(p, 0, 100), "trade quantity is 0", std::invalid_argument);
    CHECK_THROWS_AS(st.set_spot(0, -1), std::invalid_argument);
    CHECK_THROWS_AS(st.set_spot(0, std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK_THROWS_AS(st.add_position(n, 0, 1, 0, 1), std::invalid_argument);
    CHECK(std::vector<double>(st.pnl(n).begin(), st.pnl(n).end()) == before);
}
