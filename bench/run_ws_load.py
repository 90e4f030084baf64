#!/usr/bin/env python3
"""Fan-out load test: starts each server on loopback (rtrisk_live, the C++ server, and rtrisk serve,
the Python service on the same engine), connects N WebSocket clients with build/bench/ws_load
for each N, and prints one Markdown table of publish-to-receive latency, delivered rate, gaps,
snapshot count, server CPU and memory per client. Stops by itself.

--frames deflate-raw has the clients ask for the rtrisk.deflate-raw subprotocol (frames compressed
once for every client, docs/protocol.md); --frames text with --deflate 1 is permessage-deflate, each
client's frames compressed on their own. --io-threads is passed to rtrisk_live.

Usage: /usr/bin/python3 bench/run_ws_load.py [--servers cpp,python] [--clients 100,250,500,1000,2000] [--seconds 15]
                                             [--deflate 1] [--frames text|deflate-raw] [--io-threads 0] [--load-threads 1]
"""
import argparse
import json
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


COMMANDS = {"python": [str(ROOT / ".venv" / "bin" / "python"), "-m", "rtrisk.service"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", default="cpp,python")
    ap.add_argument("--binary", default=str(BUILD / "examples" / "rtrisk_live"), help="the C++ server to run (e.g. another build, for an A/B run)")
    ap.add_argument("--clients", default="100,250,500,1000,2000")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--deflate", type=int, default=1)
    ap.add_argument("--port", type=int, default=18765)
    ap.add_argument("--frames", choices=["text", "deflate-raw"], default="text")
    ap.add_argument("--io-threads", type=int, default=0)
    ap.add_argument("--load-threads", type=int, default=1)
    a = ap.parse_args()
    print("| server | clients | frames | delivered msg/s | per client Hz | slowest client Hz | p50 ms | p99 ms | max ms | gaps | snapshots | errors | server CPU % | CPU % per 1,000 clients | server RSS MiB | KiB per client |")
    print("| :--- | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in a.servers.split(","):
        for n in [int(x) for x in a.clients.split(",")]:
            command = [a.binary, "--io-threads", str(a.io_threads)] if kind == "cpp" else COMMANDS[kind]
            server = subprocess.Popen([*command, "--port", str(a.port), "--config",
                                       str(ROOT / "data" / "demo.toml"), "--static", str(ROOT / "web" / "dist")],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
            server.stdout.readline()
            time.sleep(2)
            base = rss_kib(server.pid)
            warmup = 3 + n // 1000  # time for every client to connect
            load = subprocess.Popen([str(BUILD / "bench" / "ws_load"), "--port", str(a.port), "--clients", str(n),
                                     "--seconds", str(a.seconds), "--warmup", str(warmup), "--deflate", str(a.deflate),
                                     "--frames", a.frames, "--threads", str(a.load_threads)],
                                    stdout=subprocess.PIPE, text=True)
            time.sleep(warmup)
            cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
            time.sleep(a.seconds / 2)
            during = rss_kib(server.pid)
            cpu = 100 * (cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0)
            out, _ = load.communicate(timeout=a.seconds + 60)
            server.terminate()
            server.wait(timeout=10)
            r = json.loads(out)
            per_client = (during - base) / max(1, r["connected"])
            frames = a.frames if a.frames == "deflate-raw" else ("text, permessage-deflate" if a.deflate else "text")
            print(f"| {kind} | {n} | {frames} | {r['messages_per_s']:.0f} | {r['per_client_hz']:.2f} | {r['min_client_hz']:.2f} | {r['p50_ms']:.2f} | "
                  f"{r['p99_ms']:.2f} | {r['max_ms']:.1f} | {r['gaps']} | {r['snapshots']} | {r['errors']} | {cpu:.0f} | {cpu * 1000 / n:.1f} | "
                  f"{during / 1024:.0f} | {per_client:.1f} |", flush=True)


if __name__ == "__main__":
    main()
