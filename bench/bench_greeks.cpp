// Price + all ten Greeks of a book of European options in one call (structure of arrays),
// and implied vol solves. Counter: options per second (one core).
#include <benchmark/benchmark.h>

#include <rtrisk/detail/simd_norm_cdf.hpp>
#include <rtrisk/greeks.hpp>
#include <rtrisk/implied_vol.hpp>

#include <xsimd/xsimd.hpp>

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
    state.SetLabel("SIMD batches");
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

/// Baseline: the same book through the scalar formula, one option at a time.
static void BM_bsm_book_scalar(benchmark::State& state) {
    const auto book = make_book(static_cast<std::size_t>(state.range(0)));
    rtrisk::greeks_table out;
    out.resize(book.size());
    const rtrisk::basic_greeks_spans<double> spans{out.price, out.delta, out.gamma, out.vega, out.theta, out.rho, out.dividend_rho, out.vanna, out.volga, out.charm};
    for (auto _ : state) {
        for (std::size_t i = 0; i < book.size(); ++i)
            spans.set(i, rtrisk::detail::bsm_unchecked(book.kind[i], book.spot[i], book.strike[i], book.expiry[i], book.rate[i],
                                                      book.dividend[i], book.vol[i]));
        benchmark::DoNotOptimize(out.price.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetLabel("scalar (baseline)");
}

/// The memory floor of a book's evaluation: one pass reading the 7 input arrays once and writing
/// the 10 output arrays of the same size, one addition per output and no formula (a baseline
/// for the bound on books beyond the caches).
static void BM_bsm_book_memory_floor(benchmark::State& state) {
    const auto book = make_book(static_cast<std::size_t>(state.range(0)));
    rtrisk::greeks_table out;
    out.resize(book.size());
    for (auto _ : state) {
        const std::size_t n = book.size();
        const rtrisk::option_kind* kind = book.kind.data();
        const double *s = book.spot.data(), *k = book.strike.data(), *t = book.expiry.data(), *r = book.rate.data(),
                     *q = book.dividend.data(), *v = book.vol.data();
        double *price = out.price.data(), *delta = out.delta.data(), *gamma = out.gamma.data(), *vega = out.vega.data(),
               *theta = out.theta.data(), *rho = out.rho.data(), *drho = out.dividend_rho.data(), *vanna = out.vanna.data(),
               *volga = out.volga.data(), *charm = out.charm.data();
        for (std::size_t i = 0; i < n; ++i) {
            const double w = double(static_cast<std::uint8_t>(kind[i]));
            price[i] = s[i] + w;
            delta[i] = k[i] + w;
            gamma[i] = t[i] + w;
            vega[i] = r[i] + w;
            theta[i] = q[i] + w;
            rho[i] = v[i] + w;
            drho[i] = s[i] + k[i];
            vanna[i] = t[i] + v[i];
            volga[i] = r[i] + q[i];
            charm[i] = s[i] + v[i];
        }
        benchmark::DoNotOptimize(out.price.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetLabel("memory floor (baseline)");
}

/// Baseline: one option at a time through the scalar solver (arg 0: TOMS 748, 1: Newton).
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
    state.SetLabel(state.range(0) == 0 ? "scalar TOMS 748 (baseline)" : "scalar Newton");
}

/// The array form: SIMD Newton on batches (arg: options).
static void BM_implied_vol_simd(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto book = make_book(n);
    rtrisk::greeks_table prices;
    rtrisk::bsm(book, prices);
    std::vector<rtrisk::implied_vol_result> out(n);
    for (auto _ : state) {
        rtrisk::implied_vol<double>(book.kind, prices.price, book.spot, book.strike, book.expiry, book.rate, book.dividend, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetLabel("SIMD batches");
}

/// The normal distribution function on 4,096 arguments in [-6, 6]: SIMD batches (Cody's
/// rational approximations, detail/simd_norm_cdf.hpp) against the scalar 0.5 erfc(-x / sqrt 2).
static void BM_norm_cdf(benchmark::State& state) {
    using batch = xsimd::batch<double>;
    std::vector<double> x(4096), out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = -6 + 12.0 * static_cast<double>((i * 2654435761u) % x.size()) / static_cast<double>(x.size());
    const bool simd = state.range(0) == 1;
    for (auto _ : state) {
        if (simd) {
            for (std::size_t i = 0; i < x.size(); i += batch::size) rtrisk::detail::norm_cdf(batch::load_unaligned(&x[i])).store_unaligned(&out[i]);
        } else {
            for (std::size_t i = 0; i < x.size(); ++i) out[i] = rtrisk::detail::norm_cdf(x[i]);
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetLabel(simd ? "SIMD batches" : "scalar erfc (baseline)");
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(x.size()));
}

BENCHMARK(BM_norm_cdf)->Arg(0)->Arg(1);
BENCHMARK(BM_bsm_book_scalar)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_bsm_book)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond); // SIMD batches
BENCHMARK(BM_bsm_book_memory_floor)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_implied_vol)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond); // 0: TOMS 748, 1: Newton
BENCHMARK(BM_implied_vol_simd)->Arg(1'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
