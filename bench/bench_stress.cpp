// Full revaluation: the 13 x 7 spot x vol grid on 10,000 option positions, and historical VaR
// by repricing 1,000 options in each of 2,500 scenarios. Counter: option repricings per second.
#include <benchmark/benchmark.h>

#include <rtrisk/stress.hpp>
#include <rtrisk/var.hpp>

#include <random>

namespace {
rtrisk::derivatives_book make_book(int options, int underlyings) {
    std::mt19937_64 gen(21);
    std::uniform_real_distribution<double> k(0.7, 1.3), t(0.05, 2.0), v(0.1, 0.5), q(-10, 10);
    rtrisk::derivatives_book book(0.03);
    for (int u = 0; u < underlyings; ++u) book.add_underlying("U" + std::to_string(u), 100.0 + u, 0.01);
    for (int i = 0; i < options; ++i)
        book.add_option(static_cast<std::size_t>(i % underlyings), i % 2 ? rtrisk::option_kind::put : rtrisk::option_kind::call,
                        100.0 * k(gen), t(gen), v(gen), q(gen), 10.0);
    return book;
}
/// T x U daily-size normal returns from a fixed seed.
rtrisk::scenario_matrix<double> daily_returns(Eigen::Index t, Eigen::Index u) {
    std::mt19937_64 gen(22);
    std::normal_distribution<double> nd(0.0, 0.012);
    rtrisk::scenario_matrix<double> R(t, u);
    for (Eigen::Index i = 0; i < R.size(); ++i) R.data()[i] = nd(gen);
    return R;
}
} // namespace

static void BM_spot_vol_grid_13x7(benchmark::State& state) {
    const auto book = make_book(static_cast<int>(state.range(0)), 4);
    std::vector<double> spot, vol{-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0};
    for (int i = -6; i <= 6; ++i) spot.push_back(0.05 * i);
    for (auto _ : state) benchmark::DoNotOptimize(rtrisk::spot_vol_grid(book, spot, vol));
    state.SetItemsProcessed(state.iterations() * state.range(0) * 13 * 7);
}

/// Baseline: the same grid, every cell priced by the scalar pricer (price and Greeks, libm erfc).
static void BM_spot_vol_grid_13x7_scalar(benchmark::State& state) {
    const auto book = make_book(static_cast<int>(state.range(0)), 4);
    std::vector<double> spot, vol{-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0};
    for (int i = -6; i <= 6; ++i) spot.push_back(0.05 * i);
    for (auto _ : state) {
        std::vector<double> grid(spot.size() * vol.size(), 0.0);
        const auto holdings = book.holdings();
        for (std::size_t h = 0; h < holdings.size(); ++h) {
            const auto& p = holdings[h];
            const auto& u = book.underlyings()[p.underlying];
            const double n = p.quantity * p.multiplier, held = book.holding_value(h);
            for (std::size_t i = 0; i < spot.size(); ++i)
                for (std::size_t j = 0; j < vol.size(); ++j)
                    grid[i * vol.size() + j] += p.is_option ? n * rtrisk::detail::bsm_unchecked(p.kind, u.spot * (1 + spot[i]), p.strike, p.expiry, book.rate(),
                                                                                              u.dividend, std::max(p.vol * (1 + vol[j]), 0.0)).price - held
                                                            : n * u.spot * spot[i];
        }
        benchmark::DoNotOptimize(grid.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0) * 13 * 7);
}

static void BM_full_revaluation_var(benchmark::State& state) {
    const auto book = make_book(static_cast<int>(state.range(0)), 4);
    const auto R = daily_returns(state.range(1), 4);
    for (auto _ : state) benchmark::DoNotOptimize(rtrisk::historical_var(rtrisk::full_revaluation_pnl(book, R), 0.99));
    state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(1));
}

static void BM_delta_gamma_var(benchmark::State& state) {
    const auto book = make_book(static_cast<int>(state.range(0)), 4);
    const auto R = daily_returns(state.range(1), 4);
    for (auto _ : state) benchmark::DoNotOptimize(rtrisk::historical_var(rtrisk::delta_gamma_pnl(book, R), 0.99));
    state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(1));
}

BENCHMARK(BM_spot_vol_grid_13x7_scalar)->Arg(10'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_spot_vol_grid_13x7)->Arg(10'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_full_revaluation_var)->Args({1'000, 2'500})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_delta_gamma_var)->Args({1'000, 2'500})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
