#!/usr/bin/env python3
"""rtrisk from Python against the peers, in one run on this machine. Prints Markdown tables.

Usage: .venv/bin/python bench/bench_python.py [--openblas DIR]   (after scripts/python_install.sh)

--openblas DIR adds numpy on OpenBLAS (one thread) as the VaR baseline, run in a child process
with LD_LIBRARY_PATH=DIR only (the system's BLAS is left alone). DIR holds Debian's
libopenblas0-pthread libraries:
    apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/openblas
    .venv/bin/python bench/bench_python.py --openblas /tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread

- VaR 99 %, historical, N = 10,000 x T = 2,500: rtrisk.var vs numpy (R @ w + np.percentile)
  vs the original design's pandas loop (N = 1,000 for pandas: it is too slow at 10,000);
- rtrisk.bsm (price + 10 Greeks) on 1,000,000 options vs a numpy/scipy vectorised Black-Scholes
  (price + delta + gamma + vega + theta + rho only) vs QuantLib-Python's AnalyticEuropeanEngine
  on a 2,000-option sample (per-option rate extrapolated);
- rtrisk.implied_vol (Newton on SIMD batches) on 100,000 option prices vs scipy.optimize.newton
  on the same arrays (vectorised Newton on vega) vs QuantLib-Python's
  EuropeanOption.impliedVolatility on a 2,000-option sample (extrapolated), each with the share
  of vols it recovers to 1e-8.
Best of several runs (timeit).
"""
import argparse
import json
import os
import subprocess
import sys
import timeit

import numpy as np
import pandas as pd
import QuantLib as ql
from scipy import optimize, stats

import rtrisk


def best(fn, repeat=5, number=1):
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def scipy_bsm(s, k, t, r, q, v, is_call):
    sq = np.sqrt(t)
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / (v * sq)
    d2 = d1 - v * sq
    w = np.where(is_call, 1.0, -1.0)
    dq, dr = np.exp(-q * t), np.exp(-r * t)
    nd1, nd2, pdf = stats.norm.cdf(w * d1), stats.norm.cdf(w * d2), stats.norm.pdf(d1)
    price = w * (s * dq * nd1 - k * dr * nd2)
    delta = w * dq * nd1
    gamma = dq * pdf / (s * v * sq)
    vega = s * dq * pdf * sq
    theta = -s * dq * pdf * v / (2 * sq) + w * (q * s * dq * nd1 - r * k * dr * nd2)
    rho = w * k * t * dr * nd2
    return price, delta, gamma, vega, theta, rho


def quantlib_market(r, q):
    """QuantLib's flat market: today, the spot and vol quotes, the process and its analytic engine."""
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot = ql.SimpleQuote(100.0)
    vol = ql.SimpleQuote(0.2)
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot), ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), ql.QuoteHandle(vol), dc)))
    return today, spot, vol, process, ql.AnalyticEuropeanEngine(process)


def quantlib_sample(s, k, t, r, q, v, is_call):
    today, spot, vol, process, engine = quantlib_market(r, q)
    options = []
    for ki, ti, ci in zip(k, t, is_call):
        o = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if ci else ql.Option.Put, float(ki)),
                              ql.EuropeanExercise(today + max(1, int(round(ti * 365)))))
        o.setPricingEngine(engine)
        options.append(o)

    def run():
        total = 0.0
        for o, si, vi in zip(options, s, v):
            spot.setValue(float(si))
            vol.setValue(float(vi))
            total += o.NPV() + o.delta() + o.gamma() + o.vega() + o.theta() + o.rho()
        return total

    return run


def scipy_implied_vol(price, s, k, t, r, q, is_call):
    """Vectorised Newton on vega (scipy.optimize.newton over arrays), from 0.3."""
    w = np.where(is_call, 1.0, -1.0)
    sq = np.sqrt(t)

    def f(v):
        d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / (v * sq)
        d2 = d1 - v * sq
        return w * (s * np.exp(-q * t) * stats.norm.cdf(w * d1) - k * np.exp(-r * t) * stats.norm.cdf(w * d2)) - price

    def vega(v):
        d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / (v * sq)
        return s * np.exp(-q * t) * stats.norm.pdf(d1) * sq

    return optimize.newton(f, np.full_like(s, 0.3), fprime=vega, tol=1e-12, maxiter=100, disp=False)


