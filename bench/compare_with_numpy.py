#!/usr/bin/env python3
"""Side-by-side timings on this machine: rtrisk's Google Benchmarks against numpy and the
original design's pandas loop doing the same work, in one run. Prints a Markdown table.

Usage: /usr/bin/python3 bench/compare_with_numpy.py [BUILD_DIR]     (default: build)
Build first: scripts/build.sh --target bench_var bench_incremental

Work compared (returns ~ N(0, 0.01) from a fixed seed, exposures uniform in [-1000, 1000]):
- historical VaR 99% by full recomputation: numpy `np.percentile(R @ w, 1)` (linear, as rtrisk)
  vs rtrisk `portfolio_pnl` + `historical_var`; R is T x N = 2,500 x 10,000 (200 MB);
- the same for 100 portfolios at once: numpy `R @ W` + `np.percentile(P, 1, axis=0)` vs one GEMM;
- the original design's pandas loop `for symbol, weight: portfolio_returns += weight * returns[symbol]`
  on N = 1,000, T = 2,500, then `quantile(0.01)`;
- one tick on the incremental state (rtrisk only; the alternative is the full recomputation).
Each Python figure is the best of several runs (timeit); rtrisk's are Google Benchmark means.
"""
import json
import subprocess
import sys
import timeit

import numpy as np
import pandas as pd

T, N, P = 2_500, 10_000, 100


def best(fn, number=1, repeat=7):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def gbench(binary):
    out = subprocess.run([binary, "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        res[b["name"]] = (b["real_time"] * unit, b.get("GB/s"))
    return res


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    cpp = gbench(f"{build}/bench/bench_var")
    cpp.update(gbench(f"{build}/bench/bench_incremental"))

    rng = np.random.default_rng(12345)
    R = rng.normal(0.0, 0.01, size=(T, N))
    w = rng.uniform(-1000, 1000, size=N)
    W = rng.uniform(-1000, 1000, size=(N, P))
    np_read = best(lambda: R.sum())
    np_full = best(lambda: np.percentile(R @ w, 1.0))
    np_many = best(lambda: np.percentile(R @ W, 1.0, axis=0), repeat=3)

    n_small = 1_000
    df = pd.DataFrame(R[:, :n_small], columns=[f"S{i}" for i in range(n_small)])
    weights = dict(zip(df.columns, w[:n_small]))

    def pandas_loop():
        portfolio_returns = pd.Series(0.0, index=df.index)
        for symbol, weight in weights.items():
            portfolio_returns += weight * df[symbol]
        return -portfolio_returns.quantile(0.01)

    pd_loop = best(pandas_loop, repeat=3)
    np_small = best(lambda: np.percentile(R[:, :n_small] @ w[:n_small], 1.0))
    del R, W

    gb = N * T * 8 / 1e9
    rows = [
        ("read the 2,500 x 10,000 matrix once (memory bound)", cpp["BM_read_matrix/10000/2500"][0], np_read),
        ("historical VaR, N = 10,000, T = 2,500, full recomputation", cpp["BM_historical_var_full/10000/2500"][0], np_full),
        ("historical VaR, 100 portfolios at once (GEMM)", cpp["BM_historical_var_100_portfolios/10000/2500"][0], np_many),
        ("historical VaR, N = 1,000, T = 2,500", cpp["BM_historical_var_full/1000/2500"][0], np_small),
    ]
    print(f"numpy {np.__version__}, pandas {pd.__version__}; BLAS: "
          f"{'OpenBLAS' if 'openblas' in str(np.__config__.blas_opt_info if hasattr(np.__config__, 'blas_opt_info') else '').lower() else 'as configured by Debian (see numpy.show_config())'}")
    print()
    print("| work | rtrisk | numpy | numpy / rtrisk |")
    print("| --- | ---: | ---: | ---: |")
    for name, ours, theirs in rows:
        print(f"| {name} | {ours * 1e3:.3f} ms | {theirs * 1e3:.3f} ms | {theirs / ours:.1f}x |")
    full = cpp["BM_historical_var_full/10000/2500"][0]
    read = cpp["BM_read_matrix/10000/2500"][0]
    print()
    print(f"rtrisk full recomputation: {gb / full:.1f} GB/s effective; {full / read:.2f}x the time to read the matrix once "
          f"({gb / read:.1f} GB/s).")
    print()
    print("| work | time | speed-up vs full recomputation (N = 10,000, T = 2,500) |")
    print("| --- | ---: | ---: |")
    for name, key in (("one tick (O(T) column update)", "BM_tick/10000/2500"),
                      ("one tick + VaR 99% and ES 97.5% read (two O(T) selections)", "BM_tick_then_var_es/10000/2500"),
                      ("one tick, N = 1,000, T = 500", "BM_tick/1000/500"),
                      ("one tick + VaR/ES read, N = 1,000, T = 500", "BM_tick_then_var_es/1000/500")):
        t = cpp[key][0]
        print(f"| {name} | {t * 1e6:.3f} us | {full / t:,.0f}x |")
    print()
    print("| original design's pandas loop, N = 1,000, T = 2,500 | time | vs rtrisk |")
    print("| --- | ---: | ---: |")
    print(f"| `portfolio_returns += weight * returns[symbol]` + quantile | {pd_loop * 1e3:.1f} ms | "
          f"{pd_loop / cpp['BM_historical_var_full/1000/2500'][0]:,.0f}x slower |")


if __name__ == "__main__":
    main()
