// risk_report: VaR and ES of a portfolio of market indices from a CSV file, by every method,
// with component VaR and a backtest of rolling historical VaR. The main job of the project
// until the live stack lands (`scripts/run`).
//
//   prices.csv ──► simple returns R (T x N) ──► P&L = R w ──► VaR / ES by method
//                                          └──► component VaR (Euler) ──► table
//   rolling 250-day historical VaR ──► exceptions ──► Kupiec, Christoffersen, traffic light
//
// Usage:
//   risk_report [--prices FILE | --returns FILE] [--weights SYM=W,...] [--confidence C]
//               [--window N] [--format table|csv]
// Defaults: --prices data/eu_stock_markets.csv, equal weights, --confidence 0.99,
// --window 250, --format table. Weights are fractions of portfolio value, so VaR and ES are
// fractions (0.0213 = 2.13 % of the portfolio) and positive numbers are losses.
// `--format csv` prints every figure for each column and the portfolio, one per line, for tests.

#include <rtrisk/rtrisk.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "../common/csv.hpp"
#include "../common/parse_number.hpp"

namespace {

struct args {
    std::string prices = "data/eu_stock_markets.csv";
    std::string returns;
    std::string weights;
    double confidence = 0.99;
    int window = 250;
    std::string format = "table";
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "risk_report: " << why << "\n"
              << "usage: risk_report [--prices FILE | --returns FILE] [--weights SYM=W,...] [--confidence C]\n"
              << "                   [--window N] [--format table|csv]\n";
    std::exit(2);
}

args parse(int argc, char** argv) {
    args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage("missing value after " + k);
            return argv[++i];
        };
        if (k == "--prices") a.prices = value();
        else if (k == "--returns") a.returns = value();
        else if (k == "--weights") a.weights = value();
        else if (k == "--confidence") {
            const std::string v = value();
            const auto c = rtrisk_examples::parse_number<double>(v);
            if (!c || !(*c > 0 && *c < 1)) usage("--confidence: '" + v + "' is not a number in (0, 1)");
            a.confidence = *c;
        } else if (k == "--window") {
            const std::string v = value();
            const auto n = rtrisk_examples::parse_number<int>(v);
            if (!n || *n < 2 || *n > 1000000) usage("--window: '" + v + "' is not a whole number in [2, 1000000]");
            a.window = *n;
        }
        else if (k == "--format") a.format = value();
        else usage("unknown option " + k);
    }
    if (a.format != "table" && a.format != "csv") usage("unknown format '" + a.format + "'");
    return a;
}

Eigen::VectorXd parse_weights(const std::string& spec, const std::vector<std::string>& columns) {
    Eigen::VectorXd w = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(columns.size()), 1.0 / columns.size());
    if (spec.empty()) return w;
    w.setZero();
    std::map<std::string, Eigen::Index> index;
    for (std::size_t i = 0; i < columns.size(); ++i) index[columns[i]] = static_cast<Eigen::Index>(i);
    std::size_t start = 0;
    while (start <= spec.size()) {
        const std::size_t comma = spec.find(',', start);
        const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos) throw std::invalid_argument("weight '" + item + "' is not SYMBOL=WEIGHT");
        const std::string sym = item.substr(0, eq);
        auto it = index.find(sym);
        if (it == index.end()) throw std::invalid_argument("unknown symbol '" + sym + "' in --weights");
        const auto v = rtrisk_examples::parse_number<double>(item.substr(eq + 1));
        if (!v) throw std::invalid_argument("weight '" + item.substr(eq + 1) + "' of '" + sym + "' in --weights is not a finite number");
        w(it->second) = *v;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return w;
}

struct row {
    std::string name;
    std::string method;
    double confidence;
    double var;
    double es;
};

} // namespace

