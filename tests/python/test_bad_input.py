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
    (lambda: rtrisk.bsm([100, 0], 100, 1, 0.01, 0, 0.2), ValueError, "option 1: spot 0 must be positive and finite"),
    (lambda: rtrisk.bsm(100, 100, -1, 0.01, 0, 0.2), ValueError, "expiry -1 must be non-negative and finite"),
    (lambda: rtrisk.bsm(100, 100, 1, np.nan, 0, 0.2), ValueError, "rate nan is not finite"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, 0.2, kind="straddle"), ValueError, "kind 'straddle' is neither 'call' nor 'put'"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, 0.2, kind=1), TypeError, "kind must be 'call', 'put'"),
    (lambda: rtrisk.bsm("abc", 100, 1, 0.01, 0, 0.2), TypeError, "spot must hold real numbers, got strings"),
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
    (lambda: rtrisk.Portfolio().add(rtrisk.Position("A", 1, 1, 1, -2)), ValueError, "Position multiplier -2 must be positive and finite"),
    (lambda: state().apply_tick("Z", 1.0), ValueError, "unknown symbol 'Z'"),
    (lambda: state().apply_tick("A", float("nan")), ValueError, "price of 'A' nan is not finite"),
    (lambda: state().var(1.2), ValueError, "confidence 1.2 is outside (0, 1)"),
    (lambda: rtrisk.IncrementalState(rtrisk.Portfolio(), R), ValueError, "incremental state needs at least one position"),
    (lambda: rtrisk.full_revaluation_pnl(book(), R), ValueError, "returns row has 3 elements but underlyings has 1"),
]


