// Price + all ten Greeks of a book of European options in one call (structure of arrays),
// and implied vol solves. Counter: options per second (one core).
#include <benchmark/benchmark.h>

#include <rtrisk/greeks.hpp>
#include <rtrisk/implied_vol.hpp>

#include <random>

namespace {
rtrisk::option_book make_book(std::size_t n) {
    std::mt19937_64 gen(17);
    std::uniform_real_distribution<double> spot(50, 150), t(0.02, 3.0), vol(0.05, 0.8);
    rtrisk::option_book book;
    for (std::size_t i = 0; i < n; ++i)
        book.push_back(i % 2 ? rtrisk::option_kind::put : rtrisk::option_kind::call, spot(gen), 100.0, t(gen), 0.03, 0.01, vol(gen));
    return book;
}
} // namespace

static void BM_bsm_book(benchmark::State& state) {
    const auto book = make_book(static_cast<std::size_t>(state.range(0)));
    rtrisk::greeks_table out;
    for (auto _ : state) {
        rtrisk::bsm(book, out);
        benchmark::DoNotOptimize(out.price.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

static void BM_implied_vol(benchmark::State& state) {
    const auto book = make_book(1000);
    rtrisk::greeks_table prices;
    rtrisk::bsm(book, prices);
    const auto solver = static_cast<rtrisk::implied_vol_solver>(state.range(0));
    for (auto _ : state) {
        double s = 0;
        for (std::size_t i = 0; i < book.size(); ++i)
            s += rtrisk::implied_vol(book.kind[i], prices.price[i], book.spot[i], book.strike[i], book.expiry[i], book.rate[i],
                                     book.dividend[i], solver).vol;
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}

BENCHMARK(BM_bsm_book)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_implied_vol)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond); // 0: TOMS 748, 1: Newton
BENCHMARK_MAIN();