def quantlib_implied_vol_sample(s, k, t, r, q, v, is_call):
    """QuantLib's impliedVolatility, one option at a time, on prices from its own engine at v."""
    today, spot, vol, process, engine = quantlib_market(r, q)
    cases = []
    for si, ki, ti, vi, ci in zip(s, k, t, v, is_call):
        o = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if ci else ql.Option.Put, float(ki)),
                              ql.EuropeanExercise(today + max(1, int(round(ti * 365)))))
        o.setPricingEngine(engine)
        spot.setValue(float(si))
        vol.setValue(float(vi))
        cases.append((o, float(si), o.NPV(), float(vi)))

    def run():
        out = []
        for o, si, price, _ in cases:
            spot.setValue(si)
            try:
                out.append(o.impliedVolatility(price, process, 1e-12, 200, 1e-7, 10.0))
            except RuntimeError:  # QuantLib throws where it cannot bracket the root
                out.append(float("nan"))
        return np.array(out)

    return run, np.array([c[3] for c in cases])


T, N, P = 2_500, 10_000, 100


def var_data():
    """The returns (T x N), one portfolio's weights and P portfolios' (N x P): the same in every process."""
    rng = np.random.default_rng(12345)
    R = rng.normal(0.0, 0.01, size=(T, N))
    w = rng.uniform(-1, 1, N)
    W = rng.uniform(-1, 1, (N, P))
    return R, w, W


def numpy_var_timings():
    """numpy's VaR timings (C and F order, P portfolios), as the baseline child prints them."""
    R, w, W = var_data()
    F = np.asfortranarray(R)
    out = {"c": best(lambda: -np.percentile(R @ w, 1.0)), "f": best(lambda: -np.percentile(F @ w, 1.0)),
           "many": best(lambda: -np.percentile(R @ W, 1.0, axis=0), repeat=3),
           "var": float(-np.percentile(R @ w, 1.0)), "blas": sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l})}
    return out


def openblas_baseline(libdir):
    env = dict(os.environ, LD_LIBRARY_PATH=libdir, OPENBLAS_NUM_THREADS="1")
    run = subprocess.run([sys.executable, __file__, "--numpy-baseline"], env=env, check=True, capture_output=True, text=True)
    out = json.loads(run.stdout)
    if not any("openblas" in p for p in out["blas"]):
        raise SystemExit(f"the baseline did not load OpenBLAS from {libdir}: {out['blas']}")
    return out


