"""Protocol conformance suite (docs/protocol.md), one suite against both servers (live_server.SERVERS:
the C++ server build/examples/rtrisk_live and the Python service rtrisk.service on the same
engine): snapshot then deltas, resync, Origin, Host and token checks, close codes for oversized,
malformed, binary and unknown messages, a slow consumer conflated and disconnected without
affecting a fast one, /healthz, /metrics, /api/risk and /api/history."""
import asyncio
import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import websockets

from live_server import ROOT, SCHEMA, SERVERS, Server, check_message, raw_client_that_never_reads, read_deltas, run, wide_book


@pytest.fixture(scope="module", params=SERVERS)
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def server(kind):
    s = Server(kind=kind)
    s.wait_for_risk()  # a worker may start the module with any of its tests
    yield s
    s.stop()


def test_snapshot_then_deltas_with_increasing_sequence(server):
    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            first = json.loads(await ws.recv())
            assert first["type"] == "snapshot"
            for key in ("total_pnl", "var_99", "es_975", "positions", "stress", "grid", "greeks", "history"):
                assert key in first["data"], key
            assert first["event_time"] <= first["send_time"]
            seq = first["seq"]
            for _ in range(10):
                m = json.loads(await ws.recv())
                if m["type"] == "heartbeat":
                    continue
                assert m["type"] == "delta"
                assert m["base"] == seq and m["seq"] == seq + 1  # strictly increasing, no gaps
                assert "history_append" in m["changes"]
                seq = m["seq"]
            assert ws.response_headers.get("Sec-WebSocket-Extensions", "").startswith("permessage-deflate")
    run(go())


def test_every_message_and_the_data_it_produces_follow_the_schema(server):
    """docs/protocol.schema.json is the protocol's one home: snapshots, deltas (and the data after
    each), heartbeats and resync answers all validate against it, for 40 publications and more."""
    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            first = json.loads(await ws.recv())
            held = check_message(first)
            assert held["nodes"][0]["parent"] is None and held["nodes"][0]["var_99"] == held["var_99"]
            seq, seen = first["seq"], {"snapshot": 1, "delta": 0}
            while seen["delta"] < 40:
                m = json.loads(await ws.recv())
                held = check_message(m, held)
                if m["type"] == "delta":
                    assert m["base"] == seq
                if m["type"] != "heartbeat":
                    seq = m["seq"]
                seen[m["type"]] = seen.get(m["type"], 0) + 1
                if seen["delta"] == 20 and m["type"] == "delta":
                    await ws.send(json.dumps({"type": "resync"}))  # the answer is a snapshot: validated too
            assert seen["snapshot"] >= 2
    run(go())


def test_positions_as_column_deltas_give_the_snapshot_of_the_same_publication(server):
    """Positions travel as columns, and a delta carries only the rows that changed
    (positions_rows, docs/protocol.md): a client that applied 2 s of deltas holds exactly the
    positions a client connecting then gets in its snapshot of the same publication."""
    async def go():
        async with websockets.connect(server.url, max_size=None) as a:
            first = json.loads(await a.recv())
            held, seq = check_message(first), first["seq"]
            assert isinstance(held["positions"]["node"], list) and len(held["positions"]["node"]) == held["positions_count"]
            by_seq, row_deltas = {}, []
            end = time.monotonic() + 2.0
            while time.monotonic() < end:
                m = json.loads(await a.recv())
                if m["type"] == "heartbeat":
                    continue
                assert m["type"] == "delta" and m["base"] == seq
                held, seq = check_message(m, held), m["seq"]
                by_seq[seq] = held["positions"]
                if "positions_rows" in m["changes"]:
                    rows = m["changes"]["positions_rows"]
                    row_deltas.append((len(rows["index"]), rows["count"]))
                    assert "positions" not in m["changes"]
            assert row_deltas, "no delta carried positions rows in 2 s (positions refresh at 2 Hz)"
            async with websockets.connect(server.url, max_size=None) as b:
                snap = json.loads(await b.recv())
            assert snap["type"] == "snapshot"
            while seq < snap["seq"]:
                m = json.loads(await a.recv())
                if m["type"] != "heartbeat":
                    held, seq = check_message(m, held), m["seq"]
                    by_seq[seq] = held["positions"]
            assert snap["seq"] in by_seq
            assert by_seq[snap["seq"]] == snap["data"]["positions"]
    run(go())


