"""Command line: ``python -m rtrisk report`` (also installed as ``rtrisk``); ``rtrisk serve`` runs the
live service (rtrisk.service).

    rtrisk report --prices data/eu_stock_markets.csv --weights DAX=0.4,SMI=0.3,CAC=0.2,FTSE=0.1
    rtrisk report --returns data/edhec_returns.csv --confidence 0.95 --format json
    rtrisk report --prices data/eu_stock_markets.csv --format csv     # every figure, for scripts

Prints VaR and ES by every method (ewma, filtered_historical and age_weighted with --decay),
the stressed VaR (the --stressed-window rows with the largest historical VaR, by file lines),
component VaR, exposure and VaR by sector / country / currency (--groups FILE: symbol,<factor>,...),
and a backtest of rolling historical VaR over the file. A method the library cannot run on the
data (too few rows for a weighting method, a covariance Monte Carlo cannot factor) is reported
as skipped with the reason. The first column is a label column (skipped) when it is headed
date/day/time/timestamp/datetime/period or has no name, or when every cell of it is a date
(is_label_column). A malformed file or option stops the program with a one-line error naming
the file, the line, the column and the value (exit status 2), never a traceback.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import re
import sys

import numpy as np

import rtrisk


class InputError(Exception):
    pass


# Locations in messages: 1-based physical lines as an editor shows them (CRLF, LF and a lone CR
# each end one; a quoted field may span several) and 1-based columns, with the column's name
# once the header is known.

_FIELD = re.compile(r'"([^"]*(?:""[^"]*)*)"|[^",\r\n]*')  # RFC 4180: quoted (quotes doubled inside) or bare
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as errors="surrogateescape" decodes it


def csv_records(text: str, path: str):
    """Yields (line where each field starts, fields) for each record of RFC 4180 text: fields
    split by commas, records by line breaks; a quoted field may hold commas, line breaks and
    doubled quotes. InputError naming the line and column where the field starts for a quote
    never closed, text after a closing quote or a quote in an unquoted field."""
    pos, line = 0, 1
    while pos < len(text):
        lines, fields = [], []
        while True:
            m = _FIELD.match(text, pos)
            end = m.end()
            after = text[end:end + 1]
            if after not in ("", ",", "\r", "\n"):
                raise InputError(f"{path}: line {line}, column {len(fields) + 1}: {_quote_error(text, pos, end)}")
            lines.append(line)
            if m[1] is None:
                fields.append(m[0])
            else:
                fields.append(m[1].replace('""', '"'))
                line += len(_LINE_BREAK.findall(m[0]))
            pos = end + (2 if after == "\r" and text.startswith("\n", end + 1) else 1)
            if after != ",":
                break
        line += 1
        yield lines, fields


def _quote_error(text: str, start: int, end: int) -> str:
    """Why the field from `start` stops at `end` on neither a comma nor a line break."""
    if text[end] != '"':
        return f"{text[end]!r} after the closing quote of {text[start:end]!r}"
    if text[start] == '"':  # the quoted pattern failed, or stopped short of a doubled quote
        return "the quote is never closed"
    return f"a quote inside the unquoted field {text[start:end + 1]!r}"


def check_utf8(path: str, records) -> None:
    """InputError naming the line and column of the first byte that is not UTF-8 (decoded by
    errors="surrogateescape" as U+DC80-U+DCFF)."""
    for lines, fields in records:
        for j, x in enumerate(fields):
            bad = _NOT_UTF8.search(x)
            if bad:
                raise InputError(f"{path}: line {lines[j]}, column {j + 1}: byte {ord(bad[0]) - 0xDC00:#04x} is not UTF-8 text")


def read_csv(path: str) -> list:
    """[(line of each field, fields)] of the records of a CSV file, blank records left out.
    Strict: UTF-8 (one byte-order mark at the start is stripped), csv_records' syntax."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig", errors="surrogateescape")
    except OSError as e:
        raise InputError(f"cannot open {path!r}: {e.strerror}") from None
    records = [(lines, fields) for lines, fields in csv_records(text, path) if any(x.strip() for x in fields)]
    if _NOT_UTF8.search(text):
        check_utf8(path, records)
    return records


def printable(x: str) -> str:
    """A name or label: x without surrounding whitespace. ValueError if it holds a character
    that does not print (a line break, tab, NUL, a second byte-order mark, a zero-width or
    non-breaking space): names are printed in tables and matched against --weights and --groups."""
    s = x.strip()
    if not s.isprintable():
        raise ValueError(f"holds the non-printing character U+{ord(next(c for c in s if not c.isprintable())):04X}")
    return s


_DECIMAL = re.compile(r" *[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *")
_NON_FINITE = re.compile(r" *[+-]?(?:nan|inf|infinity) *", re.IGNORECASE)


