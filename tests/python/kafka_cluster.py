"""A Kafka cluster on loopback for the tests (build/examples/rtrisk_kafka_mock: librdkafka's mock
cluster, 3 brokers) and a reproducible trading-system stream for it, with the offline model of
what the engine must end with (docs/protocol.md, "Kafka topics")."""
import csv
import json
import random
import subprocess
import time
import uuid

from conftest import BUILD, DATA

KAFKA_MOCK = BUILD / "examples" / "rtrisk_kafka_mock"
TOPICS = ["ticks:4", "trades:4", "rtrisk.dead-letter:1", "risk:4", "risk.vectors:4"]


class MockCluster:
    def __init__(self, brokers=3):
        assert KAFKA_MOCK.exists(), f"{KAFKA_MOCK} is missing: build the C++ targets first"
        self.proc = subprocess.Popen([str(KAFKA_MOCK), "--brokers", str(brokers), *TOPICS],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("bootstrap "), line
        self.bootstrap = line.split()[1]

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def producer(bootstrap):
    from confluent_kafka import Producer
    # As a trading system should: idempotent, and keyed with the Java clients' partitioner.
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "partitioner": "murmur2_random",
                     "linger.ms": 5, "reconnect.backoff.max.ms": 1000, "queue.buffering.max.messages": 1000000})


def consume_all(bootstrap, topic, until, timeout=60):
    """Reads `topic` from the beginning until `until(records)` holds; returns the records."""
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "test-" + uuid.uuid4().hex, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    records = []
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and not until(records):
            m = c.poll(0.5)
            if m is not None and not m.error():
                records.append(m)
    finally:
        c.close()
    return records


def demo_symbols():
    """The demo book's linear symbols (history columns and proxied stocks) with a price each."""
    prices = {}
    with open(DATA / "demo_book.csv") as f:
        for r in csv.DictReader(f):
            if not r["type"]:
                prices.setdefault(r["symbol"], float(r["price"]))
    positions = []
    with open(DATA / "demo_book.csv") as f:
        positions = [(r["node"], r["symbol"]) for r in csv.DictReader(f) if not r["type"]]
    return prices, positions


class Stream:
    """`n` messages: ticks on every linear symbol (about 1% stale: an event time older than the
    symbol's newest), and one trade in 25 (on held positions and on new nodes; about 1 trade in
    40 sent twice with its id)."""

    def __init__(self, n, seed=11):
        rng = random.Random(seed)
        prices, positions = demo_symbols()
        symbols = sorted(prices)
        new_nodes = [f"FIRM/Kafka/desk{i}/trader{j}" for i in range(3) for j in range(2)]
        self.messages = []  # (topic, key, value dict)
        ts = 1764072000000000
        last_ts = {}
        trades = 0
        while len(self.messages) < n:
            ts += rng.randint(1, 1000)
            if rng.random() < 0.04:
                if rng.random() < 0.3:
                    node, sym = rng.choice(new_nodes), rng.choice(symbols)
                else:
                    node, sym = rng.choice(positions)
                trades += 1
                q = rng.choice([-1, 1]) * rng.randint(1, 20)
                t = {"id": f"T-{trades:07d}", "node": node, "symbol": sym, "quantity": q,
                     "price": round(prices[sym] * (1 + rng.uniform(-0.002, 0.002)), 4), "ts": ts}
                self.messages.append(("trades", node, t))
                if rng.random() < 0.025 and len(self.messages) < n:
                    self.messages.append(("trades", node, dict(t)))  # the same trade sent again
            else:
                sym = symbols[len(self.messages) % len(symbols)] if len(self.messages) < 2 * len(symbols) else rng.choice(symbols)
                prices[sym] *= 1 + rng.gauss(0, 0.002)
                stamp = ts
                if sym in last_ts and rng.random() < 0.01:
                    stamp = last_ts[sym] - rng.randint(1, 5000)  # late: older than the newest
                last_ts[sym] = max(last_ts.get(sym, 0), stamp)
                self.messages.append(("ticks", sym, {"symbol": sym, "price": round(prices[sym], 4), "ts": stamp}))

    def produce(self, bootstrap, start=0, stop=None):
        p = producer(bootstrap)
        for topic, key, value in self.messages[start:stop]:
            while True:
                try:
                    p.produce(topic, key=key, value=json.dumps(value))
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)
        assert p.flush(120) == 0, "messages still queued after 120 s"

    def expected(self, upto=None):
        """What the engine must apply: trades once per id in order, ticks not older than their
        symbol's newest. Returns (applied count, trades, final price per symbol)."""
        seen, trades, newest, final, applied = set(), [], {}, {}, 0
        for topic, _, v in self.messages[:upto]:
            if topic == "trades":
                if v["id"] in seen:
                    continue
                seen.add(v["id"])
                trades.append(v)
            else:
                if v["ts"] < newest.get(v["symbol"], -1):
                    continue
                newest[v["symbol"]] = v["ts"]
                final[v["symbol"]] = v["price"]
            applied += 1
        return applied, trades, final

    def offline_file(self, path):
        """The same book as a tick file for `--once --ticks`: the trades, then each symbol's final
        price (a file's linear trade also sets the spot; the final ticks set it last)."""
        _, trades, final = self.expected()
        with open(path, "w") as f:
            for t in trades:
                f.write(json.dumps({"symbol": t["symbol"], "price": t["price"], "quantity": t["quantity"], "node": t["node"]}) + "\n")
            for s, p in final.items():
                f.write(json.dumps({"symbol": s, "price": p}) + "\n")
