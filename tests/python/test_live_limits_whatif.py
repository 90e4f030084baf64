"""POST /api/whatif and risk limits (docs/protocol.md "What-if", docs/limits.md), against both servers
(live_server.SERVERS) over a book held still (a tick file with no ticks):

- the what-if of trades equals the risk of the book with those trades booked, loaded from files
  and computed from scratch (test_live_engine_api.with_trades, itself checked against the offline
  core), and the live book does not change; refusals are 400 naming the field, 405, 401, 403, 413;
- limits from --limits FILE in every publication, a breach raised in the stream, /metrics and
  the alerts list, and its "cleared" event when the limit is raised past the hysteresis band;
  edits saved to the file and read back by the next server; read-only without --token."""
import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import websockets

from live_server import BINARY, DEMO, ROOT, SCHEMA, SERVERS, Server, check_message, run
from test_live_engine_api import with_trades

TOKEN = "s3cret"


def valid(instance, definition):
    import jsonschema
    jsonschema.validate(instance, {"$ref": f"#/definitions/{definition}", "definitions": SCHEMA["definitions"]}, cls=jsonschema.Draft7Validator)


def request(server, method, path, body=None, token=TOKEN, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=data, method=method,
                                 headers={**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


@pytest.fixture(scope="module", params=SERVERS)
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def still(tmp_path_factory):
    """A tick file without ticks: the book stays as loaded."""
    p = tmp_path_factory.mktemp("ticks") / "none.csv"
    p.write_text("symbol,price,quantity,node\n")
    return p


def start(kind, still, *args):
    s = Server("--ticks", str(still), "--token", TOKEN, *args, kind=kind)
    deadline = time.monotonic() + 30
    while request(s, "GET", "/api/risk")[0] != 200:  # the first publication
        assert time.monotonic() < deadline and s.proc.poll() is None
        time.sleep(0.05)
    return s


@pytest.fixture(scope="module")
def server(kind, still, tmp_path_factory):
    s = start(kind, still)
    yield s
    s.stop()


def test_what_if_equals_the_book_with_the_trades_booked_and_changes_nothing(server, tmp_path):
    risk_before = json.loads(request(server, "GET", "/api/risk")[1])
    trades = [{"node": "FIRM/Equities/Europe/alice", "symbol": "DAX", "quantity": 15},
              {"node": "FIRM/Equities/UK/newbie", "symbol": "SMI", "quantity": -30}]
    status, body, headers = request(server, "POST", "/api/whatif", {"trades": trades})
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    valid(answer, "what_if_response")
    nodes = {n["path"]: n for n in answer["nodes"]}
    assert set(nodes) == {"FIRM/Equities/Europe/alice", "FIRM/Equities/Europe", "FIRM/Equities", "FIRM",
                          "FIRM/Equities/UK/newbie", "FIRM/Equities/UK"}
    depths = [n["path"].count("/") for n in answer["nodes"]]
    assert depths == sorted(depths, reverse=True)  # deepest first, the root last
    # the reference: the book with the trades written into its file, computed from scratch
    after = with_trades(tmp_path, [(t["node"], t["symbol"], float(t["quantity"]), 1.0) for t in trades]).risk()
    before = {n["path"]: n for n in risk_before["nodes"]}
    for path, n in nodes.items():
        assert n["var_99_after"] == pytest.approx(after.loc[path, "var_99"], rel=1e-9), path
        assert n["es_975_after"] == pytest.approx(after.loc[path, "es_975"], rel=1e-9), path
        assert n["gross_exposure_after"] == pytest.approx(after.loc[path, "gross_exposure"], rel=1e-9), path
        assert n["net_delta_after"] == pytest.approx(after.loc[path, "net_delta"], rel=1e-9), path
        assert n["var_99_before"] == (before[path]["var_99"] if path in before else 0.0), path
        assert n["exists"] == (path in before)
        for b in n["breaches"]:  # the demo's limits (data/demo_limits.csv) the figures after would pass
            assert b["value"] > b["limit"] and b["utilisation"] == pytest.approx(b["value"] / b["limit"])
    # the book did not change
    assert json.loads(request(server, "GET", "/api/risk")[1])["nodes"] == risk_before["nodes"]
    # a price off the current value is P&L now, and moves no risk
    cheap = json.loads(request(server, "POST", "/api/whatif", {"trades": [{**trades[0], "price": 1.0}]})[1])["nodes"]
    dear = json.loads(request(server, "POST", "/api/whatif", {"trades": [trades[0]]})[1])["nodes"]
    assert cheap[0]["var_99_after"] == dear[0]["var_99_after"]
    assert cheap[0]["pnl_after"] > dear[0]["pnl_after"] == pytest.approx(dear[0]["pnl_before"])


@pytest.mark.parametrize("body, needle", [
    (b"not json", "malformed request body"),
    ({}, "trades: an array is required"),
    ({"trades": []}, "trades: at least one trade is required"),
    ({"trades": [{"node": "FIRM/a", "symbol": "DAX"}]}, "trades[0].quantity: required"),
    ({"trades": [{"node": "FIRM/a", "symbol": "DAX", "quantity": "1"}]}, "trades[0].quantity: a number is required"),
    ({"trades": [{"node": "FIRM/a", "symbol": "DAX", "quantity": 0}]}, "trades[0].quantity: 0"),
    ({"trades": [{"node": "FIRM/a", "symbol": "DAX", "quantity": 1}, {"node": "FIRM/a", "symbol": "NOPE", "quantity": 1}]},
     "trades[1].symbol: unknown symbol 'NOPE'"),
    ({"trades": [{"node": "OTHER/a", "symbol": "DAX", "quantity": 1}]}, "trades[0].node: 'OTHER/a' is not under the book's root"),
    ({"trades": [{"node": "FIRM/a", "symbol": "DAX", "quantity": 1, "price": -1}]}, "trades[0].price: -1"),
    ({"trades": [{"node": "FIRM/a", "symbol": "DAX", "quantity": 1, "side": "buy"}]}, "trades[0]: unknown field 'side'"),
])
def test_bad_what_if_requests_are_400_naming_the_field(server, body, needle):
    bad = server.metric("rtrisk_bad_requests_total")
    status, text, _ = request(server, "POST", "/api/whatif", body)
    assert status == 400 and text.startswith(needle), text
    assert server.metric("rtrisk_bad_requests_total") == bad + 1
    assert server.proc.poll() is None


def test_what_if_refusals_by_method_token_origin_and_size(server):
    trade = {"trades": [{"node": "FIRM/a", "symbol": "DAX", "quantity": 1}]}
    status, _, headers = request(server, "GET", "/api/whatif")
    assert status == 405 and headers["Allow"] == "POST"
    assert request(server, "PUT", "/api/limits", trade)[2]["Allow"] == "GET, HEAD, POST"
    assert request(server, "POST", "/api/risk", trade)[2]["Allow"] == "GET, HEAD"
    assert request(server, "POST", "/api/whatif", trade, token=None)[0] == 401
    assert request(server, "POST", "/api/whatif", trade, token="s3cretx")[0] == 401
    assert request(server, "POST", "/api/whatif", trade, headers={"Origin": "http://evil.example"})[0] == 403
    assert request(server, "POST", "/api/whatif", trade, headers={"Origin": f"http://127.0.0.1:{server.port}"})[0] == 200
    assert request(server, "POST", "/api/whatif", b" " * 9000)[0] == 413
    assert server.proc.poll() is None


async def wait_for(url, predicate, seconds=20):
    """Reads the stream until predicate(held data) holds; returns the data."""
    async with websockets.connect(url + f"?token={TOKEN}", max_size=None) as ws:
        held = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            m = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            held = check_message(m, held)
            if held is not None and predicate(held):
                return held
    raise AssertionError("not seen in the stream")


def test_limits_breach_and_clear_in_the_stream_metrics_and_file(kind, still, tmp_path):
    limits = tmp_path / "limits.csv"
    limits.write_text("node,measure,limit\nFIRM/Equities,gross_exposure,1e12\n")
    s = start(kind, still, "--limits", str(limits))
    try:
        root = json.loads(request(s, "GET", "/api/risk")[1])["nodes"][0]
        status, body, _ = request(s, "GET", "/api/limits")
        assert status == 200
        valid(json.loads(body), "limits_response")
        assert json.loads(body) == {"limits": [{"node": "FIRM/Equities", "measure": "gross_exposure", "limit": 1e12}], "editable": True,
                                    "file": str(limits)}
        # a VaR limit 1 % under the firm's VaR: a breach
        status, body, _ = request(s, "POST", "/api/limits", {"limits": [{"node": "FIRM", "measure": "var_99", "limit": root["var_99"] * 0.99}]})
        assert status == 200, body
        assert len(json.loads(body)["limits"]) == 2
        data = run(wait_for(s.url, lambda d: any(a["event"] == "breach" for a in d["alerts"])))
        [breach] = [a for a in data["alerts"] if a["event"] == "breach"]
        assert breach["node"] == "FIRM" and breach["measure"] == "var_99" and breach["value"] == pytest.approx(root["var_99"], abs=0.01)
        [firm] = [l for l in data["limits"] if l["node"] == "FIRM"]
        assert firm["breached"] and firm["utilisation"] == pytest.approx(1 / 0.99, rel=1e-3)
        assert s.metric("rtrisk_limit_breaches_total") == 1 and s.metric("rtrisk_limits_breached") == 1
        # a what-if reports the limits it would breach
        w = json.loads(request(s, "POST", "/api/whatif", {"trades": [{"node": "FIRM/Equities/Europe/alice", "symbol": "DAX", "quantity": 1}]})[1])
        assert [b["measure"] for b in w["nodes"][-1]["breaches"]] == ["var_99"] and w["nodes"][-1]["breaches"][0]["breached_before"]
        # raised to 1/0.97 of the VaR: utilisation 0.97 is inside the band, still breached
        request(s, "POST", "/api/limits", {"limits": [{"node": "FIRM", "measure": "var_99", "limit": root["var_99"] / 0.97}]})
        data = run(wait_for(s.url, lambda d: any(l["node"] == "FIRM" and l["utilisation"] < 0.98 for l in d["limits"])))
        assert [l["breached"] for l in data["limits"] if l["node"] == "FIRM"] == [True]
        # raised past the band: cleared
        request(s, "POST", "/api/limits", {"limits": [{"node": "FIRM", "measure": "var_99", "limit": root["var_99"] * 1.2}]})
        data = run(wait_for(s.url, lambda d: any(a["event"] == "cleared" for a in d["alerts"])))
        assert [a["event"] for a in data["alerts"]] == ["breach", "cleared"]
        assert s.metric("rtrisk_limit_clears_total") == 1 and s.metric("rtrisk_limits_breached") == 0
        # removed with null; the file holds what is left
        request(s, "POST", "/api/limits", {"limits": [{"node": "FIRM/Equities", "measure": "gross_exposure", "limit": None}]})
        lines = limits.read_text().splitlines()
        assert lines[0] == "node,measure,limit" and len(lines) == 2 and lines[1].startswith("FIRM,var_99,")
        # bad edits: 400 naming the field, nothing saved
        for body, needle in [({"limits": [{"node": "FIRM", "measure": "delta", "limit": 1}]}, "limits[0].measure"),
                             ({"limits": [{"node": "FIRM", "measure": "var_99", "limit": -1}]}, "limits[0].limit"),
                             ({"limits": [{"node": "FIRM", "measure": "var_99"}]}, "limits[0].limit"),
                             ({"limit": []}, "")]:
            status, text, _ = request(s, "POST", "/api/limits", body)
            assert status == 400 and needle in text, text
        assert limits.read_text().splitlines() == lines
        assert request(s, "POST", "/api/limits", {"limits": []}, token=None)[0] == 401
    finally:
        s.stop()
    # the next server reads the saved file
    s = start(kind, still, "--limits", str(limits))
    try:
        assert [l["node"] for l in json.loads(request(s, "GET", "/api/limits")[1])["limits"]] == ["FIRM"]
    finally:
        s.stop()


def test_limits_are_read_only_without_a_token_or_a_file(kind, still, tmp_path):
    limits = tmp_path / "limits.csv"
    limits.write_text("node,measure,limit\nFIRM,var_99,1\n")
    s = Server("--ticks", str(still), "--limits", str(limits), kind=kind)
    try:
        body = json.loads(request(s, "GET", "/api/limits", token=None)[1])
        assert body["editable"] is False and body["limits"][0]["limit"] == 1
        status, text, _ = request(s, "POST", "/api/limits", {"limits": []}, token=None)
        assert status == 403 and "--token" in text
    finally:
        s.stop()


@pytest.mark.parametrize("text, needle", [
    ("node,measure,limit\nFIRM,var_95,1\n", "limits.csv:2: field 'measure'"),
    ("node,measure,limit\nFIRM,var_99,1\nFIRM,var_99,2\n", "limits.csv:3: a second var_99 limit"),
])
def test_a_bad_limits_file_exits_2_naming_line_and_field(kind, tmp_path, text, needle):
    (tmp_path / "limits.csv").write_text(text)
    command = [str(BINARY)] if kind == "cpp" else [sys.executable, "-m", "rtrisk.service"]
    r = subprocess.run([*command, *DEMO, "--port", "0", "--limits", str(tmp_path / "limits.csv")], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