def number(x: str) -> float:
    """x as a finite number: ASCII decimal only (optional sign, digits, optional fraction and
    exponent; spaces around). float() alone would also read '1_0' as 10 and Arabic-Indic or
    full-width digits. ValueError('is not a number' or 'is not finite') otherwise."""
    if not _DECIMAL.fullmatch(x):
        raise ValueError("is not finite" if _NON_FINITE.fullmatch(x) else "is not a number")
    v = float(x)
    if not math.isfinite(v):  # beyond 1.8e308
        raise ValueError("is not finite")
    return v


def parse_cells(path: str, header, body, columns, parse) -> list:
    """[[parse(cell) for each of `columns`] for each record of body], in file order; InputError
    naming the line, column and value of the first cell parse refuses (its ValueError says why)."""
    out = []
    for lines, r in body:
        row = []
        for j in columns:
            try:
                row.append(parse(r[j]))
            except ValueError as e:
                name = f" ({header[j]})" if header[j] else ""
                raise InputError(f"{path}: line {lines[j]}, column {j + 1}{name}: field {r[j]!r} {e}") from None
        out.append(row)
    return out


def read_header(path: str, record) -> list:
    """The names of a header record, printable (stripped)."""
    return parse_cells(path, [""] * len(record[1]), [record], range(len(record[1])), printable)[0]


def check_widths(path: str, header, body) -> None:
    """Every record has the header's number of fields (the record's first line named)."""
    for lines, r in body:
        if len(r) != len(header):
            raise InputError(f"{path}: line {lines[0]}: expected {len(header)} fields, got {len(r)}")


LABEL_HEADERS = ("", "date", "day", "time", "timestamp", "datetime", "period")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ][0-9:.+Z-]*)?|([0-9]{4})([0-9]{2})([0-9]{2})")


def is_date(x: str) -> bool:
    """An ISO date (2020-01-31, optionally with a time) or a yyyymmdd integer (20200131) that is a
    day of the calendar."""
    m = _DATE.fullmatch(x.strip())
    if m is None:
        return False
    try:
        datetime.date(*(int(g) for g in m.groups() if g is not None))
    except ValueError:  # month 13, February 30...
        return False
    return True


def is_label_column(path: str, name: str, body) -> bool:
    """Whether the first column holds labels (skipped): headed date/day/time/timestamp/datetime/
    period or with no name, or every cell a date (is_date). Otherwise it is data, every cell a
    number; a column with some cells dates and some not is neither: InputError."""
    if name.lower() in LABEL_HEADERS:
        return True
    dates = [is_date(r[0]) for _, r in body]
    if all(dates) or not any(dates):
        return all(dates)
    (lines, r), (first, d) = body[dates.index(False)], body[dates.index(True)]
    raise InputError(f"{path}: line {lines[0]}, column 1 ({name}): {r[0]!r} is not a date, but line {first[0]} has the "
                     f"date {d[0]!r}: a label column is all dates, unnamed or headed {'/'.join(LABEL_HEADERS[1:])}")


def check_header(path: str, line: int, header, skip: int) -> None:
    """Names unique and not empty (but a label column's); an instrument named by a number with a
    sign, point or exponent (0.01, -3, 1e-3) means the header line is missing. Plain integers
    are names (numeric tickers such as 7203)."""
    for j, name in enumerate(header):
        if j >= skip and not name:
            raise InputError(f"{path}: line {line}: column {j + 1} has no name")
        if name in header[:j]:
            raise InputError(f"{path}: line {line}: column {j + 1} repeats the name {name!r} of column {header.index(name) + 1}")
        if j >= skip and _DECIMAL.fullmatch(name) and not name.isdigit():
            raise InputError(f"{path}: line {line}, column {j + 1}: the header names the instruments; got the number "
                             f"{name!r} (is the header line missing?)")


def read_table(path: str):
    """(instrument names, float matrix, line of each row, label of each row or None) of a CSV
    with one header line.

    Strict: read_csv's syntax; names and labels printable; the same number of fields on every
    row; check_header's names; finite ASCII decimal numbers (number) in every data cell. The
    first column is a label column as is_label_column decides. Every error names the file, the
    line and the column and shows the value."""
    records = read_csv(path)
    if not records:
        raise InputError(f"{path}: empty file")
    header, body = read_header(path, records[0]), records[1:]
    if not body:
        raise InputError(f"{path}: no data rows")
    check_widths(path, header, body)
    skip = int(is_label_column(path, header[0], body))
    check_header(path, records[0][0][0], header, skip)
    if skip == len(header):
        raise InputError(f"{path}: no instrument columns (only the label column {header[0]!r})")
    labels = [r[0] for r in parse_cells(path, header, body, [0], printable)] if skip else None
    values = np.array(parse_cells(path, header, body, range(skip, len(header)), number))
    return header[skip:], values, [lines[0] for lines, _ in body], labels