# Booleans, complex numbers and strings are refused wherever a real number is expected (they
# used to be converted silently: True -> 1.0, "0.5" -> 0.5, 1+2j -> 1.0 with a ComplexWarning).
C = R.astype(complex)
S = pd.Series([0.5, 0.3, 0.2], index=["A", "B", "C"])
TYPE_CASES = [
    (lambda: rtrisk.var(C, W), "returns must hold real numbers, got complex numbers (dtype complex128)"),
    (lambda: rtrisk.var(R > 0, W), "returns must hold real numbers, got booleans (dtype bool)"),
    (lambda: rtrisk.var(R.astype(str), W), "returns must hold real numbers, got strings"),
    (lambda: rtrisk.var([["0.1", "0.2", "0.3"]] * 200, W), "returns contains str '0.1' at row 0, column 0"),
    (lambda: rtrisk.var([True, False] * 100), "returns contains bool True at index 0"),
    (lambda: rtrisk.var([0.1, "x"] * 100), "returns contains str 'x' at index 1"),
    (lambda: rtrisk.var([[0.1, 0.2, 0.3]] * 199 + [[0.1, 1j, 0.3]], W), "returns contains complex 1j at row 199, column 1"),
    (lambda: rtrisk.var(R, W.astype(complex)), "weights must hold real numbers, got complex numbers"),
    (lambda: rtrisk.var(R, [0.5, True, 0.2]), "weights contains bool True at index 1"),
    (lambda: rtrisk.var(R, np.array([0.5, "0.3", 0.2], dtype=object)), "weights contains str '0.3' at index 1"),
    (lambda: rtrisk.var(DF.assign(B=DF.B > 0), S), "returns column 'B' must hold real numbers, got booleans"),
    (lambda: rtrisk.var(DF.assign(B=DF.B.astype(str)), S), "returns column 'B' contains str"),
    (lambda: rtrisk.var(DF.assign(C=DF.C.astype(complex)), S), "returns column 'C' must hold real numbers, got complex"),
    (lambda: rtrisk.var(pd.Series([True, False] * 100)), "returns must hold real numbers, got booleans"),
    (lambda: rtrisk.var(DF, pd.Series({"A": True, "B": 0.5, "C": 0.5})), "weights contains bool True at index 0"),
    (lambda: rtrisk.var(DF, pd.Series({"A": "1", "B": 0.5, "C": 0.5})), "weights contains str '1' at index 0"),
    (lambda: rtrisk.component_var(C, W), "returns must hold real numbers, got complex"),
    (lambda: rtrisk.expected_shortfall(R, W, confidence=0.975 + 0j), "confidence must be a number, got complex"),
    (lambda: rtrisk.var(R, W, confidence=np.bool_(True)), "confidence must be a number, got bool_"),
    (lambda: rtrisk.var(R, W, confidence=True), "confidence must be a number, got bool"),
    (lambda: rtrisk.var(R, W, horizon_days=np.complex128(1)), "horizon_days must be a number, got complex128"),
    (lambda: rtrisk.var(R, W, value=1 + 0j), "value must be a number, got complex"),
    (lambda: rtrisk.var(R, W, value=True), "value must be a number, got bool"),
    (lambda: rtrisk.var(R, W, method="monte_carlo", paths=True), "paths must be an integer, got bool True"),
    (lambda: rtrisk.var(R, W, method="monte_carlo", paths=1000.0), "paths must be an integer, got float 1000.0"),
    (lambda: rtrisk.var(R, W, method="monte_carlo", seed=1 + 0j), "seed must be an integer, got complex"),
    (lambda: rtrisk.var(R, W, quantile=b"linear"), "quantile must be a string, got bytes"),
    (lambda: rtrisk.var(R, W, quantile=1), "quantile must be a string, got int"),
    (lambda: rtrisk.var(R, W, divisor=True), "divisor must be a string, got bool"),
    (lambda: rtrisk.bsm(100 + 0j, 100, 1, 0, 0, 0.2), "spot must hold real numbers, got complex"),
    (lambda: rtrisk.bsm(100, "100", 1, 0, 0, 0.2), "strike must hold real numbers, got strings"),
    (lambda: rtrisk.bsm(100, 100, True, 0, 0, 0.2), "expiry must hold real numbers, got booleans"),
    (lambda: rtrisk.bsm(100, 100, 1, 0, 0, [0.2, "0.3"]), "vol contains str '0.3' at index 1"),
    (lambda: rtrisk.bsm([100, True], 100, 1, 0, 0, 0.2), "spot contains bool True at index 1"),
    (lambda: rtrisk.bsm(100, 100, 1, np.complex128(0.01), 0, 0.2), "rate must hold real numbers, got complex"),
    (lambda: rtrisk.bsm(100, 100, 1, 0, False, 0.2), "dividend must hold real numbers, got booleans"),
    (lambda: rtrisk.implied_vol(10 + 0j, 100, 100, 1, 0, 0), "price must hold real numbers, got complex"),
    (lambda: rtrisk.implied_vol(10, ["100"], 100, 1, 0, 0), "spot contains str '100' at index 0"),
    (lambda: rtrisk.kupiec(8, 250, 0.99 + 0j), "confidence must be a number, got complex"),
    (lambda: rtrisk.kupiec(True, 250), "exceptions must be an integer, got bool"),
    (lambda: rtrisk.christoffersen(np.array(["1", "0"])), "hits must hold real numbers, got strings"),
    (lambda: rtrisk.var_exceptions([1j, 0], [1, 1]), "pnl contains complex 1j at index 0"),
    (lambda: rtrisk.var_exceptions([0.1, -0.2], [True, True]), "var_series contains bool True at index 0"),
    (lambda: rtrisk.full_revaluation_pnl(book(), np.array([[True]])), "returns must hold real numbers, got booleans"),
    (lambda: rtrisk.delta_gamma_pnl(book(), [["0.1"]]), "returns contains str '0.1' at row 0, column 0"),
    (lambda: rtrisk.spot_vol_grid(book(), ["0.1"], [0.0]), "spot_moves contains str '0.1' at index 0"),
    (lambda: rtrisk.spot_vol_grid(book(), [0.1], (0.0, True)), "vol_shifts contains bool True at index 1"),
    (lambda: rtrisk.IncrementalState(state().portfolio, R[:, :1] > 0), "scenarios must hold real numbers, got booleans"),
    # Methods: a bool, complex or str where a float goes is refused as pybind11 refuses a str.
    (lambda: book().add_option("X", "call", True, 1.0, 0.3, 1.0), "incompatible"),
    (lambda: book().add_option("X", "call", 100.0, np.complex128(1.0), 0.3, 1.0), "incompatible"),
    (lambda: book().add_option("X", "call", 100.0, 1.0, np.bool_(True), 1.0), "incompatible"),
    (lambda: book().set_spot("X", 1 + 0j), "incompatible"),
    (lambda: rtrisk.DerivativesBook(True), "incompatible"),
    (lambda: rtrisk.Position("A", True, 1, 1), "incompatible"),
    (lambda: state().apply_tick("A", np.complex128(1.0)), "incompatible"),
    (lambda: state().var(True), "confidence must be a number"),
    (lambda: rtrisk.StressScenario("s", market_move=True), "incompatible"),
    (lambda: rtrisk.StressScenario("s", symbol_moves={"X": True}), "incompatible"),
    # ... and a bool or float where an integer (an index, a count) goes: position(True) was position 1.
    (lambda: state().portfolio.position(True), "incompatible"),
    (lambda: state().portfolio.position(np.bool_(False)), "incompatible"),
    (lambda: state().portfolio.position(0.0), "incompatible"),
    (lambda: rtrisk._core.IncrementalState.set_reanchor_interval(state(), True), "incompatible"),  # past rtrisk's own check
    (lambda: rtrisk._core.kupiec(True, 250, 0.99), "incompatible"),
    (lambda: rtrisk._core.traffic_light(2, 250.0, 0.99), "incompatible"),
]


