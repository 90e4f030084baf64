#!/usr/bin/env python3
"""Soak test (not in CI): starts rtrisk_live on loopback, holds N WebSocket clients (build/bench/ws_load)
for M minutes, and samples the server's RSS, open file descriptors, connected clients and delivered
messages per client per second. Prints a Markdown table and a summary (RSS growth after warm-up,
slowest client's rate). Stops by itself.

Usage: /usr/bin/python3 bench/soak.py [--clients 1000] [--minutes 30] [--every 60] [--port 18790]
"""
import argparse
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        out = {}
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#") and " " in line:
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--every", type=float, default=60, help="seconds between samples")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--port", type=int, default=18790)
    a = ap.parse_args()
    seconds = int(a.minutes * 60)
    server = subprocess.Popen([str(BUILD / "examples" / "rtrisk_live"), "--port", str(a.port), "--static", str(ROOT / "web" / "dist"),
                               "--config", str(ROOT / "data" / "demo.toml")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert "rtrisk live:" in server.stdout.readline()
    load = subprocess.Popen([str(BUILD / "bench" / "ws_load"), "--port", str(a.port), "--clients", str(a.clients),
                             "--seconds", str(seconds), "--warmup", str(a.warmup)], stdout=subprocess.PIPE, text=True)
    rows = []
    t0 = time.monotonic()
    last = None
    try:
        while load.poll() is None:
            time.sleep(min(a.every, max(1, seconds + a.warmup - (time.monotonic() - t0))))
            if load.poll() is not None:
                break
            m = metrics(a.port)
            now = time.monotonic() - t0
            fds = len(os.listdir(f"/proc/{server.pid}/fd"))
            hz = None
            if last is not None and m["rtrisk_clients"]:
                hz = (m["rtrisk_messages_sent_total"] - last[1]) / (now - last[0]) / m["rtrisk_clients"]
            last = (now, m["rtrisk_messages_sent_total"])
            rows.append({"t_s": round(now), "rss_mib": rss_kib(server.pid) / 1024, "fds": fds, "clients": int(m["rtrisk_clients"]),
                         "hz_per_client": hz, "slow_disconnects": int(m["rtrisk_slow_disconnects_total"]),
                         "conflated": int(m["rtrisk_messages_conflated_total"])})
            r = rows[-1]
            print(f"| {r['t_s']} | {r['rss_mib']:.1f} | {r['fds']} | {r['clients']} | "
                  f"{'' if hz is None else f'{hz:.2f}'} | {r['slow_disconnects']} | {r['conflated']} |", flush=True)
        result = json.loads(load.stdout.read())
    finally:
        load.kill()
        server.terminate()
        server.wait()
    steady = [r for r in rows if r["t_s"] >= a.warmup + a.every and r["clients"] > 0]
    growth = (steady[-1]["rss_mib"] / steady[0]["rss_mib"] - 1) * 100 if len(steady) >= 2 else float("nan")
    print(json.dumps({"clients": a.clients, "minutes": a.minutes, "rss_growth_pct_after_warmup": round(growth, 2),
                      "ws_load": result}, indent=2))


if __name__ == "__main__":
    main()