def test_positions_refresh_in_a_publication_of_its_own_after_the_headline(server):
    """The slower parts (positions, Greeks, stress, grid) refresh in a publication of their own,
    half a period after a headline publication (docs/protocol.md, "Publication rate"): a headline
    delta never carries them, and the engine reads no tick for a refresh (it repeats the event
    time, the nodes and the headline)."""
    slow = {"positions", "positions_rows", "greeks", "stress", "grid", "explain", "factors"}
    headline = {"nodes", "total_pnl", "var_99", "es_975", "ticks_total", "var_methods"}

    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            first = json.loads(await ws.recv())
            prev_event, refreshes, headlines = first["event_time"], 0, 0
            end = time.monotonic() + 3.0
            while time.monotonic() < end:
                m = json.loads(await ws.recv())
                if m["type"] != "delta":
                    continue
                changes = m["changes"]
                if m["seq"] == m["base"] + 1:  # not a catch-up delta (those merge skipped publications)
                    if slow & set(changes):
                        refreshes += 1
                        assert m["event_time"] == prev_event, (m["event_time"], prev_event)
                        assert not headline & set(changes), sorted(headline & set(changes))
                    else:
                        headlines += 1
                prev_event = m["event_time"]
            assert refreshes >= 3, f"{refreshes} refreshes in 3 s (2 Hz expected)"
            assert headlines >= 3 * refreshes, (headlines, refreshes)  # 10 Hz against 2 Hz
    run(go())


def test_streamed_nodes_leave_top_contributors_to_the_report(server):
    """The stream's nodes hold every figure but the top contributors (docs/protocol.md); GET
    /api/risk reports them for every node, the same nodes in the same order."""
    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            first = json.loads(await ws.recv())
            deltas = []
            while len(deltas) < 3:
                m = json.loads(await ws.recv())
                if m["type"] == "delta":
                    deltas.append(m)
            return first, deltas
    first, deltas = run(go())
    streamed = [first["data"]["nodes"]] + [d["changes"]["nodes"] for d in deltas if "nodes" in d["changes"]]
    assert len(streamed) >= 2
    for nodes in streamed:
        assert all("top_contributors" not in n for n in nodes)
    report = json.loads(server.get("/api/risk")[1])
    assert [n["path"] for n in report["nodes"]] == [n["path"] for n in streamed[-1]]
    assert all("top_contributors" in n for n in report["nodes"]) and report["nodes"][0]["top_contributors"]


def test_resync_request_returns_a_snapshot(server):
    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            first = json.loads(await ws.recv())
            assert first["instance"] == server.instance
            await ws.send(json.dumps({"type": "resync"}))  # at once: the client holds the latest version
            seq = first["seq"]
            for _ in range(5):
                m = json.loads(await ws.recv())
                if m["type"] == "heartbeat":
                    continue
                assert m["seq"] > seq  # strictly increasing, the resync's snapshot included
                seq = m["seq"]
                if m["type"] == "snapshot":
                    assert m["instance"] == server.instance
                    return
            pytest.fail("no snapshot after a resync request")
    run(go())


def test_foreign_origin_is_rejected_and_same_origin_accepted(server):
    async def go():
        with pytest.raises(websockets.exceptions.InvalidStatusCode) as info:
            async with websockets.connect(server.url, origin="http://evil.example"):
                pass
        assert info.value.status_code == 403
        async with websockets.connect(server.url, origin=f"http://127.0.0.1:{server.port}", max_size=None) as ws:
            assert json.loads(await ws.recv())["type"] == "snapshot"
    run(go())


@pytest.mark.parametrize("payload,code", [
    ("x" * 5000, 1009),                      # larger than --max-message 4096
    ("{not json", 1007),                     # malformed JSON
    (json.dumps({"type": "subscribe"}), 1008),  # unknown message type
])
def test_bad_client_messages_get_close_codes(server, payload, code):
    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            await ws.recv()
            await ws.send(payload)
            with pytest.raises(websockets.exceptions.ConnectionClosed) as info:
                while True:
                    await ws.recv()
            assert info.value.rcvd is not None and info.value.rcvd.code == code
    run(go())
    assert server.metric("rtrisk_bad_messages_total") >= 1
    assert server.get("/healthz") == (200, "ok\n")  # the server is still up


def test_token_is_required_when_configured(kind):
    s = Server("--token", "s3cret", kind=kind)
    try:
        async def go():
            with pytest.raises(websockets.exceptions.InvalidStatusCode) as info:
                async with websockets.connect(s.url):
                    pass
            assert info.value.status_code == 401
            async with websockets.connect(s.url + "?token=s3cret", max_size=None) as ws:
                assert json.loads(await ws.recv())["type"] == "snapshot"
            async with websockets.connect(s.url, extra_headers={"Authorization": "Bearer s3cret"}, max_size=None) as ws:
                assert json.loads(await ws.recv())["type"] == "snapshot"
        run(go())
    finally:
        s.stop()


