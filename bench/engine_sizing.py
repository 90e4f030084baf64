#!/usr/bin/env python3
"""What one engine holds, measured: peak RSS and wall time of `rtrisk_live --once` (load the
files, build the per-node state, print the risk) on books of N stocks proxied on the four
indices (tests/python/live_server.wide_book), T = 500 scenarios. Prints a Markdown table for
docs/scaling.md. Usage: /usr/bin/python3 bench/engine_sizing.py [--stocks 1000,10000,50000]"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from live_server import BINARY, wide_book  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stocks", default="1000,10000,50000")
    a = ap.parse_args()
    print("| stocks (underlyings) | positions | peak RSS MiB | bytes per underlying (T = 500) | load + risk, s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for n in [int(x) for x in a.stocks.split(",")]:
        flags = wide_book(n)
        t0 = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M", str(BINARY), *flags, "--asof", "2026-12-01", "--once"],
                             capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - t0
        assert out.returncode == 0, out.stderr
        rss_kib = int(out.stderr.strip().splitlines()[-1])
        print(f"| {n:,} | {n:,} | {rss_kib / 1024:.0f} | {rss_kib * 1024 / (n + 4):,.0f} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