@pytest.mark.parametrize("call,fragment", TYPE_CASES, ids=[c[1][:50] for c in TYPE_CASES])
def test_non_real_input_is_a_type_error_naming_the_argument(call, fragment):
    with pytest.raises(TypeError) as info:
        call()
    assert fragment in str(info.value)


def test_integer_arguments_take_python_and_numpy_integers():
    p = state().portfolio
    assert p.position(np.int64(0)).symbol == p.position(0).symbol == "A"
    assert p.position(np.array(0)).symbol == "A"  # a 0-d integer array
    assert rtrisk._core.kupiec(np.uint16(3), np.int32(250), 0.99) == rtrisk._core.kupiec(3, 250, 0.99)
    # unsigned (size_t) arguments: the whole range, 2^63 and up included; beyond it and below 0 refused
    assert rtrisk._core.traffic_light(0, 2**64 - 1, 0.99) == rtrisk._core.traffic_light(0, np.uint64(2**64 - 1), 0.99)
    assert rtrisk._core.traffic_light(0, 2**63, 0.99) in ("green", "yellow", "red")
    for bad in (2**64, -1, np.int64(-1)):
        with pytest.raises(TypeError, match="incompatible"):
            rtrisk._core.traffic_light(0, bad, 0.99)


def test_real_numbers_of_any_integer_or_float_dtype_are_still_accepted():
    """The check refuses kinds, not widths: int, uint, float32 and object arrays of numbers pass."""
    v = rtrisk.var(R, W)
    assert rtrisk.var(R.astype(np.float32), W) == pytest.approx(v, rel=1e-5)  # float32 rounding of the data
    assert rtrisk.var(R, np.array([5, 3, 2], dtype=np.int64) / 10) == v
    assert rtrisk.var(R, np.array([0.5, 0.3, 0.2], dtype=object)) == v
    assert rtrisk.var(R.tolist(), W.tolist()) == v
    assert rtrisk.bsm(np.int32(100), np.uint16(100), 1, 0, 0, np.float32(0.25)).price > 0
    assert book().add_option("X", "call", np.int64(100), np.float32(1.0), 0.3, 1) == 0


@pytest.mark.parametrize("call,exc,fragment", CASES, ids=[c[2][:40] for c in CASES])
def test_bad_call(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value)


def test_table_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("make,fragment", [
    (lambda: rtrisk.var(pd.DataFrame(R, columns=["A", "A", "C"]), pd.Series({"A": 0.5, "C": 0.5})),
     "returns columns: has the label 'A' twice"),
    (lambda: rtrisk.var(pd.DataFrame(R, columns=[1, "1", "C"]), pd.Series({"1": 0.5, "C": 0.5})),
     "returns columns: labels 1 and '1' are both '1' as strings"),
    (lambda: rtrisk.component_var(pd.DataFrame(R, columns=["A", "B", "A"]), W), "returns columns: has the label 'A' twice"),
    (lambda: rtrisk.expected_shortfall(DF, pd.Series([0.2, 0.3, 0.4, 0.1], index=["A", "B", "C", "C"])),
     "weights index: has the label 'C' twice"),
    (lambda: rtrisk.var(DF, pd.Series([0.2, 0.3, 0.5], index=["A", "B", "C"]).rename({"A": 2}).rename(index={"B": "2"})),
     "weights index: labels 2 and '2' are both '2' as strings"),
    (lambda: rtrisk.component_var(R, pd.Series([0.5, 0.3, 0.2], index=["X", "Y", "X"])), "weights index: has the label 'X' twice"),
])
def test_duplicate_labels_are_a_value_error_naming_the_label(make, fragment):
    """Used to share one weight between the two columns silently (or collide after str())."""
    with pytest.raises(ValueError) as info:
        make()
    assert fragment in str(info.value)


