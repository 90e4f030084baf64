"""The live servers' command line, tick log and book edges, against both servers (rtrisk_live and
rtrisk serve share the C++ parser and engine): every rejected tick accounted for in the log, a
batch run naming the line of a refused tick, a misspelt config key, a port already taken, node
paths with dot segments."""
import json
import subprocess
import sys
import time

import pytest

from conftest import DATA, ROOT
from live_server import BINARY, DEMO, SERVERS, Server, free_port


def command(kind):
    return [str(BINARY)] if kind == "cpp" else [sys.executable, "-m", "rtrisk.service"]


@pytest.mark.parametrize("kind", SERVERS)
def test_every_rejected_tick_is_in_the_log_as_a_line_or_in_a_suppressed_count(kind, tmp_path):
    """30 bad lines and nothing after them: the rate limit lets 20 through and the other 10 are
    reported as a count (within a second, without waiting for a later line), so the log accounts
    for every one; all 30 are counted in /metrics."""
    ticks = tmp_path / "ticks.csv"
    ticks.write_text("".join(f"DAX,{i}abc\n" for i in range(30)))
    s = Server("--ticks", str(ticks), kind=kind)
    try:
        assert s.wait_for_metric("rtrisk_tick_rejects_total", lambda n: n >= 30) == 30
        time.sleep(2.5)  # the count is flushed once a second
    finally:
        s.stop()
    err = s.proc.stderr.read()
    written = err.count("rejected tick: ")
    suppressed = sum(int(line.split("(")[1].split()[0]) for line in err.splitlines() if "similar lines suppressed" in line)
    assert written + suppressed == 30, err
    assert written == 20


@pytest.mark.parametrize("kind", SERVERS)
def test_a_batch_run_names_the_line_of_a_tick_the_engine_refuses(kind, tmp_path):
    ticks = tmp_path / "ticks.csv"
    ticks.write_text("DAX,5000,1e9,FIRM/Equities/Europe/alice\nDAX,1e9,1e9,FIRM/Equities/Europe/alice\n")
    p = subprocess.run([*command(kind), *DEMO, "--ticks", str(ticks), "--once"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 2
    assert f"{ticks}:2: DAX: position would reach" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("kind", SERVERS)
def test_a_misspelt_config_key_exits_2_naming_it(kind, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text((DATA / "demo.toml").read_text() + "\nrte = 5\n")
    p = subprocess.run([*command(kind), "--config", str(cfg), "--once"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    assert "rte" in p.stderr


@pytest.mark.parametrize("kind", SERVERS)
def test_a_port_already_taken_exits_2_naming_it(kind):
    s = Server(kind="cpp")
    try:
        p = subprocess.run([*command(kind), *DEMO, "--port", str(s.port)], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert p.returncode == 2, p.stderr
        assert f"cannot listen on 127.0.0.1:{s.port}" in p.stderr
    finally:
        s.stop()


@pytest.mark.parametrize("kind", SERVERS)
def test_a_trade_to_a_node_path_with_dot_segments_is_refused_with_its_line(kind, tmp_path):
    ticks = tmp_path / "ticks.csv"
    ticks.write_text("DAX,5000,10,FIRM/../../etc\nDAX,5000,10,FIRM/./x\nDAX,5000,10,FIRM/Equities/Europe/alice\n")
    s = Server("--ticks", str(ticks), kind=kind)
    try:
        assert s.wait_for_metric("rtrisk_tick_rejects_total", lambda n: n >= 2) == 2
        nodes = {n["path"] for n in s.wait_for_risk()["nodes"]}
        assert not any("/." in n for n in nodes), nodes
    finally:
        s.stop()
    err = s.proc.stderr.read()
    assert f"{ticks}:1: " in err and f"{ticks}:2: " in err and f"{ticks}:3: " not in err
