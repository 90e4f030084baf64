"""python -m rtrisk report and the installed rtrisk console script."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rtrisk
from conftest import DATA


def run(*args):
    return subprocess.run([sys.executable, "-m", "rtrisk", *args], capture_output=True, text=True)


def test_report_json_matches_the_library(eu_returns):
    p = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--weights", "DAX=0.4,SMI=0.3,CAC=0.2,FTSE=0.1",
            "--format", "json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    w = pd.Series({"DAX": 0.4, "SMI": 0.3, "CAC": 0.2, "FTSE": 0.1})
    for m in rtrisk.METHODS:
        assert r["methods"][m]["var"] == pytest.approx(rtrisk.var(eu_returns, w, 0.99, m), rel=1e-12)
        assert r["methods"][m]["es"] == pytest.approx(rtrisk.expected_shortfall(eu_returns, w, 0.99, m), rel=1e-12)
    assert sum(r["component_var"].values()) == pytest.approx(r["methods"]["historical"]["var"], rel=1e-12)
    assert r["backtest"]["traffic_light"] in ("green", "yellow", "red")
    for m in rtrisk.WEIGHTED_METHODS:  # the scenario-weighting methods at the default decay, 0.94
        assert r["methods"][m]["var"] == pytest.approx(rtrisk.var(eu_returns, w, 0.99, m, decay=0.94), rel=1e-12)
        assert r["methods"][m]["es"] == pytest.approx(rtrisk.expected_shortfall(eu_returns, w, 0.99, m, decay=0.94), rel=1e-12)
    s = rtrisk.stressed_var(eu_returns, w, 0.99, window=250)
    sv = r["stressed_var"]
    assert sv["var"] == pytest.approx(s.var, rel=1e-12) and sv["window"] == 250
    # File lines: the header is line 1 and the first price line 2, so return row k is line k + 3.
    assert (sv["first_line"], sv["last_line"]) == (s.first + 3, s.last + 3)
    assert (sv["start"], sv["end"]) == (str(s.start), str(s.end))  # the label column: the window's days


def test_report_decay_and_stressed_window_options():
    base = ["report", "--prices", str(DATA / "eu_stock_markets.csv"), "--format", "json"]
    r = json.loads(run(*base, "--decay", "0.97", "--stressed-window", "500").stdout)
    assert r["decay"] == 0.97 and r["stressed_var"]["window"] == 500
    assert r["methods"]["ewma"]["var"] != json.loads(run(*base).stdout)["methods"]["ewma"]["var"]
    for bad in (["--decay", "1.2"], ["--decay", "nan"], ["--stressed-window", "0"]):
        p = run(*base, *bad)
        assert p.returncode == 2 and p.stderr.startswith("rtrisk: error: --") and "Traceback" not in p.stderr, (bad, p.stderr)
    r = json.loads(run(*base, "--stressed-window", "99999").stdout)  # longer than the file: said, the rest reported
    assert "skipped" in r["stressed_var"] and "99999" in r["stressed_var"]["skipped"] and "historical" in r["methods"]


def test_returns_file_and_table_format():
    p = run("report", "--returns", str(DATA / "edhec_returns.csv"), "--confidence", "0.95")
    assert p.returncode == 0, p.stderr
    assert "cornish_fisher" in p.stdout and "Kupiec" in p.stdout


def test_malformed_row_is_rejected_with_its_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,A,B\n2020-01-31,0.01,0.02\n2020-02-29,0.01,oops\n")
    p = run("report", "--returns", str(bad))
    assert p.returncode == 2
    assert "line 3, column 3 (B): field 'oops' is not a number" in p.stderr
    short = tmp_path / "short.csv"
    short.write_text("date,A,B\n2020-01-31,0.01\n")
    assert "line 2: expected 3 fields, got 2" in run("report", "--returns", str(short)).stderr
    assert "unknown symbol 'XYZ'" in run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--weights", "XYZ=1").stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "rtrisk"
    assert script.exists(), f"{script} missing: install with pip"
    p = subprocess.run([str(script), "report", "--prices", str(DATA / "eu_stock_markets.csv")], capture_output=True, text=True)
    assert p.returncode == 0 and "historical" in p.stdout


def _returns_csv(rows=120, header="date,A,B", label=True, newline="\n"):
    """A well-formed returns file (120 rows: enough for every method at 0.95)."""
    rng = np.random.default_rng(3)
    lines = [header]
    for i, (a, b) in enumerate(rng.normal(0, 0.01, (rows, 2))):
        lines.append((f"2020-01-{i:03d}," if label else "") + f"{a:.6f},{b:.6f}")
    return newline.join(lines) + newline


def _json_report(path, *extra):
    p = run("report", "--returns", str(path), "--confidence", "0.95", "--format", "json", *extra)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    return json.loads(p.stdout)


def test_well_formed_variants_give_the_same_report(tmp_path):
    """A UTF-8 byte-order mark is stripped, CRLF line ends and blank lines are accepted, quoted
    fields are read as csv does: each file gives the report of the plain one."""
    plain = tmp_path / "plain.csv"
    plain.write_text(_returns_csv())
    ref = _json_report(plain)
    assert ref["instruments"] == ["A", "B"]
    variants = {
        "bom.csv": b"\xef\xbb\xbf" + _returns_csv().encode(),
        "crlf.csv": _returns_csv(newline="\r\n").encode(),
        "blank.csv": _returns_csv().replace("\n", "\n\n", 5).encode(),
        "quoted.csv": _returns_csv().replace("date,A,B", '"date","A","B"').encode(),
    }
    for name, data in variants.items():
        f = tmp_path / name
        f.write_bytes(data)
        r = _json_report(f)
        assert r["instruments"] == ["A", "B"], name  # the BOM used to make the header '\ufeffdate' (a data column)
        assert r["methods"] == ref["methods"], name


def test_label_column_with_a_bad_first_cell_is_still_the_label(tmp_path):
    """A date column is skipped whatever its first cell holds; both instruments stay."""
    f = tmp_path / "d.csv"
    f.write_text(_returns_csv().replace("2020-01-000", "not-a-date"))
    assert _json_report(f)["instruments"] == ["A", "B"]


def test_a_bad_first_cell_in_a_data_column_is_an_error_not_a_dropped_column(tmp_path):
    """Without a label column, 'oops' in the first cell used to turn column A into labels: the
    report silently left A out and labelled the rest. Now: exit 2 naming line, column and value."""
    f = tmp_path / "n.csv"
    text = _returns_csv(label=False, header="A,B").split("\n")
    text[1] = "oops," + text[1].split(",")[1]
    f.write_text("\n".join(text))
    p = run("report", "--returns", str(f), "--confidence", "0.95")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip() == f"rtrisk: error: {f}: line 2, column 1 (A): field 'oops' is not a number"


MALFORMED = [
    ("empty.csv", b"", "empty file"),
    ("header.csv", b"date,A,B\n", "no data rows"),
    ("ragged.csv", b"date,A,B\n2020-01-01,0.01,0.02\n2020-01-02,0.01\n", "line 3: expected 3 fields, got 2"),
    ("long.csv", b"date,A,B\n2020-01-01,0.01,0.02,7\n", "line 2: expected 3 fields, got 4"),
    ("text.csv", b"date,A,B\n2020-01-01,0.01,abc\n", "line 2, column 3 (B): field 'abc' is not a number"),
    ("emptycell.csv", b"date,A,B\n2020-01-01,,0.02\n", "line 2, column 2 (A): field '' is not a number"),
    ("nan.csv", b"date,A,B\n2020-01-01,0.01,nan\n", "line 2, column 3 (B): field 'nan' is not finite"),
    ("inf.csv", b"date,A,B\n2020-01-01,-inf,0.02\n", "line 2, column 2 (A): field '-inf' is not finite"),
    ("huge.csv", b"date,A,B\n2020-01-01,1e400,0.02\n", "line 2, column 2 (A): field '1e400' is not finite"),
    ("dup.csv", b"date,A,A\n2020-01-01,0.01,0.02\n", "line 1: column 3 repeats the name 'A' of column 2"),
    ("dupbom.csv", b"\xef\xbb\xbfA,B,A\n0.01,0.02,0.03\n", "line 1: column 3 repeats the name 'A' of column 1"),
    ("noname.csv", b"date,,B\n2020-01-01,0.01,0.02\n", "line 1: column 2 has no name"),
    ("labelonly.csv", b"date\n2020-01-01\n", "no instrument columns (only the label column 'date')"),
    ("latin1.csv", b"date,A,B\n2020-01-01,0.01,0.\xff2\n", "line 2, column 3: byte 0xff is not UTF-8 text"),
    ("quote.csv", b'date,A,B\n2020-01-01,"0.01\n', "line 2, column 2: the quote is never closed"),
    ("nul.csv", b"date,A,B\n2020-01-01,0.01,0.02\x00\n", "line 2, column 3 (B): field '0.02\\x00' is not a number"),
    ("single.csv", b"date,A,B\n2020-01-01,0.01,0.02\n", "needs at least 100 scenarios, got 1"),
]


@pytest.mark.parametrize("name,data,fragment", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_files_exit_2_with_one_line_naming_the_place(tmp_path, name, data, fragment):
    f = tmp_path / name
    f.write_bytes(data)
    p = run("report", "--returns", str(f))
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert fragment in p.stderr


def test_directory_missing_file_and_bad_prices(tmp_path):
    for path, fragment in ((tmp_path, "Is a directory"), (tmp_path / "none.csv", "No such file or directory")):
        p = run("report", "--returns", str(path))
        assert p.returncode == 2 and fragment in p.stderr and "Traceback" not in p.stderr
    f = tmp_path / "p.csv"
    f.write_text("day,X,Y\n1,10,20\n\n2,11,0\n")
    p = run("report", "--prices", str(f))
    assert p.returncode == 2 and "line 4, column Y: price 0 is not positive" in p.stderr  # the blank line counts
    f.write_text("day,X,Y\n1,10,20\n")
    p = run("report", "--prices", str(f))
    assert p.returncode == 2 and "returns need at least 2 rows of prices, got 1" in p.stderr


@pytest.mark.parametrize("args,needle", [
    (["--confidence", "abc"], "--confidence: invalid float value: 'abc'"),
    (["--confidence", "0.99x"], "--confidence: invalid float value: '0.99x'"),
    (["--confidence", "1.5"], "confidence 1.5 is outside (0, 1)"),
    (["--confidence", "nan"], "confidence nan is outside (0, 1)"),
    (["--window", "25x"], "--window: invalid int value: '25x'"),
    (["--window", "-1"], "--window -1 must be in [2, 1859)"),
    (["--window", "1859"], "--window 1859 must be in [2, 1859)"),
    (["--weights", "DAX=0.4x"], "weight '0.4x' for DAX is not a number"),
    (["--weights", "DAX=inf"], "weight 'inf' for DAX is not finite"),
    (["--weights", "NOPE=1"], "unknown symbol 'NOPE'"),
    (["--format", "xml"], "invalid choice: 'xml'"),
    (["--window"], "--window: expected one argument"),
])
def test_bad_arguments_exit_2_naming_the_value(args, needle):
    p = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), *args)
    assert p.returncode == 2, (args, p.returncode, p.stdout, p.stderr)
    assert needle in p.stderr
    assert p.stdout == ""


def test_csv_format_has_every_figure_of_every_column_and_the_portfolio(eu_returns):
    p = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--format", "csv", "--weights", "DAX=1")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "name,method,confidence,var,es,decay"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == 5 * 3 * 7  # 4 columns + the portfolio, 3 confidences, 4 methods + 3 weighting methods
    for name, method, conf, var, es, decay in rows:
        if name in ("DAX", "portfolio"):  # the portfolio is all DAX here
            c = float(conf)
            dax = eu_returns["DAX"].to_numpy()
            if method in rtrisk.WEIGHTED_METHODS:
                assert float(decay) == 0.94
                assert float(var) == rtrisk.var(dax, confidence=c, method=method, decay=0.94)
                assert float(es) == rtrisk.expected_shortfall(dax, confidence=c, method=method, decay=0.94)
            else:
                assert decay == ""
                assert float(var) == rtrisk.var(dax, confidence=c, method=method) or method == "monte_carlo"
            assert float(es) > 0
    p = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--format", "csv", "--decay", "0.97")
    ewma = [r for r in (line.split(",") for line in p.stdout.splitlines()[1:]) if r[1] == "ewma"]
    assert ewma and all(r[5] == "0.97" for r in ewma)


def test_the_cpp_example_prints_the_libraries_numbers(eu_returns):
    """examples/risk_report (the core from C++, a short example) and the Python API give the same figures."""
    from conftest import BUILD
    example = BUILD / "examples" / "risk_report"
    assert example.exists(), f"{example} is missing: build the C++ targets first (scripts/build.sh)"
    out = subprocess.run([str(example), str(DATA / "eu_stock_markets.csv")], check=True, capture_output=True, text=True).stdout
    w = pd.Series(0.25, index=eu_returns.columns)
    lines = out.splitlines()[1:]
    assert len(lines) == 12
    for line in lines:
        method, conf, v, e = line.split(",")
        c = float(conf)
        assert rtrisk.var(eu_returns, w, c, method) == pytest.approx(float(v), rel=1e-15), (method, c)
        assert rtrisk.expected_shortfall(eu_returns, w, c, method) == pytest.approx(float(e), rel=1e-15), (method, c)
    missing = subprocess.run([str(example), "/nonexistent.csv"], capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot open '/nonexistent.csv'" in missing.stderr


def test_csv_leaves_empty_cells_where_the_rows_are_too_few_for_a_weighting_method(tmp_path):
    """110 prices: 109 returns serve VaR 99 by the plain methods, but filtered historical spends 30
    on its seed and keeps 79 scenarios, too few for 99 %: empty cells, not a number or an error."""
    short = tmp_path / "short.csv"
    short.write_text("".join(open(DATA / "eu_stock_markets.csv").readlines()[:111]))
    p = run("report", "--prices", str(short), "--format", "csv")
    assert p.returncode == 0, p.stderr
    rows = {(r[0], r[1], r[2]): r for r in (line.split(",") for line in p.stdout.splitlines()[1:])}
    assert rows[("portfolio", "filtered_historical", "0.990")][3:5] == ["", ""]
    assert float(rows[("portfolio", "filtered_historical", "0.975")][3]) > 0
    assert float(rows[("portfolio", "historical", "0.990")][3]) > 0


def test_groups_file_gives_exposure_and_var_per_label(tmp_path, eu_returns):
    """--groups symbol,country,currency: the report's factors equal rtrisk.factor_exposures on the
    same returns and weights; a symbol left out groups as (none); a bad file exits 2 naming the line."""
    groups = tmp_path / "groups.csv"
    groups.write_text("symbol,country,currency\nDAX,DE,EUR\nSMI,CH,CHF\nCAC,FR,EUR\n")
    p = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--weights", "DAX=0.4,SMI=0.3,CAC=0.2,FTSE=0.1",
            "--groups", str(groups), "--format", "json")
    assert p.returncode == 0, p.stderr
    f = json.loads(p.stdout)["factors"]
    assert [g["group"] for g in f["currency"]] == ["EUR", "CHF", rtrisk.UNLABELLED]
    w = pd.Series({"DAX": 0.4, "SMI": 0.3, "CAC": 0.2, "FTSE": 0.1})
    ref = rtrisk.factor_exposures(eu_returns, w, pd.DataFrame({"currency": {"DAX": "EUR", "SMI": "CHF", "CAC": "EUR", "FTSE": None}}), 0.99, 0.99)
    for g in f["currency"]:
        row = ref.loc[("currency", g["group"])]
        assert g["members"] == row["members"]
        assert g["var"] == pytest.approx(row["var"], rel=1e-12) and g["component_var"] == pytest.approx(row["component_var"], rel=1e-12)
    assert sum(g["component_var"] for g in f["country"]) == pytest.approx(json.loads(p.stdout)["methods"]["historical"]["var"], rel=1e-10)
    table = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--groups", str(groups))
    assert table.returncode == 0 and "currency" in table.stdout and "CHF" in table.stdout
    for text, needle in (("symbol,country\nDAX,DE\nXYZ,FR\n", "line 3: unknown symbol 'XYZ'"),
                         ("symbol,country\nDAX,DE\nDAX,FR\n", "line 3: symbol 'DAX' already on line 2"),
                         ("name,country\nDAX,DE\n", "line 1: the header must be symbol"),
                         ("symbol,country\nDAX,DE,x\n", "line 2: expected 2 fields, got 3")):
        groups.write_text(text)
        bad = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--groups", str(groups))
        assert bad.returncode == 2 and needle in bad.stderr, (text, bad.stderr)


# Input-handling gaps, a test per class; each docstring says what the reader did before.

def _write(path, text):
    path.write_text(text)
    return path


def _one_line_error(p, *fragments):
    """Exit 2, one line on stderr holding every fragment, no traceback, nothing on stdout."""
    assert p.returncode == 2, (p.returncode, p.stdout[:200], p.stderr)
    assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert p.stdout == ""
    for fragment in fragments:
        assert fragment in p.stderr, (fragment, p.stderr)


def test_long_group_labels_and_tiny_confidences_give_no_traceback(tmp_path):
    """A groups field beyond the csv module's 131072-character limit was an uncaught _csv.Error;
    --confidence 1e-300 an OverflowError from Boost's erfc_inv (1 - 1e-300 rounds to 1: the
    normal quantile is infinite)."""
    f = tmp_path / "r.csv"
    f.write_text(_returns_csv())
    groups = tmp_path / "g.csv"
    groups.write_text("symbol,sector\nA," + "x" * 140_000 + "\nB,Fin\n")
    r = _json_report(f, "--groups", str(groups))
    assert [g["group"] for g in r["factors"]["sector"]] == ["x" * 140_000, "Fin"]
    for c in ("1e-300", "1e-17"):
        _one_line_error(run("report", "--returns", str(f), "--confidence", c), f"--confidence {c}", "not finite")
    assert _json_report(f, "--confidence", "0.5")["confidence"] == 0.5  # an odd confidence, a finite quantile


def test_first_column_is_data_unless_headed_as_a_label_or_holding_dates(tmp_path):
    """'1.2345%' cells under header A made A a label column, silently dropped; an 'asof' column of
    yyyymmdd dates became an instrument with a VaR of millions. Now a first column is the label
    column when headed date/day/... or empty, or when every cell is a date (ISO or yyyymmdd);
    otherwise it is data and every cell a number."""
    body = _returns_csv(label=False, header="B,C").split("\n")[1:-1]
    pct = tmp_path / "pct.csv"
    pct.write_text("A,B,C\n" + "".join(f"1.{2345 + i}%,{row}\n" for i, row in enumerate(body)))
    _one_line_error(run("report", "--returns", str(pct)), f"{pct}: line 2, column 1 (A): field '1.2345%' is not a number")
    ref = _json_report(_write(tmp_path / "plain.csv", _returns_csv()))
    days = [f"2020-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(len(body))]
    for name, dates in (("asof.csv", [d.replace("-", "") for d in days]), ("iso.csv", [d + "T17:30" for d in days])):
        f = _write(tmp_path / name, "asof,A,B\n" + "".join(f"{d},{row}\n" for d, row in zip(dates, body)))
        r = _json_report(f, "--stressed-window", "50")
        assert r["instruments"] == ["A", "B"] and r["methods"] == ref["methods"], name
        assert r["stressed_var"]["start"] in dates, name
    dates = [d.replace("-", "") for d in days]
    dates[3] = "20201341"  # not a day of the calendar: the column mixes dates and a number
    mixed = _write(tmp_path / "mixed.csv", "asof,A,B\n" + "".join(f"{d},{row}\n" for d, row in zip(dates, body)))
    _one_line_error(run("report", "--returns", str(mixed)), "line 5, column 1 (asof): '20201341' is not a date")


def test_a_file_without_its_header_line_is_refused(tmp_path):
    """The first scenario became the header (instruments '0.001',...) and was lost from the VaR."""
    f = _write(tmp_path / "nohead.csv", _returns_csv(label=False, header="A,B").split("\n", 1)[1])
    _one_line_error(run("report", "--returns", str(f)), f"{f}: line 1, column 1: the header names the instruments; got the number")
    f = _write(tmp_path / "nohead_dated.csv", _returns_csv().split("\n", 1)[1])  # with the date column: its dates are a label
    _one_line_error(run("report", "--returns", str(f)), "line 1, column 2: the header names the instruments; got the number")
    tickers = _write(tmp_path / "tickers.csv", _returns_csv(header="date,7203,6758"))  # numeric tickers are names
    assert _json_report(tickers)["instruments"] == ["7203", "6758"]


@pytest.mark.parametrize("cell", ["1_0", "0.0\u0661", "\uff10.01", "0x10", "1e", ".", "1.0.0", "0,01"])
def test_numbers_are_ascii_decimal_only(tmp_path, cell):
    """float() reads '1_0' as 10 and Arabic-Indic or full-width digits as digits: now refused,
    in files and in --weights and --confidence."""
    text = _returns_csv().split("\n")
    text[3] = f'2020-01-002,"{cell}",0.01'
    _one_line_error(run("report", "--returns", str(_write(tmp_path / "n.csv", "\n".join(text)))),
                    f"line 4, column 2 (A): field {cell!r} is not a number")
    if cell == "1_0":
        _one_line_error(run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--weights", "DAX=1_0"),
                        "weight '1_0' for DAX is not a number")
        for option, value, kind in (("--confidence", "0.9_9", "float"), ("--decay", "0.9\u0664", "float"),
                                    ("--window", "1_00", "int"), ("--stressed-window", "\uff15\uff10", "int")):
            p = run("report", "--prices", str(DATA / "eu_stock_markets.csv"), option, value)
            assert p.returncode == 2 and f"{option}: invalid {kind} value: {value!r}" in p.stderr, p.stderr
        text[3] = "2020-01-002, -1.5E-3 ,+.5e-2"  # spaces around, a sign, no leading digit, an exponent: numbers
        assert _json_report(_write(tmp_path / "ok.csv", "\n".join(text)))["scenarios"] == 120


def test_weights_name_each_instrument_once():
    """A=0.5,A=0.3 kept the last weight silently."""
    eu = str(DATA / "eu_stock_markets.csv")
    _one_line_error(run("report", "--prices", eu, "--weights", "DAX=0.5,DAX=0.3"), "--weights: DAX is given twice")
    _one_line_error(run("report", "--prices", eu, "--weights", "DAX=0.5,dax=0.3"), "unknown symbol 'dax' in --weights")


@pytest.mark.parametrize("text,fragment", [
    ('symbol,sector\nA,"Tech"x\nB,Fin\n', "line 2, column 2: 'x' after the closing quote"),
    ('symbol,sector\nA,Te"ch\n', "line 2, column 2: a quote inside the unquoted field"),
    ('symbol,sector\nA,"Te\nch"\n\nB,Fin\nZ,Q\n', "line 2, column 2 (sector): field 'Te\\nch' holds the non-printing character U+000A"),
    ('symbol,sector\n\nB,Fin\n\nZ,Q\n', "line 5: unknown symbol 'Z'"),
    ('symbol,sector\r\rB,Fin\rZ,Q\r', "line 4: unknown symbol 'Z'"),
    ('symbol,sector\nA,"Tech\n', "line 2, column 2: the quote is never closed"),
    (b"symbol,sector\nA,Tech\nB,F\xffin\n", "line 3, column 2: byte 0xff is not UTF-8 text"),
    ("\ufeffsymbol,sector\nA,Te\tch\n", "line 2, column 2 (sector): field 'Te\\tch' holds the non-printing character U+0009"),
])
def test_groups_file_is_read_as_strictly_as_the_returns(tmp_path, text, fragment):
    """'A,"Tech"x' gave the group 'Techx'; line numbers counted records, not lines; a non-UTF-8
    groups file gave no line."""
    returns = _write(tmp_path / "r.csv", _returns_csv())
    groups = tmp_path / "g.csv"
    groups.write_bytes(text if isinstance(text, bytes) else text.encode())
    _one_line_error(run("report", "--returns", str(returns), "--groups", str(groups)), f"{groups}: {fragment}")


def test_a_second_byte_order_mark_is_refused(tmp_path):
    """One BOM is stripped; a second made the instrument '\\ufeffA'."""
    f = tmp_path / "bom2.csv"
    f.write_bytes(b"\xef\xbb\xbf" * 2 + _returns_csv(label=False, header="A,B").encode())
    _one_line_error(run("report", "--returns", str(f)), "line 1, column 1: field '\\ufeffA' holds the non-printing character U+FEFF")


def test_names_reach_the_csv_and_the_table_intact(tmp_path):
    """A name with a comma or quote is quoted in --format csv (RFC 4180), not split into columns;
    a line break, tab or other control character in a name or label is refused at read time."""
    import csv
    import io
    f = _write(tmp_path / "q.csv", _returns_csv(header='date,"A,x","B""q"'))
    p = run("report", "--returns", str(f), "--confidence", "0.95", "--format", "csv")
    assert p.returncode == 0, p.stderr
    rows = list(csv.reader(io.StringIO(p.stdout)))
    assert {r[0] for r in rows[1:]} == {"A,x", 'B"q', "portfolio"} and all(len(r) == 6 for r in rows)
    clash = run("report", "--returns", str(_write(f, _returns_csv(header="date,portfolio,B"))), "--format", "csv")
    _one_line_error(clash, "rename the column 'portfolio'")  # its rows would read as the weighted portfolio's
    for header, fragment in (('date,"A\nx",B', "line 1, column 2: field 'A\\nx' holds the non-printing character U+000A"),
                             ('date,"A\tx",B', "line 1, column 2: field 'A\\tx' holds the non-printing character U+0009")):
        _one_line_error(run("report", "--returns", str(_write(f, _returns_csv(header=header)))), fragment)
    labelled = _write(f, _returns_csv().replace("2020-01-005", '"2020-01\r\n-005"'))
    _one_line_error(run("report", "--returns", str(labelled)), "line 7, column 1 (date): field '2020-01\\r\\n-005' holds the non-printing")


def test_errors_name_the_physical_line_and_column_where_the_field_starts(tmp_path):
    """An unterminated quote opened on line 7 was reported on the last line; '"0.02"x' had no
    column; a multi-line record named its last line; a covariance overflow named 0-based
    (row, column) of the data."""
    lines = _returns_csv().split("\n")
    cases = []
    unterminated = list(lines); unterminated[6] = unterminated[6].replace(",", ',"', 1)
    cases.append((unterminated, "line 7, column 2: the quote is never closed"))
    after = list(lines); after[4] = '2020-01-003,"0.02"x,0.01'
    cases.append((after, "line 5, column 2: 'x' after the closing quote of '\"0.02\"'"))
    multi = list(lines); multi[4] = '2020-01-003,zz,"0.01\n"'
    cases.append((multi, "line 5, column 2 (A): field 'zz' is not a number"))
    second = list(lines); second[4] = '"2020-01-003",0.01,"0.01\n\n",zz'
    cases.append((second, "line 5: expected 3 fields, got 4"))
    cr = list(lines); cr[2] = cr[2] + "\r" + cr[3]; cr[3] = "2020-01-x,0.01,oops"
    cases.append((cr, "line 5, column 3 (B): field 'oops' is not a number"))  # a lone CR ends a line, as in editors
    for k, (text, fragment) in enumerate(cases):
        f = _write(tmp_path / f"c{k}.csv", "\n".join(text))
        _one_line_error(run("report", "--returns", str(f)), f"{f}: {fragment}")
    big = list(lines); big[100] = "2020-01-099,1e300,1e300"  # file line 101: Monte Carlo's covariance overflows
    r = _json_report(_write(tmp_path / "big.csv", "\n".join(big)))
    assert "line 101, column A" in r["methods"]["monte_carlo"]["skipped"], r["methods"]["monte_carlo"]
    assert "row " not in r["methods"]["monte_carlo"]["skipped"]


@pytest.mark.parametrize("kind", ["cash", "duplicate", "tiny"])
def test_a_covariance_monte_carlo_cannot_factor_skips_that_method_only(tmp_path, kind):
    """A cash column of zeros, a duplicated column, or returns of 1e-200 gave exit 2 because the
    Monte Carlo covariance is not positive definite: now that method is skipped with the reason."""
    rows = _returns_csv().split("\n")
    if kind == "tiny":
        text = "\n".join([rows[0]] + [",".join([r.split(",")[0]] + [f"{float(x) * 1e-198:.6e}" for x in r.split(",")[1:]])
                                      for r in rows[1:-1]]) + "\n"
    else:
        extra = (lambda r: "0") if kind == "cash" else (lambda r: r.split(",")[1])
        text = "\n".join([rows[0] + ",X"] + [r + "," + extra(r) for r in rows[1:-1]]) + "\n"
    f = _write(tmp_path / f"{kind}.csv", text)
    r = _json_report(f)
    assert "not positive definite" in r["methods"]["monte_carlo"]["skipped"]
    assert all("var" in r["methods"][m] for m in ("historical", "gaussian", "cornish_fisher", "ewma"))
    table = run("report", "--returns", str(f), "--confidence", "0.95")
    assert table.returncode == 0 and "monte_carlo          skipped:" in table.stdout, table.stderr
    p = run("report", "--returns", str(f), "--confidence", "0.95", "--format", "csv")
    assert p.returncode == 0, p.stderr
    mc = [line.split(",") for line in p.stdout.splitlines() if ",monte_carlo," in line]
    assert mc and any(row[3:5] == ["", ""] for row in mc)
