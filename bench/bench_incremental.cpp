// One tick on the incremental state (O(T) column update) and a tick followed by a VaR/ES read
// (O(T) selection), N = 10,000 positions x T = 2,500 scenarios; compare with
// BM_historical_var_full in bench_var (the O(N T) recomputation a tick would otherwise cost).
// The _f32 variants store the scenarios in float32 (incremental_state_f32, sums in double)
// beside the double ones: a tick, and the full recomputation of a re-anchor (R x, the whole
// matrix read once). Counter "matrix_MB": the scenario matrix's size.
#include <benchmark/benchmark.h>

#include <rtrisk/incremental.hpp>

#include <random>

#include "bench_common.hpp"

namespace {
template <class Storage = double>
rtrisk::basic_incremental_state<double, Storage> make_state(Eigen::Index n, Eigen::Index t) {
    rtrisk::portfolio book;
    const auto x = bench::exposures(n);
    for (Eigen::Index i = 0; i < n; ++i) book.add({"S" + std::to_string(i), x(i) / 100.0, 100.0, 100.0});
    return rtrisk::basic_incremental_state<double, Storage>(std::move(book), bench::scenarios(t, n).template cast<Storage>());
}

template <class Storage>
void tick(benchmark::State& state) {
    auto s = make_state<Storage>(state.range(0), state.range(1));
    std::mt19937_64 gen(1);
    std::uniform_int_distribution<std::size_t> pick(0, s.position_count() - 1);
    std::size_t k = 0;
    for (auto _ : state) {
        s.apply_tick(pick(gen), 100.0 + double(++k % 7));
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["matrix_MB"] = double(s.scenarios().size() * sizeof(Storage)) / 1e6;
}

template <class Storage>
void reanchor(benchmark::State& state) {
    auto s = make_state<Storage>(state.range(0), state.range(1));
    for (auto _ : state) {
        s.reanchor();
        benchmark::DoNotOptimize(s.pnl().data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(s.scenarios().size() * sizeof(Storage)));
    state.counters["matrix_MB"] = double(s.scenarios().size() * sizeof(Storage)) / 1e6;
}
} // namespace

static void BM_tick_f64(benchmark::State& state) { tick<double>(state); }
static void BM_tick_f32(benchmark::State& state) { tick<float>(state); }
static void BM_reanchor_f64(benchmark::State& state) { reanchor<double>(state); }
static void BM_reanchor_f32(benchmark::State& state) { reanchor<float>(state); }
BENCHMARK(BM_tick_f64)->Args({10'000, 2'500})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tick_f32)->Args({10'000, 2'500})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_reanchor_f64)->Args({10'000, 2'500})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_reanchor_f32)->Args({10'000, 2'500})->Unit(benchmark::kMillisecond);

static void BM_tick(benchmark::State& state) { tick<double>(state); }

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