# --- Siblings found after the first round: the weighting methods, labels and option types ---

@pytest.mark.parametrize("method", ["ewma", "filtered_historical", "age_weighted"])
@pytest.mark.parametrize("scale", [1e-160, 1e160, 2.0**-600, 2.0**600])
def test_weighting_methods_are_scale_free_and_finite_at_any_magnitude(method, scale):
    """VaR and ES are positively homogeneous (of degree 1) in the P&L for every method: times a
    power of two they scale exactly, and at 1e+-160 (squares beyond the double range) the figure
    is the scaled one, not inf, NaN or an underflowed 0."""
    pnl = R @ W
    for kind in (rtrisk.var, rtrisk.expected_shortfall):
        base = kind(pnl, confidence=0.99, method=method)
        got = kind(pnl * scale, confidence=0.99, method=method)
        assert np.isfinite(got)
        assert got == pytest.approx(base * scale, rel=1e-12)
    g = rtrisk.var(pnl * scale, confidence=0.99, method="filtered_historical", filter="garch") if method == "filtered_historical" else None
    if g is not None:
        assert g == pytest.approx(rtrisk.var(pnl, confidence=0.99, method="filtered_historical", filter="garch") * scale, rel=1e-6)
    p = rtrisk.Portfolio()
    p.add(rtrisk.Position("A", 1.0, 1.0, 1.0))
    s = rtrisk.IncrementalState(p, (pnl * scale)[:, None])
    v, e = s.weighted_tail(method, 0.99, 0.975)
    assert np.isfinite(v) and np.isfinite(e)
    assert v == pytest.approx(rtrisk.var(pnl, confidence=0.99, method=method) * scale, rel=1e-12)


def test_ewma_figures_are_finite_or_refused_at_any_magnitude():
    pnl = R @ W
    assert rtrisk.ewma_volatility(pnl * 1e200) == pytest.approx(rtrisk.ewma_volatility(pnl) * 1e200, rel=1e-12)
    assert rtrisk.ewma_volatility(pnl * 1e-200) == pytest.approx(rtrisk.ewma_volatility(pnl) * 1e-200, rel=1e-12)
    with pytest.raises(ValueError, match="EWMA variance overflows"):
        rtrisk.ewma_variances(pnl * 1e200)
    with pytest.raises(ValueError, match="EWMA covariance overflows"):
        rtrisk.ewma_covariance(R * 1e200)
    cov = rtrisk.ewma_covariance(R * 1e100)
    assert np.all(np.isfinite(np.asarray(cov)))


@pytest.mark.parametrize("method", ["ewma", "filtered_historical", "age_weighted"])
def test_a_horizon_that_overflows_a_weighted_figure_is_refused(method):
    with pytest.raises(ValueError, match="overflows"):
        rtrisk.var(R * 1e200, W, 0.99, method, horizon_days=1e300)
    with pytest.raises(ValueError, match="overflows"):
        rtrisk.component_var(R * 1e200, W, 0.99, method, horizon_days=1e300)


@pytest.mark.parametrize("call", [
    lambda: rtrisk.var(R @ W, confidence=1e-17, method="gaussian"),
    lambda: rtrisk.var(R @ W, confidence=1e-17, method="cornish_fisher"),
    lambda: rtrisk.var(R @ W, confidence=1e-17, method="ewma"),
    lambda: rtrisk.expected_shortfall(R @ W, confidence=1e-17, method="gaussian"),
    lambda: rtrisk.component_var(R, W, 1e-17, "gaussian"),
    lambda: rtrisk.kupiec(1, 10, 1e-300),
    lambda: rtrisk.christoffersen([0, 1] * 50, 1e-300),
])
def test_a_confidence_whose_tail_probability_rounds_to_one_is_named(call):
    """1 - c == 1 in binary below c ~ 1.1e-16: no finite normal quantile, no backtest null; a
    ValueError naming the confidence, never a Boost-internal message."""
    with pytest.raises(ValueError, match="too close to 0") as e:
        call()
    assert "boost" not in str(e.value)


