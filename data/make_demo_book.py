#!/usr/bin/env python3
"""Writes the demo book (data/demo_book.csv, data/demo_proxies.csv) from a fixed seed.

The demo book is a small equity desk on the four indices of eu_stock_markets.csv: index
positions, 46 stocks that follow an index with a beta (proxies), and index options, spread
over a firm / division / desk / trader hierarchy. Re-run to regenerate; the output is
committed, so nothing reads this script at run time.
"""
import csv
import math
import random
from pathlib import Path

DATA = Path(__file__).resolve().parent
last = list(csv.reader(open(DATA / "eu_stock_markets.csv")))[-1]
indices = {"DAX": float(last[1]), "SMI": float(last[2]), "CAC": float(last[3]), "FTSE": float(last[4])}
desk = {"DAX": "FIRM/Equities/Europe/alice", "CAC": "FIRM/Equities/Europe/bob",
        "SMI": "FIRM/Equities/Europe/bob", "FTSE": "FIRM/Equities/UK/carol"}
# Factor columns (docs/book.md): country and currency of each index's market, a sector per stock.
country = {"DAX": ("DE", "EUR"), "SMI": ("CH", "CHF"), "CAC": ("FR", "EUR"), "FTSE": ("GB", "GBP")}
sectors = ["Banks", "Energy", "Industrials", "Technology", "Consumer", "Health Care"]
sector_gen = random.Random(11)  # its own stream: the other figures stay as they were
traders = ["FIRM/Equities/Europe/alice", "FIRM/Equities/Europe/bob", "FIRM/Equities/UK/carol", "FIRM/Equities/UK/dan"]
gen = random.Random(7)
ASOF_TO_EXPIRY = 108 / 365  # scripts/run values the demo as of 2026-12-01; options expire 2027-03-19
RATE, DIVIDEND = 0.03, 0.02  # scripts/run: --risk-free-rate 0.03 --dividend INDEX=0.02


def bsm(kind, s, k, t, r, q, v):
    """Black-Scholes-Merton price: the options' entry premium (bought or sold at model value)."""
    n = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))
    d1 = (math.log(s / k) + (r - q + v * v / 2) * t) / (v * math.sqrt(t))
    d2 = d1 - v * math.sqrt(t)
    if kind == "call":
        return s * math.exp(-q * t) * n(d1) - k * math.exp(-r * t) * n(d2)
    return k * math.exp(-r * t) * n(-d2) - s * math.exp(-q * t) * n(-d1)


rows, proxies = [], []
for i, (sym, px) in enumerate(indices.items()):
    rows.append({"node": desk[sym], "symbol": sym, "quantity": 20 * (i + 1), "price": round(0.98 * px, 2),
                 "sector": "Index", "country": country[sym][0], "currency": country[sym][1]})
for s in range(46):
    sym, idx = f"EQ{s + 1:03d}", list(indices)[s % 4]
    beta, px = round(gen.uniform(0.6, 1.4), 3), round(gen.uniform(20, 400), 2)
    proxies.append({"symbol": sym, "proxy": idx, "beta": beta, "price": px})
    qty = round(gen.uniform(-500, 1500))
    rows.append({"node": traders[s % 4], "symbol": sym, "quantity": qty, "price": round(px * (1 + gen.gauss(0, 0.005)), 2),
                 "sector": sector_gen.choice(sectors), "country": country[idx][0], "currency": country[idx][1]})
# The same stock at a second desk: a symbol may sit under several nodes.
rows.append({"node": "FIRM/Equities/UK/dan", "symbol": "EQ001", "quantity": -200, "price": proxies[0]["price"]})  # labels from its first row
for sym, px in indices.items():
    for kind, k, vol, qty, node in (("put", 0.95, 0.22, 10, "FIRM/Derivatives/Index/erin"),
                                    ("call", 1.05, 0.18, -10, "FIRM/Derivatives/Index/frank")):
        strike = round(k * px)
        name = f"{sym} {strike} {'P' if kind == 'put' else 'C'} 2027-03-19"
        rows.append({"node": node, "symbol": name, "quantity": qty,
                     "price": round(bsm(kind, px, strike, ASOF_TO_EXPIRY, RATE, DIVIDEND, vol), 2), "multiplier": 10, "type": kind,
                     "underlying": sym, "strike": strike, "expiry": "2027-03-19", "vol": vol,
                     "sector": "Index", "country": country[sym][0], "currency": country[sym][1]})
fields = ["node", "symbol", "quantity", "price", "multiplier", "type", "underlying", "strike", "expiry", "vol", "sector", "country", "currency"]
with open(DATA / "demo_book.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
with open(DATA / "demo_proxies.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["symbol", "proxy", "beta", "price"], lineterminator="\n")
    w.writeheader()
    for r in proxies:
        w.writerow(r)
