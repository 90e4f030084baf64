"""The Kafka ingest (docs/protocol.md, "Kafka topics") against librdkafka's mock cluster with 3
brokers (build/examples/rtrisk_kafka_mock) and a trading system written here with
confluent-kafka (Debian's python3-confluent-kafka over the same librdkafka):

- 100,000 ticks and trades (duplicated trade ids and late ticks among them): the engine's final
  risk per node equals the batch computation (`rtrisk_live --once --ticks`, itself checked against
  pandas/numpy in test_book_once.py) on the book after the offline model of the delivery rules;
- a broker set down and up mid-stream, and the engine killed (SIGKILL) and restarted mid-stream:
  the same final state, nothing lost, no trade doubled, the restart resuming at the committed
  offsets;
- malformed and refused messages: in the dead-letter topic with the reason, and in /metrics;
- the risk topic: one record per node, keyed by node path."""
import json
import math
import signal
import subprocess
import threading
import time
import urllib.error

import pytest

from conftest import ROOT
from kafka_cluster import MockCluster, Stream, consume_all, producer
from live_server import BINARY, DEMO, Server, check_message, position_rows, run

pytest.importorskip("confluent_kafka", reason="python3-confluent-kafka (scripts/bootstrap.sh installs it)")
pytestmark = pytest.mark.kafka

FIELDS = ["var_99", "es_975", "market_value", "pnl", "net_delta", "gross_exposure", "vega", "theta", "component_var"]


@pytest.fixture()
def cluster():
    c = MockCluster()
    yield c
    c.stop()


def stop(server):
    """Stops a server and checks it exited cleanly (under the sanitizers: no leak or error report)."""
    server.stop()
    assert server.proc.returncode == 0, server.proc.stderr.read()[-3000:]


def engine(cluster, *args, group="rtrisk"):
    return Server("--kafka", cluster.bootstrap, "--kafka-group", group, "--publish-hz", "20", *args)


def wait_applied(server, applied, timeout=120):
    """Waits until a publication includes `applied` ticks and trades; returns /api/risk."""
    deadline = time.time() + timeout
    report = None
    while time.time() < deadline:
        assert server.proc.poll() is None, "the engine exited"
        try:
            status, body = server.get("/api/risk")
        except urllib.error.HTTPError as e:  # 503 before the first publication
            status, body = e.code, ""
        if status == 200:
            report = json.loads(body)
            if report["ticks_total"] == applied:
                return report
        time.sleep(0.2)
    raise AssertionError(f"engine applied {report and report['ticks_total']} of {applied} within {timeout} s")