def test_results_of_the_option_and_stress_functions_are_finite_or_refused():
    b = rtrisk.DerivativesBook(0.01)
    b.add_underlying("A", 100.0)
    b.add_linear("A", 1.0)
    with pytest.raises(ValueError, match="not finite"):
        rtrisk.bsm(100, 100, 0.5, -1e300, 0, 0.2)
    with pytest.raises(ValueError, match="not finite"):
        rtrisk.full_revaluation_pnl(b, [[1e308]])
    with pytest.raises(ValueError, match="not finite"):
        rtrisk.stress(b, [{"name": "x", "market_move": 1e308}])
    with pytest.raises(ValueError, match="not finite|overflows"):
        rtrisk.pnl_explain("linear", 10, 100.0, 1e308, multiplier=100)
    with pytest.raises(ValueError, match="overflows|not finite"):
        rtrisk.factor_exposures(R, [1, 0.5, 1], ["a", "b", "a"], value=1e308)


def test_labelled_scenarios_are_matched_to_symbols_by_label_not_position():
    b = rtrisk.DerivativesBook(0.0)
    b.add_underlying("A", 100.0)
    b.add_underlying("B", 50.0)
    b.add_linear("A", 1.0)
    moves = pd.DataFrame([[0.1, 0.0]], columns=["B", "A"])  # B moves, A does not
    assert rtrisk.full_revaluation_pnl(b, moves)[0] == 0.0
    assert rtrisk.delta_gamma_pnl(b, moves)[0] == 0.0
    assert rtrisk.full_revaluation_pnl(b, moves[["A", "B"]])[0] == 0.0
    for bad in (pd.DataFrame([[0.1, 0.0]], columns=["A", "A"]), pd.DataFrame([[0.1, 0.0]], columns=["A", "C"]),
                pd.DataFrame([[0.1]], columns=["A"])):
        with pytest.raises(ValueError):
            rtrisk.full_revaluation_pnl(b, bad)
    p = rtrisk.Portfolio()
    p.add(rtrisk.Position("A", 2.0, 1.0, 1.0))
    p.add(rtrisk.Position("B", 1.0, 1.0, 1.0))
    scen = pd.DataFrame(R[:, :2], columns=["A", "B"])
    same = rtrisk.IncrementalState(p, scen)
    swapped = rtrisk.IncrementalState(p, scen[["B", "A"]])
    assert swapped.var(0.99) == same.var(0.99)
    with pytest.raises(ValueError, match="twice"):
        rtrisk.IncrementalState(p, pd.DataFrame(R[:, :2], columns=["A", "A"]))
    same.roll_day(pd.Series([0.1, 0.0], index=["A", "B"]))
    swapped.roll_day(pd.Series([0.0, 0.1], index=["B", "A"]))
    assert swapped.chronological_pnl[-1] == same.chronological_pnl[-1] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="symbols"):
        same.roll_day(pd.Series([0.1, 0.0], index=["A", "C"]))
    # Without labels (pandas' default 0..N-1), the order of the symbols, as for an array.
    unlabelled = rtrisk.IncrementalState(p, pd.DataFrame(R[:, :2]))
    assert unlabelled.var(0.99) == same.var(0.99)
    assert rtrisk.full_revaluation_pnl(b, pd.DataFrame([[0.0, 0.1]]))[0] == 0.0


def test_two_stress_scenarios_of_one_name_are_refused_naming_it():
    b = book()
    b.add_linear("X", 10.0)
    with pytest.raises(ValueError, match="two stress scenarios are named 'crash'"):
        rtrisk.stress(b, [rtrisk.StressScenario("crash", -0.1), rtrisk.StressScenario("rally", 0.1), rtrisk.StressScenario("crash", -0.2)])
    assert list(rtrisk.stress(b, [rtrisk.StressScenario("crash", -0.1), rtrisk.StressScenario("Crash", -0.2)]).index) == ["crash", "Crash"]


