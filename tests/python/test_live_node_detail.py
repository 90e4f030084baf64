"""GET /api/node?path=P (docs/protocol.md, "Node detail") against both servers over a book held
still: the schema; the VaR, ES and tail against the offline core (test_book_once.offline_node_pnl,
numpy); Greeks by underlying adding up the option positions' own; refusals 400, 404, 401."""
import json

import numpy as np
import pytest

import rtrisk
from test_book_once import offline_node_pnl
from test_live_limits_whatif import TOKEN, kind, request, server, still, valid  # noqa: F401 (fixtures)


@pytest.mark.parametrize("path", ["FIRM", "FIRM/Derivatives", "FIRM/Equities/Europe/alice"])
def test_node_detail_matches_the_offline_core(server, path):
    status, body, headers = request(server, "GET", f"/api/node?path={path}")
    assert status == 200, body
    d = json.loads(body)
    valid(d, "node_detail")
    pnl = offline_node_pnl()[path]
    assert d["path"] == path and d["scenarios"] == len(pnl)
    assert d["var_99"] == pytest.approx(rtrisk.var(pnl, confidence=0.99), rel=1e-9)
    assert d["es_975"] == pytest.approx(rtrisk.expected_shortfall(pnl, confidence=0.975), rel=1e-9)
    worst = np.sort(pnl)[:len(d["tail"])]
    assert [t["pnl"] for t in d["tail"]] == pytest.approx(list(worst), rel=1e-9)
    # numpy's linear quantile at 1 % lies between the last two tail scenarios
    q = -np.quantile(pnl, 0.01, method="linear")
    assert -d["tail"][-2]["pnl"] >= q - 1e-6 >= -d["tail"][-1]["pnl"] - 2e-6
    assert sum(d["histogram"]["counts"]) == len(pnl)
    assert d["histogram"]["edges"][0] == pytest.approx(pnl.min()) and d["histogram"]["edges"][-1] == pytest.approx(pnl.max())
    for g in d["greeks"]:
        opts = [o for o in d["options"] if o["underlying"] == g["underlying"]]
        if opts and g["underlying"] != "DAX":  # DAX is also held linearly (delta 1 per unit) under FIRM
            assert g["vega"] == pytest.approx(sum(o["vega"] for o in opts), rel=1e-9)
    assert len(d["top_contributors"]) <= 10
    comps = [c["component_var"] for c in d["top_contributors"]]
    assert comps == sorted(comps, reverse=True)


def test_node_detail_refusals(server):
    assert request(server, "GET", "/api/node")[0] == 400
    status, text, _ = request(server, "GET", "/api/node?path=FIRM/none")
    assert status == 404 and "no node 'FIRM/none'" in text
    assert request(server, "GET", "/api/node?path=FIRM", token=None)[0] == 401
    assert request(server, "POST", "/api/node?path=FIRM", {})[0] == 405
    assert server.proc.poll() is None


def test_backtest_matches_numpy_over_the_price_history(server):
    """A node of stocks (alice): its hypothetical P&L on each of the last 250 days and the VaR 99
    of the 500 days before, from the files with numpy (offline_node_pnl over 750 days); the
    exceptions; Kupiec's LR from its formula, chi-square(1) upper tail = erfc(sqrt(LR / 2))."""
    import math
    path = "FIRM/Equities/Europe/alice"
    status, body, _ = request(server, "GET", f"/api/backtest?path={path}")
    assert status == 200, body
    b = json.loads(body)
    valid(b, "node_backtest")
    pnl = offline_node_pnl(750)[path]
    assert b["window"] == 500 and len(b["days"]) == 250
    hits = 0
    for d, day in enumerate(b["days"]):
        var = -np.quantile(pnl[d:d + 500], 0.01, method="linear")
        assert day["var_99"] == pytest.approx(var, rel=1e-9)
        assert day["pnl"] == pytest.approx(pnl[500 + d], rel=1e-9, abs=1e-6)
        assert day["exception"] == (pnl[500 + d] < -var)
        hits += day["exception"]
    assert b["exceptions"] == hits and b["days"][-1]["label"] == "1860"
    x, n, p = hits, 250, 0.01
    lr = -2 * ((n - x) * math.log(1 - p) + x * math.log(p) - ((n - x) * math.log(1 - x / n) if x < n else 0) - (x * math.log(x / n) if x else 0))
    assert b["kupiec_p"] == pytest.approx(math.erfc(math.sqrt(lr / 2)), rel=1e-9)
    assert b["traffic_light"] == ("green" if hits <= 4 else "yellow" if hits <= 9 else "red")  # Basel (1996) table for 250 days
    assert request(server, "GET", "/api/backtest?path=FIRM/none")[0] == 404
    assert request(server, "GET", "/api/backtest")[0] == 400
