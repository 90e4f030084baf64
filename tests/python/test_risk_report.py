"""The C++ report (examples/risk_report, scripts/report) refuses bad arguments and files with exit
status 2 and a one-line message naming the value, never a crash or a partial number."""
import subprocess

import pytest

from conftest import BUILD, DATA

REPORT = BUILD / "examples" / "risk_report"


@pytest.mark.parametrize("args,needle", [
    (["--confidence", "abc"], "--confidence: 'abc'"),
    (["--confidence", "0.99x"], "--confidence: '0.99x'"),
    (["--confidence", "1.5"], "--confidence: '1.5'"),
    (["--confidence", "nan"], "--confidence: 'nan'"),
    (["--window", "25x"], "--window: '25x'"),
    (["--window", "-1"], "--window: '-1'"),
    (["--weights", "DAX=0.4x"], "weight '0.4x' of 'DAX'"),
    (["--weights", "DAX=inf"], "weight 'inf' of 'DAX'"),
    (["--weights", "NOPE=1"], "unknown symbol 'NOPE'"),
    (["--format", "xml"], "unknown format 'xml'"),
    (["--prices", "/nonexistent.csv"], "cannot open '/nonexistent.csv'"),
    (["--window"], "missing value after --window"),
])
def test_bad_arguments_exit_2_naming_the_value(args, needle):
    p = subprocess.run([str(REPORT), "--prices", str(DATA / "eu_stock_markets.csv"), *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (args, p.returncode, p.stdout, p.stderr)
    assert needle in p.stderr
    assert p.stdout == ""


@pytest.mark.parametrize("content,needle", [
    (b"day,A,A\n1,100,200\n2,101,199\n", "column name 'A' appears twice"),
    (b"day,A,B\n1,100,200\n2,1e999,199\n", "field '1e999' in column A is not a finite number"),
    (b"day,A,B\n1,100,200\n2,nan,199\n", "field 'nan' in column A is not a finite number"),
    (b"day,A,B\n1,100\n", ":2: expected 3 fields, got 2"),
    (b"day,A,\n1,100,200\n", "column 3 has no name"),
    (b"day,A,B\n", "no data rows"),
])
def test_malformed_price_files(tmp_path, content, needle):
    f = tmp_path / "prices.csv"
    f.write_bytes(content)
    p = subprocess.run([str(REPORT), "--prices", str(f), "--window", "2"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert needle in p.stderr


def test_a_byte_order_mark_and_crlf_change_nothing(tmp_path):
    plain = (DATA / "eu_stock_markets.csv").read_bytes()
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n"))
    run = lambda path: subprocess.run([str(REPORT), "--prices", str(path)], capture_output=True, text=True, timeout=60)
    a, b = run(DATA / "eu_stock_markets.csv"), run(f)
    assert a.returncode == 0 and b.returncode == 0, b.stderr
    assert b.stdout == a.stdout.replace(str(DATA / "eu_stock_markets.csv"), str(f))