def read_returns(args):
    """(names, returns, line of each return, label of each return or None) of --prices or
    --returns; a return computed from prices is on the line (and label) of its later price."""
    if bool(args.prices) == bool(args.returns):
        raise InputError("give exactly one of --prices FILE or --returns FILE")
    names, values, lines, labels = read_table(args.prices or args.returns)
    if args.prices:
        if np.any(values <= 0):
            k, j = (int(i) for i in np.argwhere(values <= 0)[0])
            raise InputError(f"{args.prices}: line {lines[k]}, column {names[j]}: price {values[k, j]:g} is not positive")
        if len(values) < 2:
            raise InputError(f"{args.prices}: returns need at least 2 rows of prices, got {len(values)}")
        values, lines = values[1:] / values[:-1] - 1.0, lines[1:]
        labels = labels[1:] if labels is not None else None
    return names, values, lines, labels


def parse_weights(spec: str | None, names):
    """SYMBOL=WEIGHT,...: each symbol a column, once, its weight a number (number); a column not
    named weighs 0. Equal weights without --weights."""
    if not spec:
        return np.full(len(names), 1.0 / len(names))
    w, given = np.zeros(len(names)), set()
    for item in spec.split(","):
        if "=" not in item:
            raise InputError(f"weight {item!r} is not SYMBOL=WEIGHT")
        sym, val = item.split("=", 1)
        if sym not in names:
            raise InputError(f"unknown symbol {sym!r} in --weights (columns: {', '.join(names)})")
        if sym in given:
            raise InputError(f"--weights: {sym} is given twice")
        given.add(sym)
        try:
            w[names.index(sym)] = number(val)
        except ValueError as e:
            raise InputError(f"weight {val!r} for {sym} {e}") from None
    return w


def read_groups(path: str, names) -> dict:
    """{factor: [label or None per column of the returns]} from a CSV `symbol,<factor>,...` (say
    sector,country,currency); a symbol it does not list has no label. As strict as the returns
    (read_csv, printable names and labels), and every symbol a column of the returns, once."""
    records = read_csv(path)
    if not records:
        raise InputError(f"{path}: empty file")
    header, body, line = read_header(path, records[0]), records[1:], records[0][0][0]
    if header[0] != "symbol" or len(header) < 2 or any(not h for h in header[1:]) or len(set(header)) != len(header):
        raise InputError(f"{path}: line {line}: the header must be symbol, then unique factor names (say sector,country,currency)")
    check_widths(path, header, body)
    out = {h: [None] * len(names) for h in header[1:]}
    seen = {}
    for (lines, _), (sym, *labels) in zip(body, parse_cells(path, header, body, range(len(header)), printable)):
        if sym not in names:
            raise InputError(f"{path}: line {lines[0]}: unknown symbol {sym!r} (columns: {', '.join(names)})")
        if sym in seen:
            raise InputError(f"{path}: line {lines[0]}: symbol {sym!r} already on line {seen[sym]}")
        seen[sym] = lines[0]
        for h, v in zip(header[1:], labels):
            out[h][names.index(sym)] = v or None
    return out


def check_confidence(c: float) -> None:
    """In (0, 1), with a finite normal quantile: below about 1.1e-16, 1 - c rounds to 1 and the
    Gaussian and Cornish-Fisher quantiles overflow."""
    if not 0 < c < 1:
        raise InputError(f"--confidence {c!r} is outside (0, 1)")
    if 1 - c == 1:
        raise InputError(f"--confidence {c!r}: its normal quantile is not finite (1 - {c!r} rounds to 1)")


REFUSALS = (ValueError, ArithmeticError)  # how the library refuses data a method cannot serve


def locate(message: str, lines, names) -> str:
    """The library's 0-based '(row r, column c)' of the returns as the file's line and column name."""
    return re.sub(r"row (\d+), column (\d+)", lambda m: f"line {lines[int(m[1])]}, column {names[int(m[2])]}", message)


def measure(values, w, c, method, lines, names, **options) -> dict:
    """{'var', 'es'} of one method, or {'skipped': why} when the library refuses the data (too few
    rows for a weighting method's seed or tail, a covariance Monte Carlo cannot factor or hold)."""
    try:
        return {"var": rtrisk.var(values, w, c, method, **options),
                "es": rtrisk.expected_shortfall(values, w, c, method, **options)}
    except REFUSALS as e:
        return {"skipped": locate(str(e), lines, names)}


def every_method(values, w, c, decay, lines, names) -> dict:
    """{method: measure} for the plain methods, then the weighting methods at `decay`."""
    out = {m: measure(values, w, c, m, lines, names) for m in rtrisk.METHODS}
    out.update({m: measure(values, w, c, m, lines, names, decay=decay) for m in rtrisk.WEIGHTED_METHODS})
    return out