def test_duplicate_portfolio_names_and_explain_labels_are_refused():
    Wm = pd.DataFrame(np.tile(W[:, None], 2), index=["A", "B", "C"], columns=["p", "p"])
    with pytest.raises(ValueError, match="twice"):
        rtrisk.var(DF, Wm)
    Wm.columns = [1, "1"]
    with pytest.raises(ValueError, match="both '1'"):
        rtrisk.var(DF, Wm)
    with pytest.raises(ValueError, match="both '1'"):
        rtrisk.pnl_explain("linear", [1.0, 2.0], 100.0, 101.0, by=[1, "1"])


@pytest.mark.parametrize("call, name", [
    (lambda: rtrisk.var(R, W, 0.99, "ewma", seed=42 + 0j), "seed"),
    (lambda: rtrisk.var(R, W, 0.99, "ewma", paths="10"), "paths"),
    (lambda: rtrisk.var(R, W, 0.99, "ewma", paths=True), "paths"),
    (lambda: rtrisk.var(R, W, 0.99, "ewma", quantile=1j), "quantile"),
    (lambda: rtrisk.var(R, W, 0.99, decay=1j), "decay"),
    (lambda: rtrisk.var(R, W, 0.99, filter=b"ewma"), "filter"),
    (lambda: rtrisk.component_var(R, W, 0.99, "ewma", seed=1.5), "seed"),
    (lambda: rtrisk.implied_vol(10.0, 100, 100, 0.5, 0.0, 0.0, return_status="no"), "return_status"),
    (lambda: rtrisk.implied_vol(10.0, 100, 100, 0.5, 0.0, 0.0, solver=b"simd"), "solver"),
    (lambda: state().var(True), "confidence"),
    (lambda: state().var(0.99, "ewma", decay=1j), "decay"),
    (lambda: state().set_reanchor_interval(True), "updates"),
])
def test_option_arguments_of_the_wrong_type_are_named(call, name):
    with pytest.raises(TypeError, match=name):
        call()


def test_incremental_state_refuses_options_that_do_not_apply():
    with pytest.raises(ValueError, match="decay="):
        state().var(0.99, decay=0.5)
    with pytest.raises(ValueError, match="filter="):
        state().expected_shortfall(0.975, filter="ewma")
    with pytest.raises(ValueError, match="filter="):
        state().var(0.99, "ewma", filter="garch")


def test_positions_and_books_hold_finite_numbers_and_give_finite_figures():
    with pytest.raises(ValueError, match="Position price nan must be finite"):
        rtrisk.Position("A", 10.0, 100.0, float("nan"))
    with pytest.raises(ValueError, match="multiplier 0 must be positive"):
        rtrisk.Position("A", 10.0, 100.0, 100.0, 0.0)
    p = rtrisk.Position("A", 10.0, 100.0, 100.0)
    with pytest.raises(ValueError, match="quantity inf must be finite"):
        p.quantity = float("inf")
    p.price = 1e308
    with pytest.raises(ValueError, match="market_value overflows"):
        p.market_value
    b = rtrisk.DerivativesBook(0.01)
    b.add_underlying("A", 1e308)
    b.add_linear("A", 10.0)
    with pytest.raises(ValueError, match="value overflows"):
        b.value()


def test_factor_labels_and_backtest_arguments_are_named():
    groups = pd.DataFrame({"sector": ["x", "y", "x"], 1: ["a", "b", "c"], "1": ["a", "a", "b"]}, index=["A", "B", "C"])
    with pytest.raises(ValueError, match="both '1'"):
        rtrisk.factor_exposures(DF, pd.Series(W, index=["A", "B", "C"]), groups)
    extra = pd.Series(["x", "y", "x", "z"], index=["A", "B", "C", "D"], name="sector")
    with pytest.raises(ValueError, match="unknown \\['D'\\]"):
        rtrisk.factor_exposures(DF, pd.Series(W, index=["A", "B", "C"]), extra)
    with pytest.raises(TypeError, match="var_series"):
        rtrisk.var_exceptions([0.1, 0.2], [1j, 2j])


def masked(values, at):
    """`values` as a numpy masked array masking the one element at `at`."""
    m = np.ma.masked_array(np.asarray(values), mask=False)
    m[at] = np.ma.masked
    return m


