// The core on the real data of data/ (see data/README.md). numpy agreement of the report is
// checked by tests/python/check_report_against_numpy.py; these cases check the core's own
// identities on the same files.
#include <doctest/doctest.h>

#include <rtrisk/rtrisk.hpp>

#include <algorithm>
#include <vector>

#include "common/csv.hpp"
#include "rtrisk_data_dir.hpp"

namespace {
const std::string data_dir = rtrisk_data_dir;
}

TEST_CASE("EuStockMarkets: shapes, returns and portfolio identities") {
    const auto t = rtrisk_examples::read_csv(data_dir + "/eu_stock_markets.csv");
    REQUIRE(t.columns == std::vector<std::string>{"DAX", "SMI", "CAC", "FTSE"});
    REQUIRE(t.values.rows() == 1860);
    const Eigen::MatrixXd R = rtrisk::returns_from_prices(t.values);
    REQUIRE(R.rows() == 1859);
    // First DAX return from the first two prices of the file: 1613.63 / 1628.75 - 1.
    CHECK(R(0, 0) == doctest::Approx(1613.63 / 1628.75 - 1).epsilon(1e-15));
    const Eigen::VectorXd w = Eigen::VectorXd::Constant(4, 0.25);
    const Eigen::VectorXd pnl = rtrisk::portfolio_pnl(R, w);
    std::vector<double> loop(static_cast<std::size_t>(R.rows()), 0.0); // the original design's loop
    for (int i = 0; i < 4; ++i)
        for (Eigen::Index k = 0; k < R.rows(); ++k) loop[k] += 0.25 * R(k, i);
    rtrisk::var_options o;
    for (double c : {0.95, 0.99}) {
        o.confidence = c;
        CHECK(rtrisk::portfolio_var(R, w, o) == doctest::Approx(rtrisk::historical_var(loop, c)).epsilon(1e-12));
        CHECK(rtrisk::component_var(R, w, o).sum() == doctest::Approx(rtrisk::portfolio_var(R, w, o)).epsilon(1e-12));
    }
    // Diversification: the portfolio's VaR is below the weighted sum of the indices' VaRs.
    o.confidence = 0.99;
    double undiversified = 0;
    for (int i = 0; i < 4; ++i) undiversified += 0.25 * rtrisk::historical_var(R.col(i), 0.99);
    CHECK(rtrisk::portfolio_var(R, w, o) < undiversified);
}

TEST_CASE("EDHEC: monthly returns, the tail needs enough months") {
    const auto t = rtrisk_examples::read_csv(data_dir + "/edhec_returns.csv");
    REQUIRE(t.values.rows() == 293);
    REQUIRE(t.values.cols() == 13);
    const Eigen::VectorXd r = t.values.col(0);
    CHECK(rtrisk::historical_var(r, 0.99) > 0);
    CHECK_THROWS_WITH_AS(rtrisk::historical_var(r, 0.999),
                         "historical VaR at confidence 0.999 needs at least 1000 scenarios, got 293",
                         std::invalid_argument);
}

TEST_CASE("the CSV reader names the line of a malformed row") {
    const std::string path = "rtrisk_malformed_test.csv";
    {
        std::ofstream f(path);
        f << "day,A,B\n1,1.5,2\n2,1.6,abc\n";
    }
    CHECK_THROWS_WITH_AS(rtrisk_examples::read_csv(path), (path + ":3: field 'abc' in column B is not a finite number").c_str(),
                         std::runtime_error);
    {
        std::ofstream f(path);
        f << "day,A,B\n1,1.5\n";
    }
    CHECK_THROWS_WITH_AS(rtrisk_examples::read_csv(path), (path + ":2: expected 3 fields, got 2").c_str(),
                         std::runtime_error);
    std::remove(path.c_str());
}

TEST_CASE("float32 scenarios on the real data: the accuracy cost of storing the returns in float") {
    // EuStockMarkets (1,859 daily returns x 4) and EDHEC (293 monthly x 13): the portfolio's
    // figures from an incremental state storing R in float (sums in double) against double
    // storage. Each return rounds by at most 2^-24 relative; the VaR moves by about that much,
    // since it is one (or two interpolated) scenario P&L(s). Measured (docs/conventions.md):
    // at most 6.4e-8 relative; asserted at 1e-6.
    double worst = 0;
    for (const char* file : {"/eu_stock_markets.csv", "/edhec_returns.csv"}) {
        const auto t = rtrisk_examples::read_csv(data_dir + file);
        const Eigen::MatrixXd R = std::string(file) == "/eu_stock_markets.csv" ? Eigen::MatrixXd(rtrisk::returns_from_prices(t.values)) : t.values;
        rtrisk::portfolio book;
        for (Eigen::Index j = 0; j < R.cols(); ++j) book.add({t.columns[static_cast<std::size_t>(j)], 1000.0 * double(j + 1), 100.0, 100.0});
        const rtrisk::incremental_state d(book, R);
        const rtrisk::incremental_state_f32 f(book, R.cast<float>());
        const auto rel = [&](double a, double b) { return std::abs(a - b) / std::abs(b); };
        for (const double c : {0.95, 0.975}) {
            const auto td = d.tail(c, c), tf = f.tail(c, c);
            worst = std::max({worst, rel(tf.var, td.var), rel(tf.es, td.es)});
            for (const auto m : {rtrisk::scenario_weighting::ewma, rtrisk::scenario_weighting::filtered_historical, rtrisk::scenario_weighting::age_weighted}) {
                const auto wd = d.weighted_tail({m, 0.97}, c, c), wf = f.weighted_tail({m, 0.97}, c, c);
                worst = std::max({worst, rel(wf.var, wd.var), rel(wf.es, wd.es)});
            }
        }
    }
    MESSAGE("float32 scenarios, largest relative change of a VaR or ES on the real data: " << worst);
    CHECK(worst < 1e-6);
    CHECK(worst > 0); // float storage does round
}