def offline(stream, tmp_path):
    f = tmp_path / "offline.ndjson"
    stream.offline_file(f)
    out = subprocess.run([str(BINARY), *DEMO, "--ticks", str(f), "--once"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def assert_same_risk(live, batch):
    # nodes a trade opens appear in arrival order, which only partition order fixes: match by path
    assert live["nodes"][0]["path"] == batch["nodes"][0]["path"]
    assert sorted(n["path"] for n in live["nodes"]) == sorted(n["path"] for n in batch["nodes"])
    by_path = {n["path"]: n for n in batch["nodes"]}
    for a in live["nodes"]:
        b = by_path[a["path"]]
        assert a["positions_count"] == b["positions_count"], a["path"]
        for k in FIELDS:
            assert a[k] == pytest.approx(b[k], rel=1e-9, abs=1e-6), (a["path"], k)


def test_100k_messages_end_in_the_offline_state(cluster, tmp_path):
    stream = Stream(100_000)
    applied, trades, _ = stream.expected()
    duplicates = sum(1 for t, _, _ in stream.messages if t == "trades") - len(trades)
    assert duplicates > 50 and applied < len(stream.messages) - duplicates  # the stream has both kinds of redelivery
    stream.produce(cluster.bootstrap)
    s = engine(cluster)
    try:
        live = wait_applied(s, applied)
        assert s.metric("rtrisk_kafka_duplicate_trades_total") == duplicates
        assert s.metric("rtrisk_kafka_stale_ticks_total") == len(stream.messages) - duplicates - applied
        assert s.metric("rtrisk_kafka_rejects_total") == 0
        assert s.metric("rtrisk_kafka_messages_total") == len(stream.messages)  # a new group: nothing committed, all live
    finally:
        stop(s)
    assert any(n["path"].startswith("FIRM/Kafka/") for n in live["nodes"])  # trades opened positions at new nodes
    assert_same_risk(live, offline(stream, tmp_path))


def test_a_broker_down_and_up_mid_stream_loses_and_doubles_nothing(cluster, tmp_path):
    stream = Stream(30_000, seed=12)
    applied, _, _ = stream.expected()
    s = engine(cluster)
    try:
        third = len(stream.messages) // 3
        stream.produce(cluster.bootstrap, 0, third)
        cluster.command("down 1")
        th = threading.Thread(target=stream.produce, args=(cluster.bootstrap, third, 2 * third))
        th.start()
        time.sleep(3)
        cluster.command("up 1")
        th.join(timeout=180)
        assert not th.is_alive()
        stream.produce(cluster.bootstrap, 2 * third)
        live = wait_applied(s, applied)
        assert s.metric("rtrisk_kafka_rejects_total") == 0
    finally:
        stop(s)
    assert_same_risk(live, offline(stream, tmp_path))


def test_an_engine_killed_mid_stream_resumes_from_its_committed_offsets(cluster, tmp_path):
    stream = Stream(40_000, seed=13)
    half = len(stream.messages) // 2
    applied_half, _, _ = stream.expected(half)
    applied, _, _ = stream.expected()
    stream.produce(cluster.bootstrap, 0, half)
    first = engine(cluster, group="restart")
    try:
        wait_applied(first, applied_half)
        time.sleep(2.5)  # offsets stored after apply are committed every second
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=10)
    stream.produce(cluster.bootstrap, half)
    second = engine(cluster, group="restart")
    try:
        live = wait_applied(second, applied)
        replayed = second.metric("rtrisk_kafka_replayed_total")
        consumed = second.metric("rtrisk_kafka_messages_total")
        # below the committed offsets: read again only to rebuild the state (a second assignment at
        # start-up reads them once more); past them: consumed live, once
        assert replayed >= half * 0.9, "the restart did not start at the committed offsets"
        assert len(stream.messages) - half <= consumed <= len(stream.messages) - half * 0.9
    finally:
        stop(second)
    assert_same_risk(live, offline(stream, tmp_path))


def test_malformed_messages_go_to_the_dead_letter_topic_and_metrics(cluster):
    bad = [
        ("ticks", "DAX", "not json"),
        ("ticks", "DAX", json.dumps({"symbol": "DAX", "ts": 1764072000000000})),
        ("ticks", "NOPE", json.dumps({"symbol": "NOPE", "price": 1.0, "ts": 1764072000000000})),
        ("ticks", "DAX", json.dumps({"symbol": "DAX", "price": 1e308, "ts": 1764072000000000})),
        ("ticks", "DAX", json.dumps({"symbol": "DAX", "price": 6000, "ts": 1.5})),
        ("trades", "FIRM/Equities/Europe/alice", json.dumps({"node": "FIRM/Equities/Europe/alice", "symbol": "DAX", "quantity": 1,
                                                               "price": 6000, "ts": 1764072000000000})),
    ]
    options = [r for r in open(ROOT / "data" / "demo_book.csv") if ",call," in r or ",put," in r]
    option = options[0].split(",")[1]
    bad.append(("ticks", option, json.dumps({"symbol": option, "price": 10.0, "ts": 1764072000000000})))  # refused by the engine
    p = producer(cluster.bootstrap)
    for topic, key, value in bad:
        p.produce(topic, key=key, value=value)
    good = {"symbol": "DAX", "price": 6100.0, "ts": 1764072000000001}
    p.produce("ticks", key="DAX", value=json.dumps(good))
    p.flush(30)
    time.sleep(0.5)
    expected_bad = len(bad)
    s = engine(cluster)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and s.metric("rtrisk_kafka_dead_letters_total") < expected_bad:
            time.sleep(0.2)
        assert s.metric("rtrisk_kafka_rejects_total") == expected_bad
        assert s.metric("rtrisk_kafka_dead_letters_total") == expected_bad
        wait_applied(s, 1)  # the stream went on: the good tick
    finally:
        stop(s)
    letters = consume_all(cluster.bootstrap, "rtrisk.dead-letter", lambda r: len(r) >= expected_bad)
    assert len(letters) == expected_bad
    reasons = [dict(m.headers())["rtrisk.error"].decode() for m in letters]
    places = {(dict(m.headers())["rtrisk.topic"].decode(), int(dict(m.headers())["rtrisk.partition"]),
               int(dict(m.headers())["rtrisk.offset"])) for m in letters}
    assert len(places) == expected_bad
    joined = "\n".join(reasons)
    for needle in ["malformed JSON", "missing \"price\"", "unknown symbol 'NOPE'", "price 1e+308", "\"ts\" must be integer",
                   "missing \"id\"", "is an option"]:
        assert needle in joined, needle
    assert {m.value().decode() for m in letters} >= {v for _, _, v in bad}


def test_the_risk_topic_holds_every_node_keyed_by_its_path(cluster):
    s = engine(cluster)
    try:
        Stream(2_000, seed=14).produce(cluster.bootstrap)
        wait_applied(s, Stream(2_000, seed=14).expected()[0])
        nodes = {n["path"]: n for n in json.loads(s.get("/api/risk")[1])["nodes"]}
        records = consume_all(cluster.bootstrap, "risk", lambda r: {m.key().decode() for m in r} >= set(nodes))
    finally:
        stop(s)
    assert {m.key().decode() for m in records} >= set(nodes)
    for m in records[-len(nodes):]:
        v = json.loads(m.value())
        assert v["path"] == m.key().decode()
        assert v["instance"] == s.instance and v["seq"] >= 1 and v["scenarios"] == 500
        for k in FIELDS:
            assert isinstance(v[k], float) or isinstance(v[k], int)


async def first_snapshot(url):
    import websockets
    async with websockets.connect(url, max_size=None) as ws:
        m = json.loads(await ws.recv())
    check_message(m)  # the schema of docs/protocol.schema.json: the dashboard can draw it
    assert m["type"] == "snapshot"
    return m["data"]


def dashboard_differences(whole, summed):
    """What differs between two dashboards' data beyond the wire's rounding to cents: positions,
    stress, Greeks, the grid and the headline figures."""
    out = []

    def close(a, b, what):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=0.011):
            out.append(f"{what}: {a} != {b}")

    rows = {(r["node"], r["symbol"]): r for r in position_rows(whole["positions"])}
    if sorted(rows) != sorted((r["node"], r["symbol"]) for r in position_rows(summed["positions"])):
        return ["positions held differ"]
    for r in position_rows(summed["positions"]):
        for k in ["quantity", "market_value", "pnl", "delta", "component_var"]:
            close(r[k], rows[(r["node"], r["symbol"])][k], f"{r['node']} {r['symbol']} {k}")
    if [x["name"] for x in summed["stress"]] != [x["name"] for x in whole["stress"]]:
        out.append("stress scenarios differ")
    for x, y in zip(summed["stress"], whole["stress"]):
        close(x["pnl"], y["pnl"], "stress " + x["name"])
    g = {x["underlying"]: x for x in whole["greeks"]}
    for x in summed["greeks"]:
        for k in ["delta", "dollar_delta", "vega", "theta"]:
            close(x[k], g[x["underlying"]][k], f"greeks {x['underlying']} {k}")
    held = {y["underlying"] for y in summed["greeks"]}
    out += [f"greeks {u} missing" for u, x in g.items() if u not in held and x["delta"] != 0]
    if summed["grid"]["spot"] != whole["grid"]["spot"] or summed["grid"]["vol"] != whole["grid"]["vol"]:
        out.append("grid axes differ")
    for i, (r1, r2) in enumerate(zip(summed["grid"]["pnl"], whole["grid"]["pnl"])):
        for j, (a, b) in enumerate(zip(r1, r2)):
            close(a, b, f"grid {i},{j}")
    for k in ["var_99", "es_975", "total_pnl", "net_exposure", "gross_exposure", "positions_count"]:
        close(summed[k], whole[k], k)
    return out