MR = masked(R, (5, 2))       # row 5, column 2 masked
MW = masked(W, 1)
M1 = masked(R[:, 2], 5)
MASKED_CASES = [  # (call, argument named, where)
    (lambda: rtrisk.var(MR, W), "returns", "row 5, column 2"),
    (lambda: rtrisk.var(MR.astype(np.float32), W), "returns", "row 5, column 2"),  # not the in-place float32 path
    (lambda: rtrisk.var(R, MW), "weights", "index 1"),
    (lambda: rtrisk.var(R, masked(np.ones((3, 4)), (2, 3))), "weights", "row 2, column 3"),
    (lambda: rtrisk.expected_shortfall(M1), "returns", "index 5"),
    (lambda: rtrisk.var(M1, method="ewma"), "returns", "index 5"),
    (lambda: rtrisk.component_var(MR, W), "returns", "row 5, column 2"),
    (lambda: rtrisk.stressed_var(MR, W, window=100), "returns", "row 5, column 2"),
    (lambda: rtrisk.ewma_covariance(MR), "returns", "row 5, column 2"),
    (lambda: rtrisk.fit_garch(M1), "returns", "index 5"),
    (lambda: rtrisk.bsm(masked([100.0, 90.0], 1), 100, 1, 0.01, 0, 0.2), "spot", "index 1"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, masked([0.2, 0.3], 0)), "vol", "index 0"),
    (lambda: rtrisk.bsm(100, 100, 1, 0.01, 0, 0.2, kind=masked(["call", "put"], 1)), "kind", "index 1"),
    (lambda: rtrisk.implied_vol(masked([10.0, 5.0], 1), 100, 100, 1, 0.01, 0), "price", "index 1"),
    (lambda: rtrisk.pnl_explain(masked(["call", "put"], 0), 1, 100.0, 101.0, 100, 1, 0.01, 0.01, 0, 0.2), "kind", "index 0"),
    (lambda: rtrisk.pnl_explain("call", masked([1.0, 2.0], 1), 100.0, 101.0, 100, 1, 0.01, 0.01, 0, 0.2), "quantity", "index 1"),
    (lambda: rtrisk.christoffersen(masked([0, 1, 0, 0], 2)), "hits", "index 2"),
    (lambda: rtrisk.var_exceptions(M1, np.full(300, 0.02)), "pnl", "index 5"),
    (lambda: rtrisk.factor_exposures(R, W, masked(np.array(["a", "b", "c"]), 1)), "groups 'group'", "index 1"),
    (lambda: rtrisk.IncrementalState(state_portfolio(), masked(R[:, :1], (5, 0))), "scenarios", "row 5, column 0"),
    (lambda: rtrisk.IncrementalState(state_portfolio(), masked(R[:, :1].astype(np.float32), (5, 0)), scenario_dtype="float32"),
     "scenarios", "row 5, column 0"),
    (lambda: rtrisk.full_revaluation_pnl(book(), masked(R[:, :1], (5, 0))), "returns", "row 5, column 0"),
]


def state_portfolio():
    p = rtrisk.Portfolio()
    p.add(rtrisk.Position("A", 1, 1, 1))
    return p


@pytest.mark.parametrize("call,name,where", MASKED_CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(MASKED_CASES)])
def test_a_masked_array_that_masks_a_value_is_refused_naming_the_argument_and_the_first_masked_value(call, name, where):
    # Converting a masked array to a plain one keeps the values under the mask: read as data,
    # they would give a silently wrong figure.
    with pytest.raises(ValueError, match=rf"^{name} is a masked array with 1 masked value, the first at {where};"):
        call()


def test_a_masked_array_that_masks_nothing_gives_the_plain_arrays_figures():
    none = np.ma.masked_array(R, mask=np.zeros(R.shape, bool))
    assert rtrisk.var(none, W) == rtrisk.var(R, W)
    assert rtrisk.var(np.ma.masked_array(R.astype(np.float32)), W) == rtrisk.var(R.astype(np.float32).astype(np.float64), W)
    assert rtrisk.bsm(np.ma.masked_array([100.0, 90.0]), 100, 1, 0.01, 0, 0.2).price.tolist() == \
        rtrisk.bsm(np.array([100.0, 90.0]), 100, 1, 0.01, 0, 0.2).price.tolist()
    two = masked(R, (1, 1))
    two[7, 0] = np.ma.masked
    with pytest.raises(ValueError, match=r"with 2 masked values, the first at row 1, column 1;"):
        rtrisk.var(two, W)
