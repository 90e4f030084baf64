"""rtrisk.bsm and rtrisk.implied_vol against QuantLib-Python's AnalyticEuropeanEngine, a scipy
Black-Scholes written here, and Haug's textbook value."""
import numpy as np
import pytest
import QuantLib as ql
from scipy import stats

import rtrisk


def quantlib_greeks(kind, s, k, days, r, q, v):
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()  # t = days / 365 exactly
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(s)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), v, dc)))
    option = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if kind == "call" else ql.Option.Put, k),
                               ql.EuropeanExercise(today + days))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return dict(price=option.NPV(), delta=option.delta(), gamma=option.gamma(), vega=option.vega(),
                theta=option.theta(), rho=option.rho(), dividend_rho=option.dividendRho())


@pytest.mark.parametrize("kind", ["call", "put"])
def test_one_to_one_with_quantlib(kind):
    checked = 0
    for s in (70.0, 95.0, 100.0, 120.0):
        for days in (7, 91, 365, 1825):
            for v in (0.1, 0.25, 0.6):
                r, q, k = 0.03, 0.01, 100.0
                ref = quantlib_greeks(kind, s, k, days, r, q, v)
                g = rtrisk.bsm(s, k, days / 365.0, r, q, v, kind)
                for name, expected in ref.items():
                    # QuantLib's normal CDF and ours agree to ~1e-15; 1e-9 relative (or 1e-12
                    # absolute for values near zero) allows for its day-count arithmetic.
                    assert getattr(g, name) == pytest.approx(expected, rel=1e-9, abs=1e-12), (name, s, days, v)
                    checked += 1
    assert checked == 4 * 4 * 3 * 7


def scipy_bsm(kind, s, k, t, r, q, v):
    d1 = (np.log(s / k) + (r - q + v * v / 2) * t) / (v * np.sqrt(t))
    d2 = d1 - v * np.sqrt(t)
    w = np.where(kind == "call", 1.0, -1.0)
    price = w * (s * np.exp(-q * t) * stats.norm.cdf(w * d1) - k * np.exp(-r * t) * stats.norm.cdf(w * d2))
    vega = s * np.exp(-q * t) * stats.norm.pdf(d1) * np.sqrt(t)
    return price, vega


def test_broadcasting_against_a_scipy_formula():
    rng = np.random.default_rng(3)
    n = 10_000
    s = rng.uniform(50, 150, n)
    t = rng.uniform(0.05, 3, n)
    v = rng.uniform(0.05, 0.9, n)
    kind = np.where(rng.uniform(size=n) < 0.5, "call", "put")
    g = rtrisk.bsm(s, 100.0, t, 0.02, 0.01, v, kind)  # scalars broadcast against arrays
    price, vega = scipy_bsm(kind, s, 100.0, t, 0.02, 0.01, v)
    np.testing.assert_allclose(g.price, price, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g.vega, vega, rtol=1e-10, atol=1e-12)
    grid = rtrisk.bsm(np.array([[90.0], [100.0], [110.0]]), np.array([95.0, 105.0]), 0.5, 0.02, 0.0, 0.2)
    assert grid.price.shape == (3, 2)


def test_haug_value_and_scalars():
    g = rtrisk.bsm(100.0, 100.0, 0.1, 0.1, 0.1, 0.15, "call")
    assert isinstance(g.price, float)
    assert abs(g.price - 1.8734) <= 1e-4  # Haug (1998) p. 24


def test_implied_vol_round_trip_and_statuses():
    vols = np.array([0.08, 0.2, 0.45, 1.2])
    p = rtrisk.bsm(100.0, np.array([80.0, 100.0, 120.0, 150.0]), 1.0, 0.03, 0.0, vols, "call").price
    np.testing.assert_allclose(rtrisk.implied_vol(p, 100.0, np.array([80.0, 100.0, 120.0, 150.0]), 1.0, 0.03, 0.0), vols, rtol=1e-8)
    vol, status = rtrisk.implied_vol(np.array([0.5, 200.0]), 100.0, 80.0, 1.0, 0.03, 0.0, return_status=True)
    assert np.isnan(vol).all()
    assert list(status) == ["below_intrinsic", "above_upper_bound"]
    nv = rtrisk.implied_vol(p, 100.0, np.array([80.0, 100.0, 120.0, 150.0]), 1.0, 0.03, 0.0, solver="newton")
    np.testing.assert_allclose(nv, vols, rtol=1e-8)


def test_implied_vol_on_simd_batches_equals_the_one_at_a_time_solvers():
    """solver="simd" (the default: Newton on SIMD batches) against "toms748" one option at a time
    and the vols the prices came from, on 10,001 out-of-the-money and at-the-money options (the
    price carries the vol to ~1e-15 there): equal to 1e-13, and to the true vol to 1e-10."""
    gen = np.random.default_rng(5)
    n = 10_001
    k = 100 * gen.uniform(0.75, 1.35, n)
    kind = np.where(k >= 100, "call", "put")  # out of the money
    t = gen.uniform(0.05, 2.0, n)
    v = gen.uniform(0.08, 1.0, n)
    price = rtrisk.bsm(100.0, k, t, 0.02, 0.01, v, kind=kind).price
    simd, status = rtrisk.implied_vol(price, 100.0, k, t, 0.02, 0.01, kind=kind, return_status=True)
    one = rtrisk.implied_vol(price, 100.0, k, t, 0.02, 0.01, kind=kind, solver="toms748")
    ok = status == "success"
    assert ok.mean() > 0.99
    np.testing.assert_allclose(simd[ok], one[ok], rtol=1e-13)
    np.testing.assert_allclose(simd[ok], v[ok], rtol=1e-10)


def test_kinds_in_every_string_layout_are_read_as_numpy_compares_them():
    # The kind codes compare code points (_equals_word); the reference is numpy's own `==` on the
    # same strings, in every layout a user can hand in: native and byte-swapped str arrays, wider
    # str dtypes, object arrays, a 0-d string, and words that only share a prefix.
    words = ["call", "put", "call", "put", "put"]
    expected = rtrisk.bsm(100.0, 100.0, 1.0, 0.02, 0.01, 0.2, np.array(words, dtype=object)).price
    for layout in (np.array(words), np.array(words, dtype="<U9"), np.array(words, dtype=">U4"),
                   np.array(words, dtype=object), np.repeat(np.array(words), 2)[::2]):  # the last: strided
        np.testing.assert_array_equal(rtrisk.bsm(100.0, 100.0, 1.0, 0.02, 0.01, 0.2, layout).price, expected)
    assert expected[0] != expected[1]  # a call and a put differ here
    # One option takes the scalar path, the batch's options SIMD lanes (4 wide with AVX2): the two
    # round differently in the last bits; a call read as a put would differ in the first.
    assert rtrisk.bsm(100.0, 100.0, 1.0, 0.02, 0.01, 0.2, np.array("put")).price == pytest.approx(expected[1], rel=1e-14)
    for bad in (["call", "calls"], ["cal", "put"], ["call", "Put"], ["call", "pu"], ["call", ""], ["call", "put\u0100"]):
        for dtype in (None, object, ">U6"):
            with pytest.raises(ValueError, match=repr(bad[1]).replace("\\", "\\\\")):
                rtrisk.bsm(100.0, 100.0, 1.0, 0.02, 0.01, 0.2, np.array(bad, dtype=dtype))