int main(int argc, char** argv) try {
    const args a = parse(argc, argv);
    const bool from_returns = !a.returns.empty();
    const auto data = rtrisk_examples::read_csv(from_returns ? a.returns : a.prices);
    const Eigen::MatrixXd R = from_returns ? data.values : rtrisk::returns_from_prices(data.values);
    const Eigen::VectorXd w = parse_weights(a.weights, data.columns);

    using rtrisk::var_method;
    const var_method methods[] = {var_method::historical, var_method::gaussian, var_method::cornish_fisher,
                                  var_method::monte_carlo};
    std::vector<row> rows;
    auto add_rows = [&](const std::string& name, const Eigen::MatrixXd& scen, const Eigen::VectorXd& x) {
        for (double c : {0.95, 0.975, 0.99}) {
            for (auto m : methods) {
                rtrisk::var_options o;
                o.method = m;
                o.confidence = c;
                rows.push_back({name, rtrisk::to_string(m), c, rtrisk::portfolio_var(scen, x, o),
                                rtrisk::portfolio_es(scen, x, o)});
            }
        }
    };
    for (Eigen::Index i = 0; i < R.cols(); ++i) {
        add_rows(data.columns[static_cast<std::size_t>(i)], R.col(i), Eigen::VectorXd::Ones(1));
    }
    add_rows("portfolio", R, w);

    rtrisk::var_options o;
    o.confidence = a.confidence;
    const Eigen::VectorXd comp_hist = rtrisk::component_var(R, w, o);
    o.method = var_method::gaussian;
    const Eigen::VectorXd comp_gauss = rtrisk::component_var(R, w, o);
    const Eigen::VectorXd incr = rtrisk::incremental_var(R, w, o);

    // Backtest: VaR for day t from the `window` days before it, compared with day t's P&L.
    const Eigen::VectorXd pnl = rtrisk::portfolio_pnl(R, w);
    const Eigen::Index n = pnl.size();
    if (a.window < 2 || a.window >= n) throw std::invalid_argument("--window " + std::to_string(a.window) + " must be in [2, " + std::to_string(n) + ")");
    std::vector<double> realised, forecast;
    for (Eigen::Index t = a.window; t < n; ++t) {
        forecast.push_back(rtrisk::historical_var(pnl.segment(t - a.window, a.window), a.confidence));
        realised.push_back(pnl(t));
    }
    const auto hits = rtrisk::var_exceptions(realised, forecast);
    std::size_t exceptions = 0;
    for (auto h : hits) exceptions += h;
    const auto pof = rtrisk::kupiec(exceptions, hits.size(), a.confidence);
    const auto ind = rtrisk::christoffersen_independence(hits);
    const auto cc = rtrisk::christoffersen_conditional_coverage(hits, a.confidence);
    std::size_t last_exceptions = 0; // the regulator's last 250 days
    const std::size_t last = std::min<std::size_t>(250, hits.size());
    for (std::size_t t = hits.size() - last; t < hits.size(); ++t) last_exceptions += hits[t];

    if (a.format == "csv") {
        std::printf("name,method,confidence,var,es\n");
        for (const auto& r : rows) std::printf("%s,%s,%.3f,%.17g,%.17g\n", r.name.c_str(), r.method.c_str(), r.confidence, r.var, r.es);
        return 0;
    }

    std::printf("rtrisk %d.%d.%d risk report: %s (%ld scenarios x %ld instruments, %s returns)\n", RTRISK_VERSION_MAJOR,
                RTRISK_VERSION_MINOR, RTRISK_VERSION_PATCH, (from_returns ? a.returns : a.prices).c_str(),
                static_cast<long>(R.rows()), static_cast<long>(R.cols()), from_returns ? "given" : "simple daily");
    std::printf("VaR and ES are positive losses, as a %% of position value, one period.\n\n");
    std::printf("%-24s %-15s %6s %9s %9s\n", "instrument", "method", "conf", "VaR %", "ES %");
    for (const auto& r : rows) {
        if (r.confidence == 0.975 && r.method != "historical") continue;
        std::printf("%-24s %-15s %6.3f %9.4f %9.4f\n", r.name.c_str(), r.method.c_str(), r.confidence, 100 * r.var, 100 * r.es);
    }
    std::printf("\nPortfolio decomposition at %.3f (weights; component VaR sums to VaR)\n", a.confidence);
    std::printf("%-24s %8s %14s %14s %14s\n", "instrument", "weight", "comp. hist %", "comp. gauss %", "incr. gauss %");
    for (Eigen::Index i = 0; i < R.cols(); ++i) {
        std::printf("%-24s %8.4f %14.4f %14.4f %14.4f\n", data.columns[static_cast<std::size_t>(i)].c_str(), w(i),
                    100 * comp_hist(i), 100 * comp_gauss(i), 100 * incr(i));
    }
    std::printf("%-24s %8.4f %14.4f %14.4f\n", "total", w.sum(), 100 * comp_hist.sum(), 100 * comp_gauss.sum());
    std::printf("\nBacktest of rolling %d-day historical VaR at %.3f over %zu days\n", a.window, a.confidence, hits.size());
    std::printf("  exceptions           %zu (expected %.1f)\n", exceptions, (1 - a.confidence) * hits.size());
    std::printf("  Kupiec POF           LR %.3f  p-value %.4f\n", pof.statistic, pof.p_value);
    std::printf("  Christoffersen ind.  LR %.3f  p-value %.4f\n", ind.statistic, ind.p_value);
    std::printf("  Christoffersen cc    LR %.3f  p-value %.4f\n", cc.statistic, cc.p_value);
    std::printf("  traffic light        %s (%zu exceptions in the last %zu days)\n",
                rtrisk::to_string(rtrisk::traffic_light(last_exceptions, last, a.confidence)), last_exceptions, last);
    return 0;
} catch (const std::exception& e) { // bad input: a file, a weight, a window too long for the data
    std::cerr << "risk_report: " << e.what() << "\n";
    return 2;
}
