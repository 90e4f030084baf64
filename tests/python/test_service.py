"""rtrisk serve's command line: rtrisk_live's options through the same parser (exit status 2
naming the flag and the value, --help, --once), and bad files refused before anything listens."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT
from live_server import DEMO
from test_book_once import once


def serve(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "rtrisk", "serve", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("args,needle", [
    (["--port", "abc"], "--port: 'abc' is not a number in [0, 65535]"),
    (["--port", "99999"], "--port: '99999'"),
    (["--rate", "nan"], "--rate"),
    (["--allow-origin", "evil"], "--allow-origin: 'evil'"),
    (["--db", "postgresql://x/y?bogus=1"], "bogus"),
    (["--token", ""], "--token"),
    (["--asof", "2026-02-30"], "--asof"),
])
def test_bad_options_exit_2_naming_the_flag(args, needle):
    p = serve(*DEMO, *args)
    assert p.returncode == 2, p.stderr
    assert needle in p.stderr and "Traceback" not in p.stderr
    assert p.stdout == ""


def test_help_lists_the_servers_options():
    p = serve("--help")
    assert p.returncode == 0
    for flag in ("--port", "--bind", "--book", "--history", "--asof", "--token", "--allow-origin", "--db", "--kafka"):
        assert flag in p.stdout, flag


def test_once_prints_what_rtrisk_live_prints():
    p, q = serve(*DEMO, "--once"), once(*DEMO)
    assert p.returncode == 0 and q.returncode == 0, p.stderr
    # The same code, compiled twice: rtrisk_live with -march=native (FMA), the module without, so
    # the last bits of a sum may differ; 1e-12 relative is a few thousand ulps of rounding.
    close(json.loads(p.stdout), json.loads(q.stdout))


def close(a, b, where="report"):
    """a equals b, numbers to 1e-12 relative, recursively."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and a.keys() == b.keys(), where
        for k in b:
            close(a[k], b[k], f"{where}.{k}")
    elif isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{where}[{i}]")
    elif isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-9), where
    else:
        assert a == b, where


def test_a_bad_book_exits_2_naming_file_and_line(tmp_path):
    (tmp_path / "b.csv").write_text("node,symbol,quantity,price\nFIRM/x,NOPE,1,5\n")
    p = serve(*DEMO, "--book", str(tmp_path / "b.csv"), "--port", "0")
    assert p.returncode == 2
    assert f"{tmp_path / 'b.csv'}:2: field 'symbol': 'NOPE'" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.kafka
def test_kafka_mock_pipeline_feeds_the_python_service():
    """--kafka mock: the mock cluster, the simulated trading system and the Kafka source all run
    in C++ inside the Python process; the engine applies what it consumes."""
    from live_server import Server
    s = Server("--kafka", "mock", kind="python")
    try:
        assert s.wait_for_metric("rtrisk_kafka_messages_total", lambda n: n >= 1000, 30, every=0.5) >= 1000
        assert s.metric("rtrisk_ticks_total") > 0
        status, body = s.get("/api/risk")
        assert status == 200 and json.loads(body)["nodes"][0]["path"] == "FIRM"
    finally:
        s.stop()