def report(args, data) -> dict:
    names, values, lines, labels = data
    w = parse_weights(args.weights, names)
    c = args.confidence
    check_confidence(c)
    if not 0 < args.decay < 1:
        raise InputError(f"--decay {args.decay!r} must be in (0, 1)")
    if args.stressed_window < 1:
        raise InputError(f"--stressed-window {args.stressed_window} must be a positive number of rows")
    out = {"file": args.prices or args.returns, "scenarios": int(values.shape[0]), "instruments": names,
           "weights": dict(zip(names, w.tolist())), "confidence": c, "decay": args.decay,
           "methods": every_method(values, w, c, args.decay, lines, names)}
    try:
        s = rtrisk.stressed_var(values, w, c, window=args.stressed_window)
        out["stressed_var"] = {"window": args.stressed_window, "var": s.var, "first_line": lines[s.first], "last_line": lines[s.last]}
        if labels is not None:  # the window's dates (the label column)
            out["stressed_var"].update(start=labels[s.first], end=labels[s.last])
    except REFUSALS as e:
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


def csv_rows(args, data) -> list:
    """(name, method, confidence, VaR, ES, decay) for each column alone and the weighted portfolio, by
    every method at 95 %, 97.5 % and 99 %: every figure, for scripts and cross-checks. The weighting
    methods carry --decay; where a method cannot serve the data (too few rows for a weighting
    method, a covariance Monte Carlo cannot factor), its VaR and ES are None (empty cells)."""
    names, values, lines, _ = data
    if "portfolio" in names:  # its rows would be those of the weighted portfolio
        raise InputError(f"--format csv names the weighted portfolio's rows 'portfolio': rename the column 'portfolio' "
                         f"of {args.prices or args.returns}")
    w = parse_weights(args.weights, names)
    series = [(n, [n], values[:, [j]], np.ones(1)) for j, n in enumerate(names)] + [("portfolio", names, values, w)]
    rows = []
    for name, columns, r, x in series:
        for c in (0.95, 0.975, 0.99):
            for m, v in every_method(r, x, c, args.decay, lines, columns).items():
                rows.append((name, m, c, v.get("var"), v.get("es"), args.decay if m in rtrisk.WEIGHTED_METHODS else None))
    return rows


def write_csv(rows) -> None:
    """csv_rows as RFC 4180 CSV on stdout (a name holding a comma or quote is quoted)."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("name", "method", "confidence", "var", "es", "decay"))
    cell = lambda v: "" if v is None else repr(v)
    out.writerows((n, m, f"{c:.3f}", cell(v), cell(e), cell(d)) for n, m, c, v, e, d in rows)


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


def int_option(x: str) -> int:
    """argparse type of --window and --stressed-window: ASCII digits with an optional sign (int()
    alone would also read '2_50' and Arabic-Indic or full-width digits)."""
    if not re.fullmatch(r" *[+-]?[0-9]+ *", x):
        raise argparse.ArgumentTypeError(f"invalid int value: {x!r}")
    return int(x)


def float_option(x: str) -> float:
    """argparse type of --confidence and --decay: a number (number), or nan/inf for the range
    checks to refuse by name."""
    try:
        return number(x)
    except ValueError:
        if _NON_FINITE.fullmatch(x):
            return float(x)
        raise argparse.ArgumentTypeError(f"invalid float value: {x!r}") from None


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
    p.add_argument("--confidence", type=float_option, default=0.99)
    p.add_argument("--window", type=int_option, help="rolling window of the backtest, in rows [default min(250, rows / 2)]")
    p.add_argument("--decay", type=float_option, default=rtrisk.RISKMETRICS_DECAY,
                   help="decay of the ewma, filtered_historical and age_weighted methods [default 0.94, RiskMetrics]")
    p.add_argument("--stressed-window", type=int_option, default=250, help="days of the stressed VaR window [default 250]")
    p.add_argument("--groups", help="CSV symbol,<factor>,... (say sector,country,currency): exposure, VaR and ES per label")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="csv: VaR and ES of each column and the portfolio by every method at 95, 97.5 and 99 %% "
                        "(the weighting methods at --decay)")
    args = parser.parse_args(args)
    try:
        data = read_returns(args)
        r = report(args, data)
        rows = csv_rows(args, data) if args.format == "csv" else None
    except (InputError, ValueError, TypeError, ArithmeticError) as e:
        print(f"rtrisk: error: {e}", file=sys.stderr)
        return 2
    if rows is not None:
        write_csv(rows)
    elif args.format == "json":
        json.dump(r, sys.stdout, indent=2)
        print()
    else:
        print_table(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