def test_slow_consumer_is_conflated_then_disconnected_without_slowing_a_fast_one(kind):
    s = Server("--slow-timeout-ms", "1500", "--sndbuf", "4096", book=wide_book(200), kind=kind)
    try:
        slow = raw_client_that_never_reads(s.port)

        got, gaps = run(read_deltas(s.url, 5))
        assert gaps == 0
        assert got >= 35  # 10 Hz for 5 s, whatever the stalled client does
        assert s.metric("rtrisk_slow_disconnects_total") >= 1
        assert s.metric("rtrisk_messages_conflated_total") >= 1
        # The stalled client's connection is gone: reading drains what was buffered, then EOF/reset.
        slow.settimeout(5)
        try:
            while slow.recv(65536):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        slow.close()
        assert s.metric("rtrisk_clients") == 0
    finally:
        s.stop()


def test_http_endpoints(server):
    status, body = server.get("/metrics")
    assert status == 200
    for name in ("rtrisk_ticks_total", "rtrisk_publish_seconds_bucket", "rtrisk_clients", "rtrisk_messages_conflated_total"):
        assert name in body
    end = time.monotonic() + 10  # the module's first test when run alone: the feed may not have ticked yet
    while server.metric("rtrisk_ticks_total") == 0 and time.monotonic() < end:
        time.sleep(0.05)
    assert server.metric("rtrisk_ticks_total") > 0
    status, body = server.get("/")
    assert status == 200 and '<div id="root">' in body
    with pytest.raises(urllib.error.HTTPError) as info:
        server.get("/assets/../../etc/passwd")
    assert info.value.code in (400, 404)


