// One tick on the incremental state (O(T) column update) and a tick followed by a VaR/ES read
// (O(T) selection), N = 10,000 positions x T = 2,500 scenarios; compare with
// BM_historical_var_full in bench_var (the O(N T) recomputation a tick would otherwise cost).
#include <benchmark/benchmark.h>

#include <rtrisk/incremental.hpp>

#include <random>

#include "bench_common.hpp"

namespace {
rtrisk::incremental_state make_state(Eigen::Index n, Eigen::Index t) {
    rtrisk::portfolio book;
    const auto x = bench::exposures(n);
    for (Eigen::Index i = 0; i < n; ++i) book.add({"S" + std::to_string(i), x(i) / 100.0, 100.0, 100.0});
    return rtrisk::incremental_state(std::move(book), bench::scenarios(t, n));
}
} // namespace

static void BM_tick(benchmark::State& state) {
    auto s = make_state(state.range(0), state.range(1));
    std::mt19937_64 gen(1);
    std::uniform_int_distribution<std::size_t> pick(0, s.position_count() - 1);
    std::size_t k = 0;
    for (auto _ : state) {
        s.apply_tick(pick(gen), 100.0 + double(++k % 7));
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}

static void BM_tick_then_var_es(benchmark::State& state) {
    auto s = make_state(state.range(0), state.range(1));
    std::mt19937_64 gen(1);
    std::uniform_int_distribution<std::size_t> pick(0, s.position_count() - 1);
    std::size_t k = 0;
    for (auto _ : state) {
        s.apply_tick(pick(gen), 100.0 + double(++k % 7));
        benchmark::DoNotOptimize(s.tail(0.99, 0.975));
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_tick)->Args({10'000, 2'500})->Args({1'000, 500})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tick_then_var_es)->Args({10'000, 2'500})->Args({1'000, 500})->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