def main(openblas=None):
    R, w, W = var_data()
    t_rtrisk = best(lambda: rtrisk.var(R, w, 0.99))
    t_numpy = best(lambda: -np.percentile(R @ w, 1.0))
    assert abs(rtrisk.var(R, w, 0.99) + np.percentile(R @ w, 1.0)) < 1e-12 * abs(np.percentile(R @ w, 1.0))
    # P portfolios at once: one pass over R (a GEMM) against one call per portfolio, and numpy
    F = np.asfortranarray(R)
    t_rtrisk_f = best(lambda: rtrisk.var(F, w, 0.99))
    t_many = best(lambda: rtrisk.var(R, W, 0.99), repeat=3)
    t_loop = best(lambda: [rtrisk.var(R, W[:, p], 0.99) for p in range(P)], repeat=1)
    t_numpy_many = best(lambda: -np.percentile(R @ W, 1.0, axis=0), repeat=3)
    assert np.allclose(rtrisk.var(R, W, 0.99), -np.percentile(R @ W, 1.0, axis=0), rtol=1e-10)
    # float32 returns read in place, sums in double, against float64 and numpy's float32 R @ w
    R32 = R.astype(np.float32)
    w32 = w.astype(np.float32)
    t_rtrisk32 = best(lambda: rtrisk.var(R32, w, 0.99))
    t_numpy32 = best(lambda: -np.percentile(R32 @ w32, 1.0))
    err32 = abs(rtrisk.var(R32, w, 0.99) / rtrisk.var(R, w, 0.99) - 1)
    base = openblas_baseline(openblas) if openblas else None
    if base:
        assert abs(base["var"] - rtrisk.var(R, w, 0.99)) < 1e-12 * abs(base["var"])
    rng = np.random.default_rng(54321)
    n_small = 1_000
    df = pd.DataFrame(R[:, :n_small], columns=[f"S{i}" for i in range(n_small)])
    weights = dict(zip(df.columns, w[:n_small]))

    def pandas_loop():
        portfolio_returns = pd.Series(0.0, index=df.index)
        for symbol, weight in weights.items():
            portfolio_returns += weight * df[symbol]
        return -portfolio_returns.quantile(0.01)

    t_pandas = best(pandas_loop, repeat=3)
    t_rtrisk_small = best(lambda: rtrisk.var(df, pd.Series(weights), 0.99))

    n = 1_000_000
    s = rng.uniform(50, 150, n)
    k = np.full(n, 100.0)
    t = rng.uniform(0.05, 3.0, n)
    v = rng.uniform(0.05, 0.8, n)
    is_call = rng.uniform(size=n) < 0.5
    kind = np.where(is_call, "call", "put")
    t_bsm = best(lambda: rtrisk.bsm(s, k, t, 0.03, 0.01, v, kind), repeat=3)
    t_scipy = best(lambda: scipy_bsm(s, k, t, 0.03, 0.01, v, is_call), repeat=3)
    sample = 2_000
    ql_run = quantlib_sample(s[:sample], k[:sample], t[:sample], 0.03, 0.01, v[:sample], is_call[:sample])
    t_ql = best(ql_run, repeat=3) * (n / sample)
    g = rtrisk.bsm(s[:1000], k[:1000], t[:1000], 0.03, 0.01, v[:1000], kind[:1000])
    ref = scipy_bsm(s[:1000], k[:1000], t[:1000], 0.03, 0.01, v[:1000], is_call[:1000])
    assert np.allclose(g.price, ref[0], rtol=1e-10, atol=1e-12)

    m = 100_000
    iv_price = rtrisk.bsm(s[:m], k[:m], t[:m], 0.03, 0.01, v[:m], kind[:m]).price
    t_iv = best(lambda: rtrisk.implied_vol(iv_price, s[:m], k[:m], t[:m], 0.03, 0.01, kind[:m]), repeat=3)
    t_iv_scipy = best(lambda: scipy_implied_vol(iv_price, s[:m], k[:m], t[:m], 0.03, 0.01, is_call[:m]), repeat=3)
    recovered = lambda got, want: np.mean(np.abs(got - want) <= 1e-8)  # noqa: E731
    iv_ok = recovered(rtrisk.implied_vol(iv_price, s[:m], k[:m], t[:m], 0.03, 0.01, kind[:m]), v[:m])
    iv_scipy_ok = recovered(scipy_implied_vol(iv_price, s[:m], k[:m], t[:m], 0.03, 0.01, is_call[:m]), v[:m])
    ql_iv_run, ql_iv_want = quantlib_implied_vol_sample(s[:sample], k[:sample], t[:sample], 0.03, 0.01, v[:sample], is_call[:sample])
    t_iv_ql = best(ql_iv_run, repeat=3) * (m / sample)
    iv_ql_ok = recovered(ql_iv_run(), ql_iv_want)

    print(f"numpy {np.__version__}, pandas {pd.__version__}, QuantLib {ql.__version__}; one process, best of runs\n")
    print("| work | rtrisk | peer | peer / rtrisk |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| VaR 99 %, N = 10,000, T = 2,500 vs numpy `R @ w` + `percentile` | {t_rtrisk * 1e3:.2f} ms | {t_numpy * 1e3:.2f} ms | {t_numpy / t_rtrisk:.1f}x |")
    print(f"| VaR 99 %, {P} portfolios (weights N x {P}), N = 10,000, T = 2,500 vs numpy `R @ W` + `percentile(axis=0)` | {t_many * 1e3:.1f} ms | {t_numpy_many * 1e3:.1f} ms | {t_numpy_many / t_many:.1f}x |")
    print(f"| the same {P} portfolios, one `rtrisk.var` call each (baseline) | {t_loop * 1e3:.0f} ms | | {t_loop / t_many:.1f}x slower |")
    print(f"| VaR 99 %, float32 returns (100 MB, read in place, sums in double) vs numpy float32 `R @ w` + `percentile` | {t_rtrisk32 * 1e3:.2f} ms | {t_numpy32 * 1e3:.2f} ms | {t_numpy32 / t_rtrisk32:.1f}x |")
    print(f"| the float32 call against rtrisk's float64 one (200 MB; VaR off by {err32:.1e} relative) | {t_rtrisk32 * 1e3:.2f} ms | {t_rtrisk * 1e3:.2f} ms | {t_rtrisk / t_rtrisk32:.1f}x |")
    if base:
        gb = R.nbytes / 1e9
        print(f"\nAgainst numpy on OpenBLAS, one thread (`OPENBLAS_NUM_THREADS=1`, {next(os.path.basename(b) for b in base['blas'] if 'openblas' in b)}), in a child process; "
              f"the matrix is {R.nbytes / 1e6:.0f} MB, read once by both:\n")
        print("| VaR 99 %, N = 10,000, T = 2,500 | rtrisk | numpy + OpenBLAS | numpy / rtrisk |")
        print("| --- | ---: | ---: | ---: |")
        print(f"| C order (row-major) | {t_rtrisk * 1e3:.2f} ms ({gb / t_rtrisk:.1f} GB/s) | {base['c'] * 1e3:.2f} ms ({gb / base['c']:.1f} GB/s) | {base['c'] / t_rtrisk:.2f}x |")
        print(f"| Fortran order (column-major) | {t_rtrisk_f * 1e3:.2f} ms ({gb / t_rtrisk_f:.1f} GB/s) | {base['f'] * 1e3:.2f} ms ({gb / base['f']:.1f} GB/s) | {base['f'] / t_rtrisk_f:.2f}x |")
        print(f"| {P} portfolios, one call (N x {P} weights) vs `R @ W` + `percentile(axis=0)` | {t_many * 1e3:.1f} ms | {base['many'] * 1e3:.1f} ms | {base['many'] / t_many:.2f}x |")
        print()
        print("| work | rtrisk | peer | peer / rtrisk |")
        print("| --- | ---: | ---: | ---: |")
    print(f"| VaR 99 %, N = 1,000 (DataFrame in) vs the pandas loop | {t_rtrisk_small * 1e3:.2f} ms | {t_pandas * 1e3:.1f} ms | {t_pandas / t_rtrisk_small:.0f}x |")
    print(f"| bsm, 1,000,000 options, price + 10 Greeks vs numpy/scipy (price + 5 Greeks) | {t_bsm * 1e3:.0f} ms | {t_scipy * 1e3:.0f} ms | {t_scipy / t_bsm:.1f}x |")
    print(f"| bsm, 1,000,000 options vs QuantLib AnalyticEuropeanEngine (price + 5 Greeks, from {sample:,}) | {t_bsm * 1e3:.0f} ms | {t_ql:.1f} s | {t_ql / t_bsm:.0f}x |")
    print(f"| implied vol, {m:,} options vs scipy.optimize.newton on the arrays (vols recovered to 1e-8: {iv_ok:.1%} vs {iv_scipy_ok:.1%}) | {t_iv * 1e3:.1f} ms | {t_iv_scipy * 1e3:.0f} ms | {t_iv_scipy / t_iv:.1f}x |")
    print(f"| implied vol, {m:,} options vs QuantLib impliedVolatility (from {sample:,}; recovered: {iv_ql_ok:.1%}) | {t_iv * 1e3:.1f} ms | {t_iv_ql * 1e3:.0f} ms | {t_iv_ql / t_iv:.0f}x |")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--openblas", metavar="DIR", help="folder with OpenBLAS's libblas.so.3 (see above)")
    ap.add_argument("--numpy-baseline", action="store_true", help=argparse.SUPPRESS)  # the child: numpy timings as JSON
    a = ap.parse_args()
    if a.numpy_baseline:
        print(json.dumps(numpy_var_timings()))
    else:
        main(a.openblas)
