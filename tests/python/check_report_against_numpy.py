#!/usr/bin/env python3
"""Checks the report's figures (`rtrisk report --format csv`) on the real data against independent
Python computations. Run by tests/python/test_report_vs_numpy.py, or by hand:

Usage: check_report_against_numpy.py DATA_DIR REPORT_COMMAND...
  e.g. check_report_against_numpy.py data .venv/bin/python -m rtrisk report

- historical VaR: -numpy.percentile(r, 100 (1 - c)) (method "linear", numpy's default, which is
  R's quantile type 7); historical ES: -mean(r[r <= that percentile]).
- gaussian VaR/ES: numpy mean and population standard deviation (ddof=0) with the normal
  quantile and density from Python's statistics.NormalDist (an implementation independent of
  Boost.Math).
- Cornish-Fisher VaR/ES: population skewness and excess kurtosis from numpy, the expansion of
  Favre & Galeano (2002) and the modified ES of Boudt, Peterson & Croux (2008) written out here,
  as PerformanceAnalytics' VaR/ES(method="modified").
Each column of eu_stock_markets.csv (daily simple returns of the prices) and edhec_returns.csv
(monthly returns), plus an equal-weight portfolio of each file, at 95%, 97.5% and 99%.
Tolerance 1e-12 relative: both sides are double precision evaluations of the same formula.
"""
import csv
import math
import subprocess
import sys
from statistics import NormalDist

import numpy as np

REL_TOL = 1e-12


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    values = np.array([[float(x) for x in row[1:]] for row in body])
    return header[1:], values


def reference(r, c):
    alpha = 1.0 - c
    q = np.percentile(r, 100.0 * alpha)  # linear interpolation (type 7)
    out = {"historical": (-q, -r[r <= q].mean())}
    mu, sd = r.mean(), r.std(ddof=0)
    n = NormalDist()
    z = n.inv_cdf(alpha)
    out["gaussian"] = (-(mu + sd * z), -mu + sd * n.pdf(z) / alpha)
    d = r - mu
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    s, k = m3 / m2**1.5, m4 / m2**2 - 3.0
    h = z + (z * z - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s * s / 36
    eg = -n.pdf(h) * (1 + h**3 * s / 6 + (h**6 - 9 * h**4 + 9 * h**2 + 3) * s * s / 72
                      + (h**4 - 2 * h**2 - 1) * k / 24) / alpha
    out["cornish_fisher"] = (-mu - sd * h, -mu - sd * min(eg, h))
    return out


def check(report, args, columns, returns):
    text = subprocess.run([*report, *args, "--format", "csv"], check=True, capture_output=True, text=True).stdout
    got = {}
    for line in text.strip().splitlines()[1:]:
        name, method, conf, var, es = line.split(",")[:5]  # then the decay of the weighting methods
        if method in ("historical", "gaussian", "cornish_fisher", "monte_carlo"):
            got[(name, method, float(conf))] = (float(var), float(es))
    series = {name: returns[:, i] for i, name in enumerate(columns)}
    series["portfolio"] = returns @ np.full(len(columns), 1.0 / len(columns))
    failures, checked = 0, 0
    for name, r in series.items():
        for c in (0.95, 0.975, 0.99):
            for method, (var, es) in reference(r, c).items():
                gv, ge = got[(name, method, c)]
                for label, mine, ref in (("VaR", gv, var), ("ES", ge, es)):
                    checked += 1
                    if not math.isclose(mine, ref, rel_tol=REL_TOL, abs_tol=0.0):
                        failures += 1
                        print(f"MISMATCH {args} {name} {method} {c} {label}: rtrisk {mine!r} python {ref!r}")
    print(f"{' '.join(args)}: {checked} figures checked, {failures} mismatches")
    return failures


def run(data, report):
    """Number of mismatches; `report` is the command (a list) that prints the report."""
    failures = 0
    cols, prices = load(f"{data}/eu_stock_markets.csv")
    failures += check(report, ["--prices", f"{data}/eu_stock_markets.csv"], cols, prices[1:] / prices[:-1] - 1.0)
    cols, rets = load(f"{data}/edhec_returns.csv")
    failures += check(report, ["--returns", f"{data}/edhec_returns.csv"], cols, rets)
    return failures


def main():
    sys.exit(1 if run(sys.argv[1], sys.argv[2:]) else 0)


if __name__ == "__main__":
    main()
