"""The live engine from a notebook: the C++ engine of rtrisk_live and ``rtrisk serve`` over a book
(docs/book.md), fed ticks and trades from a DataFrame, read back as DataFrames.

    from rtrisk.live import Engine
    eng = Engine(book="data/demo_book.csv", history="data/eu_stock_markets.csv", asof="2026-11-26")
    eng.risk()                                   # one row per node: P&L, VaR 99, ES 97.5, ...
    eng.apply(pd.DataFrame({"symbol": ["DAX"], "price": [18000.0]}))   # a price tick
    eng.apply(pd.DataFrame({"symbol": ["DAX"], "quantity": [10], "node": ["FIRM/Equities/EU/alice"]}))  # a trade
    eng.what_if(pd.DataFrame({"node": ["FIRM/Equities/EU/alice"], "symbol": ["DAX"], "quantity": [10]}))

Nothing here computes risk in Python: every figure comes from the engine (examples/live/engine),
the same code the servers run, with the GIL released.
"""
import math

import numpy as np

from . import _live

__all__ = ["Engine"]


def _frame(columns: dict, index=None):
    import pandas as pd
    df = pd.DataFrame(columns)
    return df.set_index(index) if index else df


def _column(df, name, default, kind):
    """One column of `df` as a list, `default` where it is absent; TypeError naming a column of
    the wrong kind, ValueError naming a missing value."""
    if name not in df.columns:
        return [default] * len(df)
    col = df[name]
    if kind == "number":
        if col.dtype.kind not in "iuf":
            raise TypeError(f"column '{name}': numbers expected, got dtype {col.dtype}")
        return col.astype(float).tolist()
    if kind == "time":
        import pandas as pd
        if col.dtype.kind == "M" or isinstance(col.dtype, pd.DatetimeTZDtype):
            since_epoch = pd.to_datetime(col, utc=True) - pd.Timestamp(0, tz="UTC")
            return (since_epoch // pd.Timedelta(microseconds=1)).astype(np.int64).tolist()
        if col.dtype.kind not in "iu":
            raise TypeError(f"column '{name}': datetimes or integer microseconds expected, got dtype {col.dtype}")
        return col.astype(np.int64).tolist()
    values = col.tolist()
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise TypeError(f"column '{name}', row {i}: a string expected, got {v!r}")
    return values


class Engine:
    """The live engine over a book: positions file, price history, optional proxies, valuation
    date and market parameters, checked by rtrisk_live's own option parser (a bad one raises
    ValueError naming the option)."""

    def __init__(self, book, history, proxies=None, asof=None, risk_free_rate=None, dividends=None, scenarios=None):
        args = ["--book", str(book), "--history", str(history)]
        if proxies is not None:
            args += ["--proxies", str(proxies)]
        if asof is not None:
            args += ["--asof", str(asof)]
        if risk_free_rate is not None:
            args += ["--risk-free-rate", repr(float(risk_free_rate))]
        for symbol, y in (dividends or {}).items():
            args += ["--dividend", f"{symbol}={float(y)!r}"]
        if scenarios is not None:
            args += ["--scenarios", str(int(scenarios))]
        try:
            opts = _live.parse_options(args)
        except _live.UsageError as e:
            raise ValueError(str(e)) from None
        self._engine = _live.Engine(opts)

    @property
    def symbols(self):
        """The contracts a tick or trade may name (underlyings first, then options)."""
        return self._engine.symbols

    @property
    def ticks(self) -> int:
        """Ticks and trades applied so far."""
        return self._engine.ticks

    def apply(self, df) -> int:
        """Applies the rows of `df` in order: ``symbol`` and ``price`` (a price tick), or with a
        non-zero ``quantity`` a trade (booked at ``price``, the current price when absent or NaN,
        at ``node``, which may be omitted when one node holds the symbol); ``time`` (datetimes or
        µs since the epoch) is optional. Returns the number of rows applied. A refused row raises
        ValueError naming it; the rows before it stay applied."""
        n = len(df)
        if "symbol" not in df.columns:
            raise ValueError("column 'symbol' is required")
        if "price" not in df.columns and "quantity" not in df.columns:
            raise ValueError("a column 'price' (ticks) or 'quantity' (trades) is required")
        symbols = _column(df, "symbol", "", "text")
        prices = _column(df, "price", math.nan, "number")
        quantities = _column(df, "quantity", 0.0, "number")
        nodes = _column(df, "node", "", "text")
        times = _column(df, "time", 0, "time")
        for i, (p, q) in enumerate(zip(prices, quantities)):
            if q == 0 and math.isnan(p):
                raise ValueError(f"row {i}: a price tick needs a price")
            if not math.isfinite(q):
                raise ValueError(f"row {i}: quantity {q!r} is not finite")
        return self._engine.apply(symbols, prices, quantities, nodes, times) if n else 0

    def replay(self, path) -> int:
        """Applies every line of a tick file in order (``rtrisk_live --ticks`` format: CSV
        ``symbol,price[,quantity[,node]]`` or NDJSON, docs/protocol.md) with the C++ file
        source, the GIL released. Returns the lines applied. The first refused line raises
        ValueError naming FILE:LINE and the reason; the lines before it stay applied."""
        return self._engine.replay(str(path))

    def risk(self):
        """One row per node (index: the node path): its parent, depth, positions, market value,
        P&L, VaR 99 and ES 97.5 (historical, over the book's scenarios), gross exposure, net
        delta, vega, theta, and its component VaR within its parent."""
        return _frame(self._engine.nodes(), "path")

    def positions(self):
        """One row per position: node, symbol, type, quantity, unit price, market value, P&L,
        dollar delta and component VaR within the firm's VaR 99."""
        return _frame(self._engine.positions())

    def report(self) -> dict:
        """The risk per node as rtrisk_live --once prints it (docs/book.md)."""
        import json
        return json.loads(self._engine.report())

    def what_if(self, df):
        """VaR 99, ES 97.5, gross exposure, net delta, vega and P&L before and after the trades
        of `df` (``node``, ``symbol``, ``quantity``, optional ``price``, default the current
        price), for every node they touch up to the root, deepest first (index: the node path).
        Incremental: O(T) per trade from the live state, as POST /api/whatif (docs/limits.md).
        The book is not changed."""
        for name in ("node", "symbol", "quantity"):
            if name not in df.columns:
                raise ValueError(f"column '{name}' is required")
        out = self._engine.what_if(_column(df, "node", "", "text"), _column(df, "symbol", "", "text"),
                                   _column(df, "quantity", 0.0, "number"), _column(df, "price", math.nan, "number"))
        return _frame(out, "path")
