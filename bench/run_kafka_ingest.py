#!/usr/bin/env python3
"""Kafka ingest benchmark, on loopback, stopping by itself: librdkafka's mock cluster (3 brokers,
build/examples/rtrisk_kafka_mock) and rtrisk_live over the demo book.

1. Ingest rate: N ticks are produced first; rtrisk_live --kafka then consumes them. The rate is
   taken between 10 % and 90 % of N applied (from /metrics). Baselines in the same run: the same N
   ticks replayed from a file (--ticks), and the embedded simulator unthrottled (--rate 0).
2. Latency from produce to WebSocket receive: ticks produced at a steady rate, each stamped with
   its produce time as event time; a WebSocket client takes receive time minus the `event_time`
   of each publication (the newest tick it includes), at the default 10 Hz publication and with
   --low-latency.

Usage: /usr/bin/python3 bench/run_kafka_ingest.py [--ticks 200000] [--rate 2000] [--seconds 10]
"""
import argparse
import asyncio
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
LIVE = BUILD / "examples" / "rtrisk_live"
DEMO = ["--config", str(ROOT / "data" / "demo.toml"), "--static", str(ROOT / "web" / "dist")]


def symbols():
    with open(ROOT / "data" / "demo_book.csv") as f:
        prices = {}
        for r in csv.DictReader(f):
            if not r["type"]:
                prices.setdefault(r["symbol"], float(r["price"]))
    return prices


class Live:
    def __init__(self, *args, port):
        self.port = port
        self.proc = subprocess.Popen([str(LIVE), "--port", str(port), *DEMO, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        self.proc.stdout.readline()

    def metric(self, name):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return 0.0

    def rate_between(self, name, n, timeout=300):
        """Applied per second between 10 % and 90 % of n on counter `name`."""
        t10 = t90 = None
        deadline = time.time() + timeout
        while time.time() < deadline and t90 is None:
            v = self.metric(name)
            now = time.perf_counter()
            if t10 is None and v >= 0.1 * n:
                t10 = now
            if v >= 0.9 * n:
                t90 = now
            time.sleep(0.01)
        if t10 is None or t90 is None or t90 <= t10:
            return float("nan")
        return 0.8 * n / (t90 - t10)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def ticks(n, prices):
    names = sorted(prices)
    ts = int(time.time() * 1e6)
    for i in range(n):
        s = names[i % len(names)]
        yield s, {"symbol": s, "price": round(prices[s] * (1 + 0.0001 * ((i // len(names)) % 7 - 3)), 4), "ts": ts + i}


def produce(bootstrap, items, rate=0.0):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "partitioner": "murmur2_random", "linger.ms": 2,
                  "queue.buffering.max.messages": 2000000})
    start = time.perf_counter()
    for i, (key, value) in enumerate(items):
        if rate:
            due = start + i / rate
            while time.perf_counter() < due:
                time.sleep(0.0005)
            value = dict(value, ts=time.time_ns() // 1000)  # event time: the produce time
        while True:
            try:
                p.produce("ticks", key=key, value=json.dumps(value))
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(60)
    return time.perf_counter() - start


async def latencies(port, seconds, since_us):
    import websockets
    out = []
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/risk", max_size=None) as ws:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = json.loads(await ws.recv())
            now = time.time_ns() // 1000
            if m.get("event_time", 0) > since_us:
                out.append((now - m["event_time"]) / 1000.0)
    return out


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ticks", type=int, default=200000)
    ap.add_argument("--rate", type=float, default=2000.0, help="ticks/s produced during the latency run")
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    prices = symbols()
    mock = subprocess.Popen([str(BUILD / "examples" / "rtrisk_kafka_mock"), "ticks:4", "trades:4", "rtrisk.dead-letter:1", "risk:4"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    bootstrap = mock.stdout.readline().split()[1]
    rows = []
    try:
        seconds = produce(bootstrap, ticks(a.ticks, prices))
        rows.append(("Python producer (confluent-kafka) into the mock cluster", a.ticks / seconds, ""))
        s = Live("--kafka", bootstrap, "--kafka-group", "bench", port=18801)
        rows.append(("rtrisk_live --kafka: consume, apply, store offsets", s.rate_between("rtrisk_kafka_messages_total", a.ticks), ""))
        # latency on the caught-up engine, default publication
        for flag, label in [(None, "10 Hz publication"), ("--low-latency", "--low-latency")]:
            if flag:
                s.stop()
                s = Live("--kafka", bootstrap, "--kafka-group", "bench-ll", flag, port=18802)
                s.rate_between("rtrisk_kafka_messages_total", a.ticks)
            since = time.time_ns() // 1000
            th = threading.Thread(target=produce, args=(bootstrap, ticks(int(a.rate * a.seconds), prices), a.rate))
            th.start()
            lat = asyncio.run(latencies(s.port, a.seconds, since))
            th.join()
            rows.append((f"produce to WebSocket receive, {label}, {a.rate:.0f} ticks/s", None,
                         f"p50 {statistics.median(lat):.1f} ms, p99 {pct(lat, 0.99):.1f} ms ({len(lat)} publications)"))
        s.stop()
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            for key, v in ticks(a.ticks, prices):
                f.write(f"{v['symbol']},{v['price']}\n")
        s = Live("--ticks", f.name, port=18803)
        rows.append(("baseline: the same ticks from a file (--ticks)", s.rate_between("rtrisk_ticks_total", a.ticks), ""))
        s.stop()
        s = Live("--rate", "0", port=18804)
        time.sleep(1)
        t0, v0 = time.perf_counter(), s.metric("rtrisk_ticks_total")
        time.sleep(5)
        rows.append(("baseline: embedded simulator, unthrottled (--rate 0)", (s.metric("rtrisk_ticks_total") - v0) / (time.perf_counter() - t0), ""))
        s.stop()
    finally:
        mock.stdin.close()
        mock.wait(timeout=10)
    print(f"| source ({a.ticks} ticks, demo book) | ticks/s | latency |")
    print("| --- | ---: | --- |")
    for name, rate, note in rows:
        print(f"| {name} | {'' if rate is None else f'{rate:,.0f}'} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