def test_dashboard_files_are_sent_precompressed_as_accepted_with_cache_headers(server):
    """scripts/web_build.sh writes NAME.br and NAME.gz beside each text file of web/dist: a request
    gets brotli if it accepts it, else gzip, else the file itself (RFC 9110 Accept-Encoding, q=0
    refuses), always with Vary: Accept-Encoding; hashed assets are cached for a year, index.html
    revalidated."""
    import gzip
    dist = ROOT / "web" / "dist"
    js = next((dist / "assets").glob("*.js"))
    assert js.with_name(js.name + ".br").is_file() and js.with_name(js.name + ".gz").is_file(), "web/dist is not precompressed"

    def fetch(path, accept_encoding, method="GET"):
        req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", method=method, headers={"Accept-Encoding": accept_encoding})
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers, r.read()

    plain = js.read_bytes()
    path = f"/assets/{js.name}"
    status, h, body = fetch(path, "gzip, deflate, br")
    assert status == 200 and h["Content-Encoding"] == "br" and body == js.with_name(js.name + ".br").read_bytes()
    assert h["Content-Type"] == "application/javascript" and "Accept-Encoding" in h["Vary"]
    assert h["Cache-Control"] == "public, max-age=31536000, immutable"
    status, h, body = fetch(path, "gzip")
    assert h["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
    for refused in ("identity", "br;q=0, gzip;q=0", "*;q=0"):
        status, h, body = fetch(path, refused)
        assert h.get("Content-Encoding") is None and body == plain, refused
        assert "Accept-Encoding" in h["Vary"]
    status, h, body = fetch(path, "br", method="HEAD")
    assert body == b"" and int(h["Content-Length"]) == js.with_name(js.name + ".br").stat().st_size
    status, h, body = fetch("/", "br")
    assert h["Content-Encoding"] == "br" and h["Cache-Control"] == "no-cache" and h["Content-Type"] == "text/html; charset=utf-8"
    assert body == (dist / "index.html.br").read_bytes()
    css = next((dist / "assets").glob("*.css"))
    status, h, body = fetch(f"/assets/{css.name}", "identity")
    assert h["Content-Type"] == "text/css" and body == css.read_bytes()  # one media type each, as both servers send it


def test_low_latency_mode_publishes_faster_than_the_fixed_rate(kind):
    s = Server("--low-latency", kind=kind)
    try:
        async def go():
            async with websockets.connect(s.url, max_size=None) as ws:
                seq = json.loads(await ws.recv())["seq"]
                n, end = 0, time.monotonic() + 2
                while time.monotonic() < end:
                    m = json.loads(await ws.recv())
                    if m["type"] == "delta":
                        assert m["base"] == seq  # still contiguous
                        seq = m["seq"]
                        n += 1
                return n
        assert run(go()) > 2 * 10 * 2  # well above 10 Hz for 2 s
        assert s.metric("rtrisk_ticks_per_second") > 5000  # the tick path is not starved
    finally:
        s.stop()


def test_api_risk_and_api_history(server):
    """GET /api/risk answers the report of the latest publication; GET /api/history the series of
    a node from the in-memory ring, and 400 naming the parameter for a bad request."""
    import jsonschema
    status, body = server.get("/api/risk")
    report = json.loads(body)
    assert status == 200 and report["seq"] >= 1 and report["nodes"][0]["path"] == "FIRM"
    jsonschema.validate(report, {"$ref": "#/definitions/RiskReport", "definitions": SCHEMA["definitions"]}, cls=jsonschema.Draft7Validator)
    time.sleep(1.5)
    status, body = server.get("/api/history?node=FIRM")
    history = json.loads(body)
    assert status == 200 and history["node"] == "FIRM" and len(history["points"]) >= 5
    jsonschema.validate(history, {"$ref": "#/definitions/history_response", "definitions": SCHEMA["definitions"]}, cls=jsonschema.Draft7Validator)
    for target, needle in (("/api/history?node=NOPE", "node"), ("/api/history?node=FIRM&step=abc", "step"), ("/api/history", "node")):
        with pytest.raises(urllib.error.HTTPError) as info:
            server.get(target)
        assert info.value.code == 400 and needle in info.value.read().decode(), target


def test_weighted_var_explain_and_factors_are_published(server):
    """The firm's VaR by the scenario-weighting methods, every node's P&L explain since the start
    of the day (columns in the order of nodes; the parts add up to the actual change), the risk by
    the demo book's sector / country / currency columns (Euler components summing to the VaR 99),
    and the biggest movers' explain in a node's detail: on both servers, schema-valid."""
    import jsonschema
    cents = 0.01

    async def go():
        async with websockets.connect(server.url, max_size=None) as ws:
            snap = json.loads(await ws.recv())
            held = check_message(snap, None)
            at_refresh = None  # the headline the last refresh was computed with (a refresh reads no tick)
            end = time.monotonic() + 2.0
            while time.monotonic() < end or at_refresh is None:  # let the simulator move the book
                m = json.loads(await ws.recv())
                if m["type"] != "heartbeat":
                    held = check_message(m, held)
                    if m["type"] == "delta" and "factors" in m["changes"] and m["seq"] == m["base"] + 1:
                        at_refresh = {k: held[k] for k in ("var_99", "positions_count", "factors", "explain", "nodes")}
            return held, at_refresh

    d, r = run(go())
    m = d["var_methods"]
    assert set(m) == {"historical", "gaussian", "cornish_fisher", "ewma", "filtered_historical", "age_weighted"}
    assert all(isinstance(m[k], float) and m[k] > 0 for k in ("ewma", "filtered_historical", "age_weighted")), m
    e = r["explain"]
    paths = [n["path"] for n in r["nodes"]]
    assert e["path"] == paths[:len(e["path"])] and e["path"][0] == "FIRM"
    parts = ("delta", "gamma", "vega", "theta", "trading", "unexplained")
    for i in range(len(e["path"])):
        assert sum(e[k][i] for k in parts) == pytest.approx(e["actual"][i], abs=len(parts) * cents)
    assert any(abs(x) > 0 for x in e["delta"]), "the simulator moved prices: some delta P&L"
    by_factor = {}
    for g in r["factors"]:
        by_factor.setdefault(g["factor"], []).append(g)
    assert list(by_factor) == ["sector", "country", "currency"]
    for factor, groups in by_factor.items():
        assert sum(g["component_var"] for g in groups) == pytest.approx(r["var_99"], abs=len(groups) * cents + 1e-6 * r["var_99"]), factor
        assert sum(g["positions_count"] for g in groups) == r["positions_count"]
    assert {g["group"] for g in by_factor["currency"]} >= {"EUR", "CHF", "GBP"}
    status, body = server.get("/api/node?path=FIRM/Derivatives")
    detail = json.loads(body)
    assert status == 200 and 0 < len(detail["explain"]["positions"]) <= 50
    jsonschema.validate(detail, {"$ref": "#/definitions/node_detail", "definitions": SCHEMA["definitions"]}, cls=jsonschema.Draft7Validator)
    movers = [abs(p["actual"]) for p in detail["explain"]["positions"]]
    assert movers == sorted(movers, reverse=True)
    assert all(p["node"].startswith("FIRM/Derivatives/") for p in detail["explain"]["positions"])
