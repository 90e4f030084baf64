// factor_exposure.hpp: risk grouped by a position label, against the per-position decomposition.
#include <doctest/doctest.h>

#include <rtrisk/decomposition.hpp>
#include <rtrisk/expected_shortfall.hpp>
#include <rtrisk/factor_exposure.hpp>
#include <rtrisk/pnl_explain.hpp>
#include <rtrisk/var.hpp>

#include <random>

TEST_CASE("group risk: each group's own VaR/ES, exposures, and Euler components that sum to the portfolio's VaR") {
    std::mt19937_64 gen(51);
    std::normal_distribution<double> nd(0.0, 0.015);
    const int T = 400, N = 12;
    rtrisk::scenario_matrix<double> R(T, N);
    for (int j = 0; j < N; ++j)
        for (int k = 0; k < T; ++k) R(k, j) = nd(gen) + (j % 3 == 0 ? 0.5 * R(k, 0) : 0.0);
    std::vector<double> x(N);
    std::uniform_real_distribution<double> u(-1e6, 2e6);
    for (auto& e : x) e = u(gen);
    const std::vector<std::string> sector{"Tech", "Banks", "Tech", "", "Energy", "Banks", "Tech", "Energy", "", "Banks", "Tech", "Tech"};
    const auto g = rtrisk::group_risk(R, std::span<const double>(x), std::span<const std::string>(sector), 0.99, 0.975);
    REQUIRE(g.size() == 4);
    CHECK(g[0].group == "Tech");
    CHECK(g[1].group == "Banks");
    CHECK(g[2].group == ""); // positions without the label
    CHECK(g[3].group == "Energy");
    const rtrisk::vector<double> xv = rtrisk::as_vector<double>(std::span<const double>(x));
    const auto total = rtrisk::portfolio_pnl(R, xv);
    const double portfolio_var = rtrisk::historical_var(total, 0.99);
    // per-position Euler components (decomposition.hpp) summed over each group
    rtrisk::var_options o;
    o.confidence = 0.99;
    const auto per_position = rtrisk::component_var(R, xv, o);
    double sum = 0;
    for (const auto& grp : g) {
        rtrisk::vector<double> xg = rtrisk::vector<double>::Zero(N);
        double net = 0, gross = 0, component = 0;
        std::size_t members = 0;
        for (int j = 0; j < N; ++j) {
            if (sector[static_cast<std::size_t>(j)] != grp.group) continue;
            xg(j) = x[static_cast<std::size_t>(j)];
            net += xg(j);
            gross += std::abs(xg(j));
            component += per_position(j);
            ++members;
        }
        const auto pg = rtrisk::portfolio_pnl(R, xg);
        CHECK(grp.members == members);
        CHECK(grp.net_exposure == doctest::Approx(net).epsilon(1e-14));
        CHECK(grp.gross_exposure == doctest::Approx(gross).epsilon(1e-14));
        CHECK(grp.var == doctest::Approx(rtrisk::historical_var(pg, 0.99)).epsilon(1e-12));
        CHECK(grp.es == doctest::Approx(rtrisk::historical_es(pg, 0.975)).epsilon(1e-12));
        CHECK(grp.component_var == doctest::Approx(component).epsilon(1e-10));
        sum += grp.component_var;
    }
    CHECK(sum == doctest::Approx(portfolio_var).epsilon(1e-10));
}

TEST_CASE("group risk refuses mismatched inputs, naming them") {
    rtrisk::scenario_matrix<double> R = rtrisk::scenario_matrix<double>::Constant(100, 2, 0.01);
    const std::vector<double> x{1, 2};
    const std::vector<std::string> one{"A"};
    CHECK_THROWS_WITH_AS(rtrisk::group_risk(R, std::span<const double>(x), std::span<const std::string>(one), 0.99, 0.975),
                         doctest::Contains("labels"), std::invalid_argument);
    const std::vector<std::string> two{"A", "B"};
    CHECK_THROWS_AS(rtrisk::group_risk(R, std::span<const double>(x), std::span<const std::string>(two), 1.5, 0.975), std::invalid_argument);
}

TEST_CASE("group risk and P&L explain in float agree with double to float precision") {
    std::mt19937_64 gen(52);
    std::normal_distribution<double> nd(0.0, 0.01);
    rtrisk::scenario_matrix<double> R(300, 4);
    for (Eigen::Index j = 0; j < 4; ++j)
        for (Eigen::Index k = 0; k < 300; ++k) R(k, j) = nd(gen);
    const rtrisk::scenario_matrix<float> Rf = R.cast<float>();
    const std::vector<double> x{1e5, -2e5, 3e5, 5e4};
    const std::vector<float> xf(x.begin(), x.end());
    const std::vector<std::string> labels{"A", "B", "A", "B"};
    const auto d = rtrisk::group_risk(R, std::span<const double>(x), std::span<const std::string>(labels), 0.99, 0.975);
    const auto f = rtrisk::group_risk(Rf, std::span<const float>(xf), std::span<const std::string>(labels), 0.99, 0.975);
    REQUIRE(f.size() == d.size());
    for (std::size_t g = 0; g < d.size(); ++g) {
        CHECK(f[g].var == doctest::Approx(d[g].var).epsilon(1e-5));
        CHECK(f[g].component_var == doctest::Approx(d[g].component_var).epsilon(1e-4));
    }
    const auto ed = rtrisk::explain_option(rtrisk::option_kind::put, 10.0, 100.0, 97.0, 95.0, 0.5, 0.01, 0.02, 0.0, 0.25, 0.26);
    const auto ef = rtrisk::explain_option(rtrisk::option_kind::put, 10.0f, 100.0f, 97.0f, 95.0f, 0.5f, 0.01f, 0.02f, 0.0f, 0.25f, 0.26f);
    CHECK(ef.actual == doctest::Approx(ed.actual).epsilon(1e-4));
    CHECK(ef.delta == doctest::Approx(ed.delta).epsilon(1e-5));
    CHECK(ef.gamma == doctest::Approx(ed.gamma).epsilon(1e-4));
}
