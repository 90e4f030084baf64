"""Bad input: each call raises ValueError or TypeError naming the offending value; never a crash."""
import numpy as np
import pandas as pd
import pytest

import rtrisk

R = np.random.default_rng(0).normal(0, 0.01, (300, 3))
W = np.array([0.5, 0.3, 0.2])
DF = pd.DataFrame(R, columns=["A", "B", "C"])
NAN_R = R.copy()
NAN_R[7, 1] = np.nan
INF_1D = R[:, 0].copy()
INF_1D[4] = np.inf


def book():
    b = rtrisk.DerivativesBook(0.01)
    b.add_underlying("X", 100.0)
    return b


def state():
    p = rtrisk.Portfolio()
    p.add(rtrisk.Position("A", 1, 1, 1))
    return rtrisk.IncrementalState(p, R[:, :1])


CASES = [
    (lambda: rtrisk.var(R, W, confidence=1.5), ValueError, "confidence 1.5 is outside (0, 1)"),
    (lambda: rtrisk.var(R, W, confidence=0.0), ValueError, "confidence 0 is outside (0, 1)"),
    (lambda: rtrisk.var(R, W, confidence="0.99"), TypeError, "confidence must be a number"),
    (lambda: rtrisk.var(R, W, method="parametric"), ValueError, "unknown method 'parametric'"),
    (lambda: rtrisk.var(R, W, method=3), TypeError, "method must be a string"),
    (lambda: rtrisk.var(NAN_R, W), ValueError, "scenarios contain nan at row 7, column 1"),
    (lambda: rtrisk.var(INF_1D), ValueError, "P&L contains inf at index 4"),
    (lambda: rtrisk.var(INF_1D, method="gaussian"), ValueError, "returns contains inf at index 4"),
    (lambda: rtrisk.var(R, W[:2]), ValueError, "weights has 2 elements but returns has 3 columns"),
    (lambda: rtrisk.var(R), ValueError, "weights are required for 2-D returns (3 instruments)"),
    (lambda: rtrisk.var(R[:, 0], W), ValueError, "weights must be omitted when returns is 1-D"),
    (lambda: rtrisk.var(R, {"A": 1.0}), TypeError, "got dict"),
    (lambda: rtrisk.var("returns.csv", W), TypeError, "returns must be a numpy array"),
    (lambda: rtrisk.var(R.reshape(3, 10, 30), W), ValueError, "got 3-D"),
    (lambda: rtrisk.var(R[:50, 0], confidence=0.99), ValueError, "needs at least 100 scenarios, got 50"),
    (lambda: rtrisk.var(np.array([]), confidence=0.5), ValueError, "P&L is empty"),
    (lambda: rtrisk.var(R, W, horizon_days=0), ValueError, "horizon_days 0 must be positive and finite"),
    (lambda: rtrisk.var(R, W, method="monte_carlo", paths=0), ValueError, "paths must be a positive integer, got 0"),
    (lambda: rtrisk.var(R, W, method="monte_carlo", seed=-1), ValueError, "seed must be a non-negative integer, got -1"),
    (lambda: rtrisk.var(R, W, quantile="type7"), ValueError, "unknown quantile method 'type7'"),
    (lambda: rtrisk.var(R, W, divisor="n"), ValueError, "unknown divisor 'n'"),
    (lambda: rtrisk.var(R, W, value="1e6"), TypeError, "value must be a number"),
    (lambda: rtrisk.var(DF, pd.Series({"A": 0.5, "B": 0.5, "Z": 0.0})), ValueError, "weights name symbols not in returns: ['Z']"),
    (lambda: rtrisk.var(DF, pd.Series({"A": 0.5, "B": 0.5})), ValueError, "weights lack symbols of returns: ['C']"),
    (lambda: rtrisk.component_var(R, W, method="cornish_fisher"), ValueError, "decomposition by cornish_fisher is not offered"),
    (lambda: rtrisk.component_var(R[:, 0], None), ValueError, "decomposition needs 2-D returns and weights"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, -0.2), ValueError, "vol -0.2 must be non-negative and finite"),
    (lambda: rtrisk.bsm(100, -100, 1, 0.01, 0, 0.2), ValueError, "strike -100 must be positive and finite"),
    (lambda: rtrisk.bsm([100, 0], 100, 1, 0.01, 0, 0.2), ValueError, "spot 0 must be positive and finite (element 1)"),
    (lambda: rtrisk.bsm(100, 100, -1, 0.01, 0, 0.2), ValueError, "expiry -1 must be non-negative and finite"),
    (lambda: rtrisk.bsm(100, 100, 1, np.nan, 0, 0.2), ValueError, "rate nan is not finite"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, 0.2, kind="straddle"), ValueError, "kind 'straddle' is neither 'call' nor 'put'"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, 0.2, kind=1), TypeError, "kind must be 'call', 'put'"),
    (lambda: rtrisk.bsm("abc", 100, 1, 0.01, 0, 0.2), TypeError, "spot must be numeric"),
    (lambda: rtrisk.bsm([100, 101], [100, 100, 100], 1, 0.01, 0, 0.2), ValueError, "shape mismatch"),
    (lambda: rtrisk.implied_vol(5.0, 100, 100, 0.0, 0.01, 0), ValueError, "implied vol needs expiry > 0, got 0"),
    (lambda: rtrisk.implied_vol(5.0, 100, 100, 1.0, 0.01, 0, solver="brent"), ValueError, "unknown solver 'brent'"),
    (lambda: rtrisk.kupiec(11, 10, 0.99), ValueError, "kupiec: exceptions 11 exceed observations 10"),
    (lambda: rtrisk.kupiec(1.5, 10, 0.99), TypeError, "exceptions must be an integer"),
    (lambda: rtrisk.kupiec(-1, 10, 0.99), ValueError, "exceptions must be non-negative, got -1"),
    (lambda: rtrisk.christoffersen([0, 2, 1]), ValueError, "hits must be 0 or 1, got 2"),
    (lambda: rtrisk.christoffersen([[0, 1]]), ValueError, "hits must be 1-D"),
    (lambda: rtrisk.traffic_light(3, 0), ValueError, "traffic_light: observations must be positive, got 0"),
    (lambda: rtrisk.stress("book"), TypeError, "stress needs a DerivativesBook, got str"),
    (lambda: rtrisk.stress(book(), [{"name": "x", "market_mvoe": 1}]), ValueError, "unknown scenario field(s) ['market_mvoe']"),
    (lambda: rtrisk.stress(book(), [{"market_move": -0.1}]), ValueError, "has no name"),
    (lambda: rtrisk.stress(book(), [{"name": "x", "symbol_moves": {"Y": -0.1}}]), ValueError, "unknown underlying 'Y'"),
    (lambda: rtrisk.stress(book(), [42]), TypeError, "a scenario must be a dict or StressScenario, got int"),
    (lambda: rtrisk.spot_vol_grid(book(), [-1.0], [0.0]), ValueError, "spot move -1 must be greater than -1"),
    (lambda: book().add_option("X", "call", 100.0, 1.0, -0.3, 1.0), ValueError, "vol -0.3 must be non-negative and finite"),
    (lambda: book().add_option("Y", "call", 100.0, 1.0, 0.3, 1.0), ValueError, "unknown underlying 'Y'"),
    (lambda: book().add_underlying("X", 50.0), ValueError, "duplicate underlying 'X'"),
    (lambda: rtrisk.Portfolio().add(rtrisk.Position("A", 1, 1, 1, -2)), ValueError, "multiplier -2 of 'A' must be positive and finite"),
    (lambda: state().apply_tick("Z", 1.0), ValueError, "unknown symbol 'Z'"),
    (lambda: state().apply_tick("A", float("nan")), ValueError, "price of 'A' nan is not finite"),
    (lambda: state().var(1.2), ValueError, "confidence 1.2 is outside (0, 1)"),
    (lambda: rtrisk.IncrementalState(rtrisk.Portfolio(), R), ValueError, "incremental state needs at least one position"),
    (lambda: rtrisk.full_revaluation_pnl(book(), R), ValueError, "returns row has 3 elements but underlyings has 1"),
]


@pytest.mark.parametrize("call,exc,fragment", CASES, ids=[c[2][:40] for c in CASES])
def test_bad_call(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value)


def test_table_is_large_enough():
    assert len(CASES) >= 30
