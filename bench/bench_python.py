#!/usr/bin/env python3
"""rtrisk from Python against the peers, in one run on this machine. Prints Markdown tables.

Usage: .venv/bin/python bench/bench_python.py      (after scripts/python_install.sh)

- VaR 99 %, historical, N = 10,000 x T = 2,500: rtrisk.var vs numpy (R @ w + np.percentile)
  vs the original design's pandas loop (N = 1,000 for pandas: it is too slow at 10,000);
- rtrisk.bsm (price + 10 Greeks) on 1,000,000 options vs a numpy/scipy vectorised Black-Scholes
  (price + delta + gamma + vega + theta + rho only) vs QuantLib-Python's AnalyticEuropeanEngine
  on a 2,000-option sample (per-option rate extrapolated).
Best of several runs (timeit).
"""
import timeit

import numpy as np
import pandas as pd
import QuantLib as ql
from scipy import stats

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


def quantlib_sample(s, k, t, r, q, v, is_call):
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot = ql.SimpleQuote(100.0)
    vol = ql.SimpleQuote(0.2)
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot), ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), ql.QuoteHandle(vol), dc)))
    engine = ql.AnalyticEuropeanEngine(process)
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


def main():
    rng = np.random.default_rng(12345)
    T, N = 2_500, 10_000
    R = rng.normal(0.0, 0.01, size=(T, N))
    w = rng.uniform(-1, 1, N)
    t_rtrisk = best(lambda: rtrisk.var(R, w, 0.99))
    t_numpy = best(lambda: -np.percentile(R @ w, 1.0))
    assert abs(rtrisk.var(R, w, 0.99) + np.percentile(R @ w, 1.0)) < 1e-12 * abs(np.percentile(R @ w, 1.0))
    P = 100  # portfolios at once: one pass over R (a GEMM) against one call per portfolio, and numpy
    W = rng.uniform(-1, 1, (N, P))
    t_many = best(lambda: rtrisk.var(R, W, 0.99), repeat=3)
    t_loop = best(lambda: [rtrisk.var(R, W[:, p], 0.99) for p in range(P)], repeat=1)
    t_numpy_many = best(lambda: -np.percentile(R @ W, 1.0, axis=0), repeat=3)
    assert np.allclose(rtrisk.var(R, W, 0.99), -np.percentile(R @ W, 1.0, axis=0), rtol=1e-10)
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

    print(f"numpy {np.__version__}, pandas {pd.__version__}, QuantLib {ql.__version__}; one process, best of runs\n")
    print("| work | rtrisk | peer | peer / rtrisk |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| VaR 99 %, N = 10,000, T = 2,500 vs numpy `R @ w` + `percentile` | {t_rtrisk * 1e3:.2f} ms | {t_numpy * 1e3:.2f} ms | {t_numpy / t_rtrisk:.1f}x |")
    print(f"| VaR 99 %, {P} portfolios (weights N x {P}), N = 10,000, T = 2,500 vs numpy `R @ W` + `percentile(axis=0)` | {t_many * 1e3:.1f} ms | {t_numpy_many * 1e3:.1f} ms | {t_numpy_many / t_many:.1f}x |")
    print(f"| the same {P} portfolios, one `rtrisk.var` call each (baseline) | {t_loop * 1e3:.0f} ms | | {t_loop / t_many:.1f}x slower |")
    print(f"| VaR 99 %, N = 1,000 (DataFrame in) vs the pandas loop | {t_rtrisk_small * 1e3:.2f} ms | {t_pandas * 1e3:.1f} ms | {t_pandas / t_rtrisk_small:.0f}x |")
    print(f"| bsm, 1,000,000 options, price + 10 Greeks vs numpy/scipy (price + 5 Greeks) | {t_bsm * 1e3:.0f} ms | {t_scipy * 1e3:.0f} ms | {t_scipy / t_bsm:.1f}x |")
    print(f"| bsm, 1,000,000 options vs QuantLib AnalyticEuropeanEngine (price + 5 Greeks, from {sample:,}) | {t_bsm * 1e3:.0f} ms | {t_ql:.1f} s | {t_ql / t_bsm:.0f}x |")


if __name__ == "__main__":
    main()
