"""Portfolio, Position and the incremental state from Python."""
import numpy as np
import pytest

import rtrisk


def make_state(eu_returns):
    p = rtrisk.Portfolio()
    for sym, q in zip(eu_returns.columns, (10, -5, 7, 3)):
        p.add(rtrisk.Position(sym, q, 1000.0, 1500.0))
    return rtrisk.IncrementalState(p, eu_returns.to_numpy())


def test_ticks_equal_full_recomputation(eu_returns):
    s = make_state(eu_returns)
    rng = np.random.default_rng(5)
    for _ in range(10_000):
        sym = eu_returns.columns[rng.integers(4)]
        s.apply_tick(sym, 1500.0 * np.exp(rng.normal(0, 0.05)))
    x = np.array(s.portfolio.exposures)
    full = eu_returns.to_numpy() @ x
    np.testing.assert_allclose(s.pnl, full, rtol=1e-9, atol=1e-9 * np.abs(full).max())
    assert s.var(0.99) == pytest.approx(rtrisk.var(full, confidence=0.99), rel=1e-9)
    assert s.expected_shortfall(0.975) == pytest.approx(rtrisk.expected_shortfall(full, confidence=0.975), rel=1e-9)


def test_pnl_is_a_read_only_view_without_copy(eu_returns):
    s = make_state(eu_returns)
    view = s.pnl
    before = view.copy()
    s.apply_tick("DAX", 1600.0)
    assert not np.array_equal(view, before)  # the same memory, updated in place
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view[0] = 1.0


def test_trades_and_positions(eu_returns):
    s = make_state(eu_returns)
    realised = s.apply_trade("DAX", -4, 1600.0)
    assert realised == pytest.approx(4 * (1600.0 - 1000.0))
    assert s.portfolio.position(0).quantity == 6
