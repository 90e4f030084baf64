"""Command line: ``python -m rtrisk report`` (also installed as ``rtrisk``); ``rtrisk serve`` runs the
live service (rtrisk.service).

    rtrisk report --prices data/eu_stock_markets.csv --weights DAX=0.4,SMI=0.3,CAC=0.2,FTSE=0.1
    rtrisk report --returns data/edhec_returns.csv --confidence 0.95 --format json
    rtrisk report --prices data/eu_stock_markets.csv --format csv     # every figure, for scripts

Prints VaR and ES by every method (ewma, filtered_historical and age_weighted with --decay),
the stressed VaR (the --stressed-window rows with the largest historical VaR, by file lines),
component VaR, exposure and VaR by sector / country / currency (--groups FILE: symbol,<factor>,...),
and a backtest of rolling historical VaR over the file. A label column (a first column headed date/day/time/timestamp/datetime/period or
with no name, or with no number in it) is skipped. A malformed file stops the program with a
one-line error naming the line, the column and the value (exit status 2), never a traceback.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys

import numpy as np

import rtrisk


class InputError(Exception):
    pass


LABEL_HEADERS = ("", "date", "day", "time", "timestamp", "datetime", "period")


def _is_number(x: str) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


def read_table(path: str):
    """(column names, float matrix, line number of each row, label of each row or None) of a CSV
    with one header line.

    Strict: UTF-8 (a byte-order mark is stripped), one header line whose names are unique and
    not empty, the same number of fields on every row, finite numbers in every data cell. The
    first column is a label column (skipped) when its header is empty or date/day/time/
    timestamp/datetime/period, or when none of its cells is a number; otherwise it is data like
    the others. Every error names the file, line and column and shows the value."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f"cannot open {path!r}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(f"{path}: line {line}, byte {column}: {raw[e.start]:#04x} is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []  # (line, fields)
    try:
        for r in reader:
            rows.append((reader.line_num, r))
    except csv.Error as e:
        raise InputError(f"{path}: line {reader.line_num}: {e}") from None
    if not rows:
        raise InputError(f"{path}: empty file")
    header = [h.strip() for h in rows[0][1]]
    body = [(line, r) for line, r in rows[1:] if any(x.strip() for x in r)]
    for j, name in enumerate(header):
        if j > 0 and not name:
            raise InputError(f"{path}: line {rows[0][0]}: column {j + 1} has no name")
        if name in header[:j]:
            raise InputError(f"{path}: line {rows[0][0]}: column {j + 1} repeats the name {name!r} of column "
                             f"{header.index(name) + 1}")
    if not body:
        raise InputError(f"{path}: no data rows")
    for line, r in body:
        if len(r) != len(header):
            raise InputError(f"{path}: line {line}: expected {len(header)} fields, got {len(r)}")
    first = [r[0] for _, r in body]
    skip = 1 if header[0].lower() in LABEL_HEADERS or not any(_is_number(x) for x in first) else 0
    names = header[skip:]
    if not names:
        raise InputError(f"{path}: no instrument columns (only the label column {header[0]!r})")
    values = np.empty((len(body), len(names)))
    for k, (line, r) in enumerate(body):
        for j, x in enumerate(r[skip:]):
            where = f"{path}: line {line}, column {j + skip + 1} ({names[j]})"
            try:
                v = float(x)
            except ValueError:
                raise InputError(f"{where}: field {x!r} is not a number") from None
            if not math.isfinite(v):
                raise InputError(f"{where}: field {x!r} is not finite")
            values[k, j] = v
    return names, values, [line for line, _ in body], ([r[0].strip() for _, r in body] if skip else None)


def parse_weights(spec: str | None, names):
    if not spec:
        return np.full(len(names), 1.0 / len(names))
    w = np.zeros(len(names))
    for item in spec.split(","):
        if "=" not in item:
            raise InputError(f"weight {item!r} is not SYMBOL=WEIGHT")
        sym, val = item.split("=", 1)
        if sym not in names:
            raise InputError(f"unknown symbol {sym!r} in --weights (columns: {', '.join(names)})")
        try:
            w[names.index(sym)] = float(val)
        except ValueError:
            raise InputError(f"weight {val!r} for {sym} is not a number") from None
        if not math.isfinite(w[names.index(sym)]):
            raise InputError(f"weight {val!r} for {sym} is not a finite number")
    return w


def read_groups(path: str, names) -> dict:
    """{factor: [label or None per column of the returns]} from a CSV `symbol,<factor>,...` (say
    sector,country,currency); a symbol it does not list has no label. Strict: every symbol a
    column of the returns, once; InputError naming the line otherwise."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: {e}") from None
    rows = [(i + 1, r) for i, r in enumerate(rows) if any(x.strip() for x in r)]
    if not rows:
        raise InputError(f"{path}: empty file")
    line, header = rows[0]
    header = [h.strip() for h in header]
    if header[0] != "symbol" or len(header) < 2 or any(not h for h in header[1:]) or len(set(header)) != len(header):
        raise InputError(f"{path}: line {line}: the header must be symbol, then unique factor names (say sector,country,currency)")
    out = {h: [None] * len(names) for h in header[1:]}
    seen = {}
    for line, r in rows[1:]:
        if len(r) != len(header):
            raise InputError(f"{path}: line {line}: expected {len(header)} fields, got {len(r)}")
        sym = r[0].strip()
        if sym not in names:
            raise InputError(f"{path}: line {line}: unknown symbol {sym!r} (columns: {', '.join(names)})")
        if sym in seen:
            raise InputError(f"{path}: line {line}: symbol {sym!r} already on line {seen[sym]}")
        seen[sym] = line
        for h, v in zip(header[1:], r[1:]):
            out[h][names.index(sym)] = v.strip() or None
    return out


def report(args) -> dict:
    if bool(args.prices) == bool(args.returns):
        raise InputError("give exactly one of --prices FILE or --returns FILE")
    names, values, lines, labels = read_table(args.prices or args.returns)
    if args.prices:
        if np.any(values <= 0):
            k, j = (int(i) for i in np.argwhere(values <= 0)[0])
            raise InputError(f"{args.prices}: line {lines[k]}, column {names[j]}: price {values[k, j]:g} is not positive")
        if len(values) < 2:
            raise InputError(f"{args.prices}: returns need at least 2 rows of prices, got {len(values)}")
        values = values[1:] / values[:-1] - 1.0
    lines = lines[1:] if args.prices else lines  # the line of each return's day
    if labels is not None and args.prices:
        labels = labels[1:]
    w = parse_weights(args.weights, names)
    c = args.confidence
    if not 0 < args.decay < 1:
        raise InputError(f"--decay {args.decay!r} must be in (0, 1)")
    if args.stressed_window < 1:
        raise InputError(f"--stressed-window {args.stressed_window} must be a positive number of rows")
    out = {"file": args.prices or args.returns, "scenarios": int(values.shape[0]), "instruments": names,
           "weights": dict(zip(names, w.tolist())), "confidence": c, "decay": args.decay, "methods": {}}
    for m in rtrisk.METHODS:
        out["methods"][m] = {"var": rtrisk.var(values, w, c, m), "es": rtrisk.expected_shortfall(values, w, c, m)}
    for m in rtrisk.WEIGHTED_METHODS:  # too few rows for the EWMA seed or the tail: said, not fatal
        try:
            out["methods"][m] = {"var": rtrisk.var(values, w, c, m, decay=args.decay),
                                 "es": rtrisk.expected_shortfall(values, w, c, m, decay=args.decay)}
        except ValueError as e:
            out["methods"][m] = {"skipped": str(e)}
    try:
        s = rtrisk.stressed_var(values, w, c, window=args.stressed_window)
        out["stressed_var"] = {"window": args.stressed_window, "var": s.var, "first_line": lines[s.first], "last_line": lines[s.last]}
        if labels is not None:  # the window's dates (the label column)
            out["stressed_var"].update(start=labels[s.first], end=labels[s.last])
    except ValueError as e:
        out["stressed_var"] = {"window": args.stressed_window, "skipped": str(e)}
    out["component_var"] = dict(zip(names, np.asarray(rtrisk.component_var(values, w, c)).tolist()))
    if args.groups:  # exposure and VaR by sector / country / currency
        import pandas as pd
        f = rtrisk.factor_exposures(values, w, pd.DataFrame(read_groups(args.groups, names)), c, c)
        out["factors"] = {factor: [{"group": g, **{k: (int(v) if k == "members" else float(v)) for k, v in f.loc[(factor, g)].items()}}
                                   for g in f.loc[factor].index]
                          for factor in dict.fromkeys(f.index.get_level_values(0))}
    pnl = values @ w
    window = args.window if args.window is not None else min(250, len(pnl) // 2)
    if not 2 <= window < len(pnl):
        raise InputError(f"--window {window} must be in [2, {len(pnl)}) for {len(pnl)} rows of returns")
    needed = math.ceil(1 / (1 - c) - 1e-9)
    if window >= needed:
        forecasts = np.array([rtrisk.var(pnl[t - window:t], confidence=c) for t in range(window, len(pnl))])
        hits = rtrisk.var_exceptions(pnl[window:], forecasts)
        x, n = int(hits.sum()), len(hits)
        k = rtrisk.kupiec(x, n, c)
        ch = rtrisk.christoffersen(hits, c)
        last = hits[-250:]
        out["backtest"] = {"window": window, "observations": n, "exceptions": x, "expected": (1 - c) * n,
                           "kupiec": k._asdict(), "independence": ch.independence._asdict(),
                           "conditional_coverage": ch.conditional_coverage._asdict(),
                           "traffic_light": rtrisk.traffic_light(int(last.sum()), len(last), c)}
    else:
        out["backtest"] = {"skipped": f"a rolling window of {window} rows is too short for confidence {c} (needs {needed})"}
    return out


def csv_rows(args) -> list:
    """(name, method, confidence, VaR, ES, decay) for each column alone and the weighted portfolio, by
    every method at 95 %, 97.5 % and 99 %: every figure, for scripts and cross-checks. The weighting
    methods carry --decay; where the rows are too few for one, its VaR and ES are None (empty cells)."""
    names, values, _, _ = read_table(args.prices or args.returns)
    if args.prices:
        values = values[1:] / values[:-1] - 1.0
    w = parse_weights(args.weights, names)
    series = [(n, values[:, [j]], np.ones(1)) for j, n in enumerate(names)] + [("portfolio", values, w)]
    rows = []
    for n, r, x in series:
        for c in (0.95, 0.975, 0.99):
            rows += [(n, m, c, rtrisk.var(r, x, c, m), rtrisk.expected_shortfall(r, x, c, m), None) for m in rtrisk.METHODS]
            for m in rtrisk.WEIGHTED_METHODS:
                try:
                    rows.append((n, m, c, rtrisk.var(r, x, c, m, decay=args.decay), rtrisk.expected_shortfall(r, x, c, m, decay=args.decay),
                                 args.decay))
                except ValueError:  # too few rows for the EWMA seed or the tail
                    rows.append((n, m, c, None, None, args.decay))
    return rows


def print_table(r: dict) -> None:
    print(f"rtrisk {rtrisk.__version__}: {r['file']} ({r['scenarios']} scenarios x {len(r['instruments'])} instruments)")
    print(f"VaR and ES at {r['confidence']}: positive losses, % of portfolio value, one period\n")
    print(f"{'method':<20}{'VaR %':>10}{'ES %':>10}   (decay {r['decay']} for ewma, filtered_historical, age_weighted)")
    for m, v in r["methods"].items():
        print(f"{m:<20}{100 * v['var']:>10.4f}{100 * v['es']:>10.4f}" if "var" in v else f"{m:<20} skipped: {v['skipped']}")
    sv = r["stressed_var"]
    if "var" in sv:
        dates = f" ({sv['start']} to {sv['end']})" if "start" in sv else ""
        print(f"{'stressed (' + str(sv['window']) + ' rows)':<20}{100 * sv['var']:>10.4f}{'':>10}  lines {sv['first_line']}-{sv['last_line']}{dates}")
    else:
        print(f"stressed VaR skipped: {sv['skipped']}")
    print(f"\n{'instrument':<24}{'weight':>8}{'comp. VaR %':>14}")
    for s, c in r["component_var"].items():
        print(f"{s:<24}{r['weights'][s]:>8.4f}{100 * c:>14.4f}")
    for factor, groups in r.get("factors", {}).items():
        print(f"\n{factor:<24}{'members':>8}{'net %':>10}{'gross %':>10}{'VaR %':>10}{'ES %':>10}{'comp. VaR %':>14}")
        for g in groups:
            print(f"{g['group']:<24}{g['members']:>8}{100 * g['net_exposure']:>10.4f}{100 * g['gross_exposure']:>10.4f}"
                  f"{100 * g['var']:>10.4f}{100 * g['es']:>10.4f}{100 * g['component_var']:>14.4f}")
    b = r["backtest"]
    print()
    if "skipped" in b:
        print("backtest skipped:", b["skipped"])
        return
    print(f"Backtest of rolling {b['window']}-row historical VaR over {b['observations']} rows")
    print(f"  exceptions {b['exceptions']} (expected {b['expected']:.1f})")
    print(f"  Kupiec POF          LR {b['kupiec']['statistic']:.3f}  p {b['kupiec']['p_value']:.4f}")
    print(f"  Christoffersen ind. LR {b['independence']['statistic']:.3f}  p {b['independence']['p_value']:.4f}")
    print(f"  Christoffersen cc   LR {b['conditional_coverage']['statistic']:.3f}  p {b['conditional_coverage']['p_value']:.4f}")
    print(f"  traffic light       {b['traffic_light']}")


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:  # the live service takes rtrisk_live's options (rtrisk serve --help)
        from .service import main as serve
        return serve(args[1:])
    parser = argparse.ArgumentParser(prog="rtrisk", description="Portfolio risk from the rtrisk core")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="the live risk service on FastAPI (rtrisk serve --help)", add_help=False)
    p = sub.add_parser("report", help="VaR/ES by every method, component VaR, backtest")
    p.add_argument("--prices", help="CSV of prices (a label column, then one column per instrument)")
    p.add_argument("--returns", help="CSV of simple returns (a label column, then one column per instrument)")
    p.add_argument("--weights", help="SYMBOL=WEIGHT,... (default: equal weights)")
    p.add_argument("--confidence", type=float, default=0.99)
    p.add_argument("--window", type=int, help="rolling window of the backtest, in rows [default min(250, rows / 2)]")
    p.add_argument("--decay", type=float, default=rtrisk.RISKMETRICS_DECAY,
                   help="decay of the ewma, filtered_historical and age_weighted methods [default 0.94, RiskMetrics]")
    p.add_argument("--stressed-window", type=int, default=250, help="days of the stressed VaR window [default 250]")
    p.add_argument("--groups", help="CSV symbol,<factor>,... (say sector,country,currency): exposure, VaR and ES per label")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="csv: VaR and ES of each column and the portfolio by every method at 95, 97.5 and 99 %% "
                        "(the weighting methods at --decay)")
    args = parser.parse_args(args)
    try:
        r = report(args)
        rows = csv_rows(args) if args.format == "csv" else None
    except (InputError, ValueError, TypeError) as e:
        print(f"rtrisk: error: {e}", file=sys.stderr)
        return 2
    if rows is not None:
        print("name,method,confidence,var,es,decay")
        cell = lambda v: "" if v is None else repr(v)
        for n, m, c, v, e, d in rows:
            print(f"{n},{m},{c:.3f},{cell(v)},{cell(e)},{cell(d)}")
    elif args.format == "json":
        json.dump(r, sys.stdout, indent=2)
        print()
    else:
        print_table(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
