"""The risk history in a real PostgreSQL 15 (docs/history.md): a throwaway cluster started by
scripts/pg.sh for this module, rtrisk_live writing to it with --db.

- round trip: the rows of a publication equal what /api/risk reported for that seq;
- migrations: applied once, recorded with the storage chosen, a second start applies nothing;
- an outage of 30 s: rows journaled meanwhile, written after the restart in order; seq contiguous
  for the instance, nothing twice (the primary key would refuse it), and a journal left by a
  killed server is written by the next one;
- a hung database (every process SIGSTOPped for 25 s): publications go on, the writer gives up
  after its deadline and journals, and writes everything once the database runs again;
- a record the database refuses as data is skipped and counted, not blocking the journal;
- GET /api/history: raw, from the bars, from memory; every bad parameter answered 400 naming it;
- the TimescaleDB path runs where the extension exists, and is reported as skipped (not run)
  where it does not."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from live_server import BINARY, SCHEMA, Server

psycopg2 = pytest.importorskip("psycopg2", reason="python3-psycopg2 (scripts/bootstrap.sh installs it)")
PG = ROOT / "scripts" / "pg.sh"
pytestmark = [pytest.mark.database,
              pytest.mark.skipif(not Path("/usr/lib/postgresql/15/bin/initdb").exists(), reason="PostgreSQL 15 is not installed")]


class Cluster:
    """A private cluster in a fresh folder (readable by the `postgres` user the script runs it as);
    `preload`: shared_preload_libraries (None: scripts/pg.sh's choice)."""

    def __init__(self, preload=None):
        self.dir = Path(tempfile.mkdtemp(prefix="rtrisk_pg_", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        self.env = dict(os.environ, **({"RTRISK_PG_PRELOAD": preload} if preload is not None else {}))
        self.url = self.start()

    def start(self):
        out = subprocess.run([str(PG), "start", str(self.dir)], capture_output=True, text=True, timeout=120, env=self.env)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def stop(self):
        subprocess.run([str(PG), "stop", str(self.dir)], check=True, timeout=120)

    def sql(self, query, *args):
        with psycopg2.connect(self.url) as c, c.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall() if cur.description else None

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def db():
    c = Cluster()
    yield c
    c.remove()


def writer(db, tmp_path, *args, journal=None):
    return Server("--db", db.url, "--db-journal", str(journal or tmp_path / "history.journal"), "--publish-hz", "20", *args)


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout} s")


def risk(server):
    """/api/risk as a dict, None before the first publication (503)."""
    try:
        return json.loads(server.get("/api/risk")[1])
    except urllib.error.HTTPError as e:
        assert e.code == 503
        return None


def migrated(db):
    return db.sql("SELECT to_regclass('risk_history') IS NOT NULL")[0][0]


def rows_of(db, instance):
    return db.sql("SELECT count(*) FROM risk_history WHERE instance = %s", instance)[0][0] if migrated(db) else 0


def seqs_of(db, instance):
    return [r[0] for r in db.sql("SELECT DISTINCT seq FROM risk_history WHERE instance = %s ORDER BY seq", instance)] if migrated(db) else []


def stop(server):
    server.stop()
    assert server.proc.returncode == 0, server.proc.stderr.read()[-3000:]


def history(server, query):
    try:
        status, body = server.get("/api/history?" + query)
        return status, json.loads(body)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def valid(response):
    import jsonschema
    jsonschema.validate(response, {"$ref": "#/definitions/history_response", "definitions": SCHEMA["definitions"]}, cls=jsonschema.Draft7Validator)


def test_migrations_are_applied_once_and_record_the_storage(db, tmp_path):
    s = writer(db, tmp_path)
    try:
        wait_for(lambda: db.sql("SELECT to_regclass('risk_history') IS NOT NULL")[0][0] and rows_of(db, s.instance) > 0, what="first rows")
    finally:
        stop(s)
    first = db.sql("SELECT version, name, storage, applied_at FROM rtrisk_schema_migrations ORDER BY version")
    timescale = (db.sql("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")[0][0] > 0
                 and "timescaledb" in db.sql("SHOW shared_preload_libraries")[0][0])
    assert [r[0] for r in first] == [1, 2, 3]
    assert {r[2] for r in first} == {"timescale" if timescale else "native"}
    assert all(r[1].endswith(f".{first[0][2]}.sql") for r in first)
    s = writer(db, tmp_path)  # the second start: nothing to apply, writing goes on
    try:
        wait_for(lambda: rows_of(db, s.instance) > 0, what="rows of the second instance")
    finally:
        stop(s)
    assert db.sql("SELECT version, name, storage, applied_at FROM rtrisk_schema_migrations ORDER BY version") == first
    if first[0][2] == "native":  # today's partition and the next two exist
        parts = {r[0] for r in db.sql("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                      "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'risk_history'")}
        today = db.sql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD'), to_char((now() + interval '2 days') AT TIME ZONE 'UTC', 'YYYYMMDD')")[0]
        assert f"risk_history_p{today[0]}" in parts and f"risk_history_p{today[1]}" in parts


def test_a_publication_round_trips_exactly(db, tmp_path):
    s = writer(db, tmp_path, "--db-positions-every", "0.5")
    try:
        report = wait_for(lambda: (lambda r: r if r and r["seq"] > 5 else None)(risk(s)), what="publications")
        wait_for(lambda: db.sql("SELECT count(*) FROM risk_history WHERE instance = %s AND seq = %s", s.instance, report["seq"])[0][0] > 0,
                 what="the reported seq in the table")
        time.sleep(1.5)
    finally:
        stop(s)
    rows = {r[0]: r[1:] for r in db.sql("SELECT node, pnl, var_99, es_975, gross_exposure, net_delta FROM risk_history "
                                        "WHERE instance = %s AND seq = %s", s.instance, report["seq"])}
    assert set(rows) == {n["path"] for n in report["nodes"]}
    for n in report["nodes"]:  # /api/risk is exact (not rounded), and binary COPY keeps every bit
        assert rows[n["path"]] == (n["pnl"], n["var_99"], n["es_975"], n["gross_exposure"], n["net_delta"]), n["path"]
    # the leaves' positions, at most every 0.5 s: fewer publications than risk_history's
    pos_seqs = db.sql("SELECT count(DISTINCT seq), count(*) FROM risk_positions WHERE instance = %s", s.instance)[0]
    all_seqs = len(seqs_of(db, s.instance))
    assert 0 < pos_seqs[0] < all_seqs
    leaves = {r[0] for r in db.sql("SELECT DISTINCT node FROM risk_positions WHERE instance = %s", s.instance)}
    assert leaves and leaves <= set(rows) and "FIRM" not in leaves


def test_limit_breaches_and_clearings_are_stored_with_their_publication(db, tmp_path):
    """docs/limits.md: a limit far below the firm's VaR breaches at the first publication; the
    event is a row of limit_events with the publication's instance and seq, as /metrics counts it."""
    limits = tmp_path / "limits.csv"
    limits.write_text("node,measure,limit\nFIRM,var_99,1\nFIRM,gross_exposure,1e15\n")
    s = writer(db, tmp_path, "--limits", str(limits))
    try:
        row = wait_for(lambda: db.sql("SELECT node, measure, event, value, \"limit\", seq, extract(epoch FROM ts) FROM limit_events WHERE instance = %s",
                                      s.instance) if migrated(db) else None, what="a limit event row")
        assert s.metric("rtrisk_limit_breaches_total") == 1
    finally:
        stop(s)
    assert len(row) == 1  # one breach, held (no clearing: the VaR stays far above 0.95)
    node, measure, event, value, limit, seq, ts = row[0]
    assert (node, measure, event, limit) == ("FIRM", "var_99", "breach", 1.0) and value > 1 and seq >= 1
    assert abs(float(ts) - time.time()) < 120
    assert seq in seqs_of(db, s.instance)  # written with its publication's rows


def test_a_30_s_outage_loses_nothing_and_doubles_nothing(db, tmp_path):
    s = writer(db, tmp_path)
    try:
        wait_for(lambda: rows_of(db, s.instance) > 0, what="first rows")
        db.stop()
        down_seq = risk(s)["seq"]
        samples = []
        for _ in range(30):  # 30 s: the writer journals, the server serves on, /api/history from memory
            time.sleep(1)
            samples.append((s.metric("rtrisk_history_db_up"), s.metric("rtrisk_history_journal_bytes")))
            assert s.proc.poll() is None
        assert all(up == 0 for up, _ in samples[2:])
        assert samples[-1][1] > samples[2][1] > 0  # the journal grows while the database is down
        status, body = history(s, "node=FIRM")
        assert status == 200 and body["source"] == "memory" and body["points"]
        db.start()
        wait_for(lambda: s.metric("rtrisk_history_db_up") == 1 and s.metric("rtrisk_history_journal_bytes") == 0, timeout=90, what="the journal drained")
        last = risk(s)["seq"]
        assert last > down_seq + 100  # 30 s at 20 Hz went on meanwhile
        wait_for(lambda: seqs_of(db, s.instance)[-1] >= last, what="the newest seq written")
        assert s.metric("rtrisk_history_rows_replayed_total") > 0
        assert s.metric("rtrisk_history_dropped_rows_total") == 0
    finally:
        db.start()  # whatever failed, the next tests find the database running (a no-op when it is)
        stop(s)
    seqs = seqs_of(db, s.instance)
    assert seqs == list(range(1, seqs[-1] + 1))  # contiguous from the first publication
    nodes = db.sql("SELECT count(DISTINCT node) FROM risk_history WHERE instance = %s", s.instance)[0][0]
    per_seq = db.sql("SELECT min(c), max(c) FROM (SELECT count(*) c FROM risk_history WHERE instance = %s GROUP BY seq) x", s.instance)[0]
    assert per_seq == (nodes, nodes)  # every node of every publication, once


def cluster_pids(db):
    main = subprocess.run(["pgrep", "-f", f"{db.dir}/data"], capture_output=True, text=True).stdout.split()
    children = [c for m in main for c in subprocess.run(["pgrep", "-P", m], capture_output=True, text=True).stdout.split()]
    return [int(p) for p in main + children]


def signal_if_alive(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:  # a backend whose session had just ended
        pass


def test_a_hung_database_holds_neither_the_engine_nor_the_writer(db, tmp_path):
    """SIGSTOP on every process of the cluster: the server's socket stays open and nothing answers
    (no statement timeout, no TCP timeout on a Unix socket). The writer gives up after its own
    15 s deadline, journals, and writes everything once the database runs again."""
    s = writer(db, tmp_path)
    pids = []
    try:
        wait_for(lambda: rows_of(db, s.instance) > 0, what="first rows")
        pids = cluster_pids(db)
        assert pids
        for p in pids:
            signal_if_alive(p, signal.SIGSTOP)
        hung_seq = risk(s)["seq"]
        samples = []
        for _ in range(25):
            time.sleep(1)
            samples.append((risk(s)["seq"], s.metric("rtrisk_history_journal_bytes"), s.metric("rtrisk_history_dropped_rows_total")))
        assert all(b[0] > a[0] for a, b in zip(samples, samples[1:]))  # publications never stopped
        assert samples[-1][1] > 0  # the writer gave up on the hung database and journaled
        assert samples[-1][2] == 0
        for p in pids:
            signal_if_alive(p, signal.SIGCONT)
        wait_for(lambda: s.metric("rtrisk_history_db_up") == 1 and s.metric("rtrisk_history_journal_bytes") == 0, timeout=90, what="the journal drained")
        last = risk(s)["seq"]
        assert last > hung_seq + 200
        wait_for(lambda: seqs_of(db, s.instance)[-1] >= last, what="the newest seq written")
    finally:
        for p in pids:  # whatever failed, the cluster runs again and the server stops
            signal_if_alive(p, signal.SIGCONT)
        stop(s)
    seqs = seqs_of(db, s.instance)
    assert seqs == list(range(1, seqs[-1] + 1))


def test_a_journal_left_by_a_killed_server_is_written_by_the_next(db, tmp_path):
    journal = tmp_path / "kept.journal"
    db.stop()
    s = None
    try:
        s = writer(db, tmp_path, journal=journal)
        wait_for(lambda: s.metric("rtrisk_history_journal_bytes") > 0 and (risk(s) or {"seq": 0})["seq"] > 20, what="journaled rows")
        time.sleep(1)
        first = s.instance
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(timeout=10)
        with open(journal, "a") as f:  # and a line torn by the crash
            f.write('{"i":"torn","s":1,"t":')
    finally:
        if s and s.proc.poll() is None:  # a failure before the kill: no server left behind
            s.proc.kill()
            s.proc.wait(timeout=10)
        db.start()
    journaled = sum(1 for line in open(journal) if line.startswith('{"i":"' + first))
    s = writer(db, tmp_path, journal=journal)
    try:
        wait_for(lambda: s.metric("rtrisk_history_journal_bytes") == 0 and rows_of(db, s.instance) > 0, what="the old journal written")
        assert s.metric("rtrisk_history_journal_bad_lines_total") == 1
    finally:
        stop(s)
    seqs = seqs_of(db, first)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == journaled
    assert journal.stat().st_size == 0


def test_a_record_the_database_refuses_is_skipped_and_counted_not_blocking_the_journal(db, tmp_path):
    # A tampered journal: the middle record's node holds a NUL, which PostgreSQL's text refuses
    # (SQLSTATE 22021, a data exception); the engine itself never produces one (check_node).
    journal = tmp_path / "tampered.journal"
    now_us = int(time.time() * 1e6)
    rec = lambda seq, node: json.dumps({"i": "tampered", "n": [[node, 1.0, 2.0, 3.0, 4.0, 5.0], ["FIRM/x", 1, 2, 3, 4, 5]], "p": [], "s": seq, "t": now_us + seq})
    journal.write_text("\n".join([rec(1, "FIRM"), rec(2, "FIRM\u0000bad"), rec(3, "FIRM")]) + "\n")
    s = writer(db, tmp_path, journal=journal)
    try:
        wait_for(lambda: s.metric("rtrisk_history_journal_bytes") == 0 and seqs_of(db, "tampered") == [1, 3], what="the good records written")
        assert s.metric("rtrisk_history_rejected_rows_total") == 2
        wait_for(lambda: rows_of(db, s.instance) > 0, what="the live rows after it")
    finally:
        stop(s)


def test_a_journal_is_used_by_one_server_at_a_time(db, tmp_path):
    s = writer(db, tmp_path)
    try:
        out = subprocess.run([str(BINARY), "--config", str(ROOT / "data" / "demo.toml"), "--port", "0", "--db", db.url,
                              "--db-journal", str(tmp_path / "history.journal")], capture_output=True, text=True, cwd=ROOT, timeout=30)
        assert out.returncode == 2 and "in use by another process" in out.stderr, out.stderr
    finally:
        stop(s)


def test_api_history_reads_raw_rows_and_bars(db, tmp_path):
    s = writer(db, tmp_path, "--db-refresh-seconds", "1")
    try:
        wait_for(lambda: len(seqs_of(db, s.instance)) > 60, what="3 s of rows")
        status, raw = history(s, "node=FIRM")
        assert status == 200, raw
        valid(raw)
        assert raw["source"] == "raw" and raw["columns"][0] == "time_ms"
        times = [p[0] for p in raw["points"]]
        assert times == sorted(times) and len(times) >= 60
        direct = db.sql("SELECT floor(extract(epoch FROM ts) * 1000)::bigint, pnl FROM risk_history WHERE instance = %s AND node = 'FIRM' "
                        "AND ts >= to_timestamp(%s / 1000.0) AND ts <= to_timestamp(%s / 1000.0) ORDER BY ts", s.instance, times[0], times[-1])
        mine = [(p[0], p[1]) for p in raw["points"]]
        assert [d for d in direct if d in set(mine)] == direct  # every row of this instance in the range is in the answer
        time.sleep(2.5)  # the 1-minute bars refreshed at least once
        for step, source in ((60, "1m"), (3600, "1h"), (5, "raw")):
            status, bars = history(s, f"node=FIRM&step={step}")
            assert status == 200 and bars["source"] == source and bars["points"], (step, bars)
            valid(bars)
            assert all(p[0] % (step * 1000) == 0 for p in bars["points"])
        # a bucket's values are its last row's (by time), checked against the raw rows
        status, bars = history(s, "node=FIRM&step=60")
        newest = db.sql("SELECT pnl, var_99 FROM risk_history WHERE node = 'FIRM' AND ts < to_timestamp(%s / 1000.0) ORDER BY ts DESC, instance DESC, seq DESC LIMIT 1",
                        bars["points"][-1][0] + 60000)
        assert bars["points"][-1][1:3] == list(newest[0]) or bars["points"][-1][0] + 60000 > time.time() * 1000  # the current minute moves
    finally:
        stop(s)


def test_api_history_refuses_bad_parameters_naming_them(db, tmp_path):
    s = Server("--no-db", "--publish-hz", "20")
    try:
        wait_for(lambda: risk(s), what="first publication")
        status, body = history(s, "node=FIRM")
        assert status == 200 and body["source"] == "memory" and body["points"]
        valid(body)
        for query, name in [("", "node"), ("node=", "node"), ("node=FIRM&step=-5", "step"), ("node=FIRM&step=abc", "step"),
                            ("node=FIRM&from=yesterday", "from"), ("node=FIRM&to=2026-02-30T00:00:00Z", "to"),
                            ("node=FIRM&from=2026-11-26T08:00:00Z&to=2026-11-26T07:00:00Z", "from"),
                            ("node=FIRM&from=2000-01-01&to=2030-01-01&step=1", "step"), ("node=NOPE", "node"),
                            ("node=FIRM&from=2026-11-20T00:00:00Z&to=2026-11-26T00:00:00Z&step=5", "step"),
                            ("node=FIRM&limit=3", "limit")]:
            status, text = history(s, query)
            assert status == 400 and name in text, (query, status, text)
        assert s.metric("rtrisk_history_queries_total") >= 1
    finally:
        stop(s)


def test_a_bad_db_url_is_a_usage_error():
    out = subprocess.run([str(BINARY), "--db", "postgresql://[bad", "--config", str(ROOT / "data" / "demo.toml")],
                         capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 2 and "--db" in out.stderr
    out = subprocess.run([str(BINARY), "--db", "postgresql:///x", "--no-db", "--config", str(ROOT / "data" / "demo.toml")],
                         capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 2 and "--no-db" in out.stderr


def test_the_timescaledb_path(db, tmp_path):
    if not db.sql("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")[0][0]:
        pytest.skip("TimescaleDB is not installed on this PostgreSQL: the TimescaleDB path was not run (native partitions were)")
    storage = db.sql("SELECT DISTINCT storage FROM rtrisk_schema_migrations")
    if storage != [("timescale",)]:
        pytest.skip("TimescaleDB is installed but not preloaded (shared_preload_libraries): the fallback ran, the TimescaleDB path was not run")
    assert db.sql("SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name IN ('risk_history', 'risk_positions')")[0][0] == 2
    assert db.sql("SELECT count(*) FROM timescaledb_information.continuous_aggregates WHERE view_name IN ('risk_history_1m', 'risk_history_1h')")[0][0] == 2
    jobs = {r[0] for r in db.sql("SELECT proc_name FROM timescaledb_information.jobs")}
    assert {"policy_refresh_continuous_aggregate", "policy_compression", "policy_retention"} <= jobs


def test_an_installed_but_not_preloaded_timescaledb_falls_back_to_native(tmp_path):
    other = Cluster(preload="")
    try:
        if not other.sql("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")[0][0]:
            pytest.skip("TimescaleDB is not installed on this PostgreSQL: the not-preloaded fallback was not run")
        s = writer(other, tmp_path)
        try:
            wait_for(lambda: other.sql("SELECT to_regclass('risk_history') IS NOT NULL")[0][0] and rows_of(other, s.instance) > 0, what="first rows")
        finally:
            s.proc.terminate()
            s.proc.wait(timeout=10)
            log = s.proc.stderr.read()
        assert s.proc.returncode == 0, log[-3000:]
        assert "native daily partitions" in log and "CREATE EXTENSION timescaledb failed" in log, log[-3000:]
        assert other.sql("SELECT DISTINCT storage FROM rtrisk_schema_migrations") == [("native",)]
    finally:
        other.remove()
