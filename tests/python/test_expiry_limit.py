"""Greeks and implied vol as expiry -> 0 (include/rtrisk/greeks.hpp, docs/options.md): finite,
and tending to the T = 0 values away from the strike."""
import numpy as np
import pytest

import rtrisk

TINY = [1e-18, 1e-100, 1e-300, 1e-310, 5e-324]  # the last two are subnormal


@pytest.mark.parametrize("kind,w", [("call", 1.0), ("put", -1.0)])
@pytest.mark.parametrize("T", TINY)
def test_greeks_tend_to_the_expiry_values_away_from_the_strike(kind, w, T):
    """Limits from the formulas (S = 100, r = 3 %, q = 1 %, vol 20 %): price -> intrinsic,
    delta -> the step, gamma/vega/vanna/volga -> 0, theta -> w (q S - r K) and charm -> w q in
    the money; rho, dividend_rho -> 0 like T. Used to give charm NaN or -inf from T = 1e-300."""
    S, K, r, q = 100.0, np.array([80.0, 90.0, 110.0, 120.0]), 0.03, 0.01
    g = rtrisk.bsm(S, K, T, r, q, 0.2, kind=kind)
    itm = w * (S - K) > 0
    for name in ("price", "delta", "gamma", "vega", "theta", "rho", "dividend_rho", "vanna", "volga", "charm"):
        assert np.all(np.isfinite(getattr(g, name))), name
    np.testing.assert_allclose(g.price, np.where(itm, w * (S - K), 0.0), rtol=1e-12)
    np.testing.assert_allclose(g.delta, np.where(itm, w, 0.0), rtol=1e-12)
    for name in ("gamma", "vega", "vanna", "volga"):
        assert np.all(getattr(g, name) == 0.0), name
    np.testing.assert_allclose(g.theta, np.where(itm, w * (q * S - r * K), 0.0), rtol=1e-12)
    np.testing.assert_allclose(g.charm, np.where(itm, w * q, 0.0), rtol=1e-12)
    assert np.all(np.abs(g.rho) <= K * T) and np.all(np.abs(g.dividend_rho) <= S * T)


@pytest.mark.parametrize("T", TINY)
def test_at_the_money_the_formulas_hold_and_stay_finite(T):
    """At the money there is no finite limit (gamma ~ 1/(S vol sqrt(2 pi T))); for every T > 0
    the formula values are returned, finite; delta -> +-1/2. T = 0 itself: gamma 0 (convention)."""
    for kind, w in (("call", 1.0), ("put", -1.0)):
        g = rtrisk.bsm(100.0, 100.0, T, 0.03, 0.01, 0.2, kind=kind)
        assert all(np.isfinite(getattr(g, n)) for n in ("price", "gamma", "theta", "charm", "vanna", "volga"))
        assert g.delta == pytest.approx(w / 2, rel=1e-9)
        assert g.gamma == pytest.approx(1 / (100 * 0.2 * np.sqrt(2 * np.pi) * np.sqrt(T)), rel=1e-9)  # 2 pi T would round in the subnormals
    assert rtrisk.bsm(100.0, 100.0, 0.0, 0.03, 0.01, 0.2).gamma == 0.0


def test_implied_vol_near_expiry():
    """A price at intrinsic implies vol 0 (at_intrinsic) however small T; a price above it at
    T -> 0 needs a vol beyond the solver's bracket (100): NaN with status not_converged, never an
    error or a wrong number. A moderate T (1e-8 years, 0.3 s) still round-trips."""
    for T in TINY:
        v, s = rtrisk.implied_vol([10.0, 0.0], 100.0, [90.0, 110.0], T, 0.0, 0.0, return_status=True)
        assert list(s) == ["at_intrinsic", "at_intrinsic"] and list(v) == [0.0, 0.0]
        v, s = rtrisk.implied_vol(1.0, 100.0, 100.0, T, 0.0, 0.0, return_status=True)
        assert np.isnan(v) and s == "not_converged"
    price = rtrisk.bsm(100.0, 100.0, 1e-8, 0.0, 0.0, 0.2).price
    assert rtrisk.implied_vol(price, 100.0, 100.0, 1e-8, 0.0, 0.0) == pytest.approx(0.2, rel=1e-6)  # price ~ 8e-4: ~1e-10 relative rounding
