// Historical VaR by full recomputation: P&L = R x (GEMV over the T x N matrix) then the
// quantile by selection, against the cost of reading the matrix once (the memory bound).
// Args: {N positions, T scenarios}. GB/s counts the matrix bytes read per iteration.
#include <benchmark/benchmark.h>

#include <rtrisk/var.hpp>

#include "bench_common.hpp"

static void set_counters(benchmark::State& state, double bytes) {
    state.counters["GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

// Memory bound: sum every element of R once (what any full recomputation must at least do).
static void BM_read_matrix(benchmark::State& state) {
    const auto& R = bench::scenarios(state.range(1), state.range(0));
    const Eigen::Map<const rtrisk::vector<double>> flat(R.data(), R.size()); // one linear, vectorised pass
    for (auto _ : state) benchmark::DoNotOptimize(flat.sum());
    set_counters(state, double(R.size()) * sizeof(double));
}

static void BM_historical_var_full(benchmark::State& state) {
    const auto& R = bench::scenarios(state.range(1), state.range(0));
    const auto x = bench::exposures(R.cols());
    for (auto _ : state) {
        const auto pnl = rtrisk::portfolio_pnl(R, x);
        benchmark::DoNotOptimize(rtrisk::historical_var(pnl, 0.99));
    }
    set_counters(state, double(R.size()) * sizeof(double));
    state.SetItemsProcessed(state.iterations() * R.size());
}

// 100 portfolios at once: one GEMM R X (X is N x 100), then one VaR per portfolio.
static void BM_historical_var_100_portfolios(benchmark::State& state) {
    const auto& R = bench::scenarios(state.range(1), state.range(0));
    rtrisk::scenario_matrix<double> X(R.cols(), 100);
    for (int p = 0; p < 100; ++p) X.col(p) = bench::exposures(R.cols(), 100 + p);
    for (auto _ : state) {
        const auto pnl = rtrisk::portfolio_pnl_many(R, X);
        double s = 0;
        for (int p = 0; p < 100; ++p) s += rtrisk::historical_var(pnl.col(p), 0.99);
        benchmark::DoNotOptimize(s);
    }
    set_counters(state, double(R.size()) * sizeof(double));
    state.SetItemsProcessed(state.iterations() * R.size() * 100);
}

// The quantile alone on T P&Ls (selection), to separate it from the GEMV.
static void BM_historical_var_of_pnl(benchmark::State& state) {
    const auto& R = bench::scenarios(state.range(1), 1);
    const rtrisk::vector<double> pnl = R.col(0);
    for (auto _ : state) benchmark::DoNotOptimize(rtrisk::historical_var(pnl, 0.99));
    state.SetItemsProcessed(state.iterations() * pnl.size());
}

BENCHMARK(BM_read_matrix)->Args({10'000, 2'500})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_historical_var_full)->Args({1'000, 2'500})->Args({10'000, 2'500})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_historical_var_100_portfolios)->Args({10'000, 2'500})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_historical_var_of_pnl)->Args({1, 2'500})->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
