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


def test_returns_file_and_table_format():
    p = run("report", "--returns", str(DATA / "edhec_returns.csv"), "--confidence", "0.95")
    assert p.returncode == 0, p.stderr
    assert "cornish_fisher" in p.stdout and "Kupiec" in p.stdout


def test_malformed_row_is_rejected_with_its_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,A,B\n2020-01-31,0.01,0.02\n2020-02-29,0.01,oops\n")
    p = run("report", "--returns", str(bad))
    assert p.returncode == 2
    assert "line 3: field 'oops' in column B is not a number" in p.stderr
    short = tmp_path / "short.csv"
    short.write_text("date,A,B\n2020-01-31,0.01\n")
    assert "line 2: expected 3 fields, got 2" in run("report", "--returns", str(short)).stderr
    assert "unknown symbol 'XYZ'" in run("report", "--prices", str(DATA / "eu_stock_markets.csv"), "--weights", "XYZ=1").stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "rtrisk"
    assert script.exists(), f"{script} missing: install with pip"
    p = subprocess.run([str(script), "report", "--prices", str(DATA / "eu_stock_markets.csv")], capture_output=True, text=True)
    assert p.returncode == 0 and "historical" in p.stdout