def test_two_engines_in_one_group_and_the_aggregator_give_one_engine_s_risk(cluster, tmp_path):
    """Nodes to 1e-9 relative against the batch run; positions (Euler components in the firm's
    VaR), Greeks, stress and the grid against one engine holding the whole book, as the
    dashboard receives them (rounded to cents on the wire)."""
    stream = Stream(20_000, seed=15)
    stream.produce(cluster.bootstrap)
    applied = stream.expected()[0]
    batch = offline(stream, tmp_path)
    part = ("--risk-topic", "", "--vectors-topic", "risk.vectors")
    a = engine(cluster, "--engine-id", "a", *part, group="scale")
    b = engine(cluster, "--engine-id", "b", *part, group="scale")
    single = engine(cluster, "--risk-topic", "", group="single")
    agg = Server("--kafka", cluster.bootstrap, "--aggregate", "--vectors-topic", "risk.vectors", "--publish-hz", "20", book=[])
    try:
        wait_applied(single, applied)
        root = batch["nodes"][0]
        deadline, report = time.time() + 120, None
        while time.time() < deadline:
            try:
                report = json.loads(agg.get("/api/risk")[1])
                held = [json.loads(s.get("/api/risk")[1])["nodes"][0]["positions_count"] for s in (a, b)]
            except urllib.error.HTTPError:  # 503: nothing published yet
                time.sleep(0.5)
                continue
            top = report["nodes"][0]
            if (top["var_99"] == pytest.approx(root["var_99"], rel=1e-9) and top["positions_count"] == root["positions_count"]
                    and all(0 < h < root["positions_count"] for h in held) and sum(held) == root["positions_count"]):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"the aggregator did not reach one engine's risk: {report and report['nodes'][0]}")
        assert a.metric("rtrisk_kafka_rebalances_total") >= 2 and b.metric("rtrisk_kafka_rebalances_total") >= 2
        # the positions part travels at the positions rate: sampled until the aggregator's
        # last one includes the final state (it lags the nodes under the sanitizers)
        deadline, differences = time.time() + 90, ["not compared"]
        while differences and time.time() < deadline:
            whole, summed = run(first_snapshot(single.url)), run(first_snapshot(agg.url))
            differences = dashboard_differences(whole, summed)
            time.sleep(0.5 if differences else 0)
        assert not differences, differences[:10]
        # while the engines share the partitions, a trade on another partition than its node's
        # (murmur2) is refused: it would put a node on two engines
        p = producer(cluster.bootstrap)
        wrong = {"node": "FIRM/Equities/Europe/alice", "symbol": "DAX", "quantity": 1, "price": 6000, "ts": 1764072000000000}
        for part in range(4):
            p.produce("trades", key=wrong["node"], value=json.dumps(dict(wrong, id=f"W-{part}")), partition=part)
        p.flush(30)
        deadline = time.time() + 30
        while time.time() < deadline and a.metric("rtrisk_kafka_rejects_total") + b.metric("rtrisk_kafka_rejects_total") < 3:
            time.sleep(0.2)
        assert a.metric("rtrisk_kafka_rejects_total") + b.metric("rtrisk_kafka_rejects_total") == 3
    finally:
        for s in (agg, a, b, single):
            stop(s)
    assert_same_risk(report, batch)  # every node: VaR 99, ES 97.5, components and the additive figures


def test_kafka_mock_runs_the_whole_pipeline_in_one_process():
    """`scripts/run --kafka mock`: mock brokers, the simulator producing ticks and trades into
    them, the engine consuming them, the risk topic and the dashboard's stream, in one process."""
    s = Server("--kafka", "mock", "--rate", "2000")
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (s.metric("rtrisk_kafka_messages_total") > 2000 and s.metric("rtrisk_kafka_produced_total") > 0):
            time.sleep(0.3)
        assert s.metric("rtrisk_kafka_messages_total") > 2000
        assert s.metric("rtrisk_kafka_produced_total") > 0  # the risk topic
        assert s.metric("rtrisk_kafka_rejects_total") == 0
        assert s.metric("rtrisk_kafka_duplicate_trades_total") == 0
        data = run(first_snapshot(s.url))
        assert data["ticks_total"] > 0 and data["var_99"] > 0
    finally:
        stop(s)
