"""The batch risk run, `rtrisk_live --book B --history H --asof D --once`, against the offline core
on the same files: every node's VaR 99 and ES 97.5 recomputed here from the files with pandas,
numpy and rtrisk's own BSM and historical VaR/ES (full revaluation of every option in every
scenario), to 1e-9 relative. Also: bad book files exit 2 naming file, line and field; CSV and
JSON Lines give the same risk; GET /api/risk answers the same shape."""
import datetime as dt
import json
import subprocess
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest

import rtrisk
from conftest import DATA, ROOT
from live_server import BINARY, DEMO, SCHEMA, Server

ASOF = dt.date(2026, 12, 1)  # data/demo.toml
RATE = 0.03
DIVIDEND = 0.02               # every index of the demo


def valid_report(report):
    import jsonschema
    jsonschema.validate(report, {"$ref": "#/definitions/RiskReport", "definitions": SCHEMA["definitions"]},
                        cls=jsonschema.Draft7Validator)


def once(*args):
    p = subprocess.run([str(BINARY), *args, "--once"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    return p


def offline_node_pnl(scenarios=500):
    """Scenario P&L per node, from the files, with the core's Python API."""
    book = pd.read_csv(DATA / "demo_book.csv")
    proxies = pd.read_csv(DATA / "demo_proxies.csv").set_index("symbol")
    prices = pd.read_csv(DATA / "eu_stock_markets.csv", index_col=0)
    returns = (prices / prices.shift(1) - 1).iloc[1:].tail(scenarios)
    spot = prices.iloc[-1].to_dict()
    for sym, row in proxies.iterrows():
        returns[sym] = row["beta"] * returns[row["proxy"]]
        spot[sym] = row["price"]
    pnl = {}
    for _, p in book.iterrows():
        m = 1.0 if pd.isna(p["multiplier"]) else float(p["multiplier"])
        if pd.isna(p["type"]):
            s = spot[p["symbol"]]
            v = p["quantity"] * m * s * returns[p["symbol"]].to_numpy()
        else:
            u, s = p["underlying"], spot[p["underlying"]]
            t = (dt.date.fromisoformat(p["expiry"]) - ASOF).days / 365.0
            moved = s * (1 + returns[u].to_numpy())
            now = rtrisk.bsm(s, p["strike"], t, RATE, DIVIDEND, p["vol"], kind=p["type"]).price
            after = rtrisk.bsm(moved, p["strike"], t, RATE, DIVIDEND, p["vol"], kind=p["type"]).price
            v = p["quantity"] * m * (after - now)
        parts = p["node"].split("/")
        for k in range(1, len(parts) + 1):
            path = "/".join(parts[:k])
            pnl[path] = pnl.get(path, 0) + v
    return pnl


def test_once_equals_the_offline_core_on_the_same_files():
    p = once(*DEMO)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    valid_report(report)
    nodes = {n["path"]: n for n in report["nodes"]}
    expected = offline_node_pnl()
    assert set(nodes) == set(expected)  # the root and every intermediate node included
    assert report["nodes"][0]["path"] == "FIRM" and report["nodes"][0]["parent"] is None
    for path, v in expected.items():
        n = nodes[path]
        # Both sides sum the same terms in another order: 1e-9 relative leaves ~1e6 x rounding.
        assert n["var_99"] == pytest.approx(rtrisk.var(v, confidence=0.99), rel=1e-9), path
        assert n["es_975"] == pytest.approx(rtrisk.expected_shortfall(v, confidence=0.975), rel=1e-9), path
        for field in ("market_value", "pnl", "net_delta", "gross_exposure", "component_var"):
            assert np.isfinite(n[field]), (path, field)
    # Children's components sum to the parent's VaR (Euler); the demo holds positions only at leaves.
    for path, n in nodes.items():
        kids = [c for c in nodes.values() if c["parent"] == path]
        if kids:
            assert sum(c["component_var"] for c in kids) == pytest.approx(n["var_99"], rel=1e-9), path


def test_json_lines_give_the_same_risk_as_csv(tmp_path):
    book = pd.read_csv(DATA / "demo_book.csv")
    with open(tmp_path / "book.jsonl", "w") as f:
        for rec in book.to_dict("records"):
            f.write(json.dumps({k: v for k, v in rec.items() if not (isinstance(v, float) and np.isnan(v))}) + "\n")
    a, b = once(*DEMO), once(*DEMO, "--book", str(tmp_path / "book.jsonl"))
    assert a.returncode == 0 and b.returncode == 0, b.stderr
    assert json.loads(a.stdout) == json.loads(b.stdout)


@pytest.mark.parametrize("row,needle", [
    ("FIRM/x,DAX,10,abc,,,,,,", ":2: field 'price': 'abc' is not a finite number"),
    ("FIRM/x,NOPE,10,5,,,,,,", ":2: field 'symbol': 'NOPE' has no column in"),
    ("FIRM/x,P1,1,5,,put,DAX,100,2026-11-30,0.2", ":2: field 'expiry': 2026-11-30 is before the valuation date"),
    ("FIRM/x,P1,1,5,,put,DAX,-1,2027-11-30,0.2", ":2: field 'strike': -1 is not in (0, 1e15]"),
    ("OTHER/x,DAX,1,5,,,,,,", ":2: field 'node': node path 'OTHER' has root 'OTHER'"),
])
def test_a_bad_book_exits_2_naming_file_line_and_field(tmp_path, row, needle):
    header = "node,symbol,quantity,price,multiplier,type,underlying,strike,expiry,vol"
    first = "FIRM/y,SMI,1,5,,,,,," if row.startswith("OTHER") else None
    lines = [header] + ([first, row] if first else [row])
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n")
    p = once(*DEMO, "--book", str(tmp_path / "b.csv"))
    assert p.returncode == 2, p.stderr
    expected = needle.replace(":2:", ":3:") if first else needle
    assert str(tmp_path / "b.csv") + expected in p.stderr
    assert p.stdout == ""  # nothing half-printed


def test_api_risk_answers_every_node_with_seq_and_event_time():
    s = Server()
    try:
        import time
        deadline = time.monotonic() + 20
        while True:  # 503 until the first publication; event time 0 until the first tick
            try:
                status, body = s.get("/api/risk")
                if json.loads(body)["event_time_us"] > 0:
                    break
            except urllib.error.HTTPError as e:
                assert e.code == 503
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert status == 200
        r = json.loads(body)
        valid_report(r)
        assert r["seq"] >= 1 and r["event_time_us"] > 0
        assert {n["path"] for n in r["nodes"]} == set(offline_node_pnl())
        for n in r["nodes"]:
            assert n["var_99"] > 0 and n["es_975"] > 0
    finally:
        s.stop()


def test_api_risk_needs_the_token_when_one_is_set():
    s = Server("--token", "s3cret")
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            s.get("/api/risk")
        assert e.value.code == 401
        req = urllib.request.Request(f"http://127.0.0.1:{s.port}/api/risk", headers={"Authorization": "Bearer s3cret"})
        import time
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    assert r.status == 200
                    assert json.loads(r.read())["nodes"][0]["path"] == "FIRM"
                    break
            except urllib.error.HTTPError as err:
                assert err.code == 503 and time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        s.stop()
