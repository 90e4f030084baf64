"""The live servers under test, shared by the protocol conformance suite and the fault suite,
started on a free loopback port: "cpp", build/examples/rtrisk_live (or $RTRISK_BUILD_DIR's, e.g.
the sanitizer build), and "python", the FastAPI service on the same engine (python -m
rtrisk.service, with the interpreter running the tests)."""
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from conftest import BUILD, DATA, ROOT

BINARY = BUILD / "examples" / "rtrisk_live"
# The suites parametrised by server run against both; scripts/sanitize.sh sets RTRISK_SERVERS=cpp
# (its sanitizer build is the C++ server's).
SERVERS = tuple(os.environ.get("RTRISK_SERVERS", "cpp,python").split(","))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DEMO = ["--config", str(DATA / "demo.toml")]  # paths in it are relative to ROOT, the servers' working folder


def wide_book(stocks):
    """Flags for a book of `stocks` stocks proxied on the four indices, over three nodes, for tests
    that need large publications (a temporary folder kept for the session)."""
    folder = Path(tempfile.mkdtemp(prefix="rtrisk_wide_book_"))
    indices = ["DAX", "SMI", "CAC", "FTSE"]
    with open(folder / "book.csv", "w") as b, open(folder / "proxies.csv", "w") as p:
        b.write("node,symbol,quantity,price\n")
        p.write("symbol,proxy,beta,price\n")
        for i in range(stocks):
            b.write(f"FIRM/desk{i % 3}/trader{i % 7},S{i:05d},{100 + i % 50},{20 + i % 300}\n")
            p.write(f"S{i:05d},{indices[i % 4]},{0.5 + (i % 10) / 10},{20 + i % 300}\n")
    return ["--book", str(folder / "book.csv"), "--history", str(DATA / "eu_stock_markets.csv"), "--proxies", str(folder / "proxies.csv")]


class Server:
    def __init__(self, *args, port=None, stderr=subprocess.PIPE, preexec_fn=None, book=None, kind="cpp"):
        if kind == "cpp":
            assert BINARY.exists(), f"{BINARY} is missing: build the C++ targets first (scripts/build.sh)"
            command = [str(BINARY)]
        else:
            command = [sys.executable, "-m", "rtrisk.service"]
        self.kind = kind
        # Without a port the server takes any free one (--port 0) and names it in its first line:
        # no other process (a parallel test worker's server) can take it in between.
        self.proc = subprocess.Popen([*command, "--port", str(port or 0), "--static", str(ROOT / "web" / "dist"),
                                      *(book if book is not None else DEMO), *args],
                                     stdout=subprocess.PIPE, stderr=stderr, text=True, preexec_fn=preexec_fn, cwd=ROOT)
        line = self.proc.stdout.readline()
        assert "rtrisk live:" in line, line + (self.proc.stderr.read() if self.proc.stderr else "")
        self.port = port or int(line.split("http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self.instance = line.split("instance ")[1].split(";")[0] if "instance " in line else None
        self.url = f"ws://127.0.0.1:{self.port}/ws/risk"

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return r.status, r.read().decode()

    def metric(self, name):
        for line in self.get("/metrics")[1].splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)

    def wait_for_metric(self, name, until, within=10, every=0.1):
        """Samples `name` from /metrics until `until(value)` holds or `within` seconds have passed;
        returns the last value read (the caller asserts on it)."""
        deadline = time.monotonic() + within
        while True:
            value = self.metric(name)
            if until(value) or time.monotonic() >= deadline:
                return value
            time.sleep(every)

    def wait_for_risk(self, within=20):
        """Reads GET /api/risk until the first publication has been made (503 before it, "no risk
        computed yet"); returns the report."""
        import urllib.error
        deadline = time.monotonic() + within
        while True:
            try:
                return json.loads(self.get("/api/risk")[1])
            except urllib.error.HTTPError as e:
                if e.code != 503 or time.monotonic() >= deadline:
                    raise
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


SCHEMA = json.loads((ROOT / "docs" / "protocol.schema.json").read_text())


def check_message(msg, held=None):
    """Validates one server message against docs/protocol.schema.json; for a delta, also the data
    it produces when applied to `held` (the client's RiskData). Returns the data now held."""
    import jsonschema

    def valid(instance, definition):
        jsonschema.validate(instance, {"$ref": f"#/definitions/{definition}", "definitions": SCHEMA["definitions"]},
                            cls=jsonschema.Draft7Validator)

    valid(msg, "ServerMessage")
    if msg["type"] == "snapshot":
        held = msg["data"]
    elif msg["type"] == "delta" and held is not None:
        changes = dict(msg["changes"])
        appended = changes.pop("history_append")
        rows = changes.pop("positions_rows", None)
        unknown = set(changes) - set(SCHEMA["definitions"]["RiskData"]["properties"]) | ({"history"} & set(changes))
        assert not unknown, unknown
        assert rows is None or "positions" not in changes, "a delta carries positions whole or as rows, not both"
        held = {**held, **changes, "history": (held["history"] + appended)[-held["server"]["history_points"]:]}
        if rows is not None:
            held["positions"] = patch_positions(held["positions"], rows)
        valid(held, "RiskData")
    if msg["type"] in ("snapshot", "delta") and held is not None:
        lengths = {k: len(v) for k, v in held["positions"].items()}
        assert len(set(lengths.values())) == 1, f"position columns of different lengths: {lengths}"
    return held


POSITION_VALUES = ("quantity", "price", "market_value", "pnl", "component_var", "delta")


def patch_positions(columns, rows):
    """The held position columns with a delta's positions_rows applied (docs/protocol.md): the
    listed rows' values replaced, appended rows added with their node, symbol and type."""
    old = len(columns["node"])
    index = rows["index"]
    assert index == sorted(set(index)), f"positions_rows index not ascending: {index[:10]}"
    assert all(0 <= i < rows["count"] for i in index) and rows["count"] >= old, rows["count"]
    assert [i for i in index if i >= old] == list(range(old, rows["count"])), "appended rows not all listed"
    out = {k: list(v) for k, v in columns.items()}
    for k in ("node", "symbol", "type"):
        assert len(rows[k]) == rows["count"] - old, k
        out[k] += rows[k]
    for k in POSITION_VALUES:
        assert len(rows[k]) == len(index), k
        out[k] += [None] * (rows["count"] - old)
        for i, v in zip(index, rows[k]):
            out[k][i] = v
    return out


def position_rows(columns):
    """The positions as a list of row dicts (the wire sends columns)."""
    keys = list(columns)
    return [dict(zip(keys, values)) for values in zip(*(columns[k] for k in keys))]


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def read_deltas(url, seconds):
    """Reads the stream for `seconds`, every message validated against the schema: returns (deltas
    received, deltas whose base was not the held seq)."""
    import websockets
    got, gaps = 0, 0
    async with websockets.connect(url, max_size=None) as ws:
        first = json.loads(await ws.recv())
        held = check_message(first)
        seq = first["seq"]
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = json.loads(await ws.recv())
            held = check_message(m, held if m.get("base") == seq else None)
            if m["type"] != "delta":
                continue
            gaps += m["base"] != seq
            seq = m["seq"]
            got += 1
    return got, gaps


def raw_client_that_never_reads(port, rcvbuf=4096):
    """A WebSocket handshake by hand (receive buffer `rcvbuf`, None for the kernel's default), then no reads."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/risk HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0]
    return sock


