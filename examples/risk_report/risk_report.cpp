// risk_report: the core from C++ in a few lines. VaR and ES of an equal-weight portfolio of the
// columns of a price file, by every method, at 95 %, 97.5 % and 99 %. The report users run
// (weights, component VaR, backtest, JSON, every refusal naming its place) is `rtrisk report`
// (python/rtrisk/cli.py, scripts/report), on the same core through the bindings.
//
//   prices.csv ──► simple returns R (T x N) ──► P&L = R w ──► VaR / ES by method
//
// Usage: risk_report [PRICES_CSV]   (default data/eu_stock_markets.csv)
// Prints `method,confidence,var,es` lines; VaR and ES are positive losses, fractions of value.

#include <rtrisk/rtrisk.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "../common/csv.hpp"

int main(int argc, char** argv) try {
    const std::string path = argc > 1 ? argv[1] : "data/eu_stock_markets.csv";
    const auto prices = rtrisk_examples::read_csv(path);
    const Eigen::MatrixXd R = rtrisk::returns_from_prices(prices.values);
    const Eigen::VectorXd w = Eigen::VectorXd::Constant(R.cols(), 1.0 / static_cast<double>(R.cols()));
    std::printf("method,confidence,var,es\n");
    for (const auto m : {rtrisk::var_method::historical, rtrisk::var_method::gaussian, rtrisk::var_method::cornish_fisher,
                         rtrisk::var_method::monte_carlo}) {
        for (const double c : {0.95, 0.975, 0.99}) {
            rtrisk::var_options o;
            o.method = m;
            o.confidence = c;
            std::printf("%s,%.3f,%.17g,%.17g\n", rtrisk::to_string(m), c, rtrisk::portfolio_var(R, w, o), rtrisk::portfolio_es(R, w, o));
        }
    }
    return 0;
} catch (const std::exception& e) { // a missing or malformed file
    std::fprintf(stderr, "risk_report: %s\n", e.what());
    return 2;
}
