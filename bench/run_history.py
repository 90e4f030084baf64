#!/usr/bin/python3
"""Risk history benchmarks (docs/performance.md, "Risk history"), against a throwaway
PostgreSQL 15 cluster started with scripts/pg.sh:

1. rows/s into risk_history: binary COPY (the writer's path), COPY through a staging table with
   ON CONFLICT DO NOTHING (the journal replay) and multi-row INSERT (1,000 rows per statement),
   in one run of build/bench/history_write;
2. GET /api/history latency for one day of 10 Hz data for one node (864,000 rows, written by
   generate_series, bars refreshed), through rtrisk_live --db: raw rows over the last hour, raw
   rows grouped by 10 s over the day, 1-minute bars and 1-hour bars over the day.

Runs on the storage scripts/pg.sh gives (TimescaleDB where installed; RTRISK_PG_PRELOAD= for native).

Usage: /usr/bin/python3 bench/run_history.py [--nodes 100] [--publications 100] [--batches 20] [--repeat 20]"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("RTRISK_BUILD_DIR", ROOT / "build"))
PSQL = "/usr/lib/postgresql/15/bin/psql"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--publications", type=int, default=100)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rtrisk_pg_bench_", dir="/tmp"))
    os.chmod(folder, 0o755)
    url = subprocess.run([str(ROOT / "scripts" / "pg.sh"), "start", str(folder)], check=True, capture_output=True, text=True).stdout.strip()
    server = None
    try:
        print(f"## Writes: {a.nodes} nodes x {a.publications} publications per batch, {a.batches} batches per method\n")
        print("| method | rows | seconds | rows/s |\n|---|---:|---:|---:|")
        out = subprocess.run([str(BUILD / "bench" / "history_write"), url, str(a.nodes), str(a.publications), str(a.batches)],
                             check=True, capture_output=True, text=True)
        for line in out.stdout.splitlines():
            r = json.loads(line)
            print(f"| {r['method']} | {r['rows']:,} | {r['seconds']:.3f} | {r['rows_per_s']:,.0f} |")

        # one day of 10 Hz rows for one node, ending now
        sql = ("INSERT INTO risk_history SELECT now() - make_interval(secs => i / 10.0), 'bench-day', 864000 - i, 'BENCH/day', "
               "sin(i / 1000.0) * 1e5, 1e6 + cos(i / 3000.0) * 1e5, 1.1e6, 3e7, 1e5 FROM generate_series(0, 863999) i")
        storage = subprocess.run([PSQL, url, "-tAc", "SELECT storage FROM rtrisk_schema_migrations LIMIT 1"], check=True, capture_output=True, text=True).stdout.strip()
        print(f"\nstorage: {storage}")
        for d in ((-1, 0, 1) if storage == "native" else ()):
            day = time.strftime("%Y%m%d", time.gmtime(time.time() + d * 86400))
            iso = time.strftime("%Y-%m-%d", time.gmtime(time.time() + d * 86400))
            nxt = time.strftime("%Y-%m-%d", time.gmtime(time.time() + (d + 1) * 86400))
            subprocess.run([PSQL, url, "-qc", f"CREATE TABLE IF NOT EXISTS risk_history_p{day} PARTITION OF risk_history "
                                               f"FOR VALUES FROM ('{iso} 00:00:00+00') TO ('{nxt} 00:00:00+00')"], check=True)
        t = time.perf_counter()
        subprocess.run([PSQL, url, "-qc", sql], check=True)
        subprocess.run([PSQL, url, "-qc", "ANALYZE risk_history"], check=True)
        fill = time.perf_counter() - t
        port = 18000 + os.getpid() % 1000
        server = subprocess.Popen([str(BUILD / "examples" / "rtrisk_live"), "--port", str(port), "--config", str(ROOT / "data" / "demo.toml"),
                                   "--db", url, "--db-journal", str(folder / "journal"), "--db-refresh-seconds", "3600", "--static", str(ROOT / "web" / "dist")],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        server.stdout.readline()
        t = time.perf_counter()
        if storage == "native":
            while subprocess.run([PSQL, url, "-tAc", "SELECT count(*) FROM rtrisk_bars_refreshed"], capture_output=True, text=True).stdout.strip() != "2":
                time.sleep(0.5)  # the writer's first refresh of both views
        else:
            for view in ("risk_history_1m", "risk_history_1h"):
                subprocess.run([PSQL, url, "-qc", f"CALL refresh_continuous_aggregate('{view}', NULL, NULL)"], check=True)
        refresh = time.perf_counter() - t
        print(f"\n## /api/history: one node, one day at 10 Hz (864,000 rows, inserted in {fill:.1f} s; first refresh of both bars views {refresh:.1f} s; {storage})\n")
        print("| query | points | source | p50 ms | p99 ms |\n|---|---:|---|---:|---:|")
        t_end = int(time.time()) + 1  # whole seconds: the day is exactly 86,400 s (raw grouping allows one day)
        end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_end))
        start_day = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_end - 86400))
        start_hour = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_end - 3600))
        for name, q in [("raw rows, last hour", f"from={start_hour}&to={end}"),
                        ("raw rows by 10 s, the day", f"from={start_day}&to={end}&step=10"),
                        ("1-minute bars, the day", f"from={start_day}&to={end}&step=60"),
                        ("1-hour bars, the day", f"from={start_day}&to={end}&step=3600")]:
            times, body = [], None
            for _ in range(a.repeat):
                t = time.perf_counter()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/history?node=BENCH%2Fday&{q}", timeout=60) as r:
                    body = json.loads(r.read())
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
            print(f"| {name} | {len(body['points']):,} | {body['source']} | {statistics.median(times):.1f} | {p99:.1f} |")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        subprocess.run([str(ROOT / "scripts" / "pg.sh"), "stop", str(folder)])
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
