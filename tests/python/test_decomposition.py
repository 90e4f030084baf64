"""Component, marginal and incremental VaR from Python."""
import numpy as np
import pandas as pd
import pytest

import rtrisk


@pytest.mark.parametrize("method", ["historical", "gaussian", "monte_carlo"])
def test_components_sum_to_the_total_and_carry_labels(eu_returns, method):
    w = pd.Series([0.4, 0.3, 0.2, 0.1], index=eu_returns.columns)
    kw = dict(method=method, paths=20_000)
    comp = rtrisk.component_var(eu_returns, w, 0.99, **kw)
    assert isinstance(comp, pd.Series) and list(comp.index) == list(eu_returns.columns)
    assert comp.sum() == pytest.approx(rtrisk.var(eu_returns, w, 0.99, **kw), rel=1e-12)
    ces = rtrisk.component_es(eu_returns, w, 0.975, **kw)
    assert ces.sum() == pytest.approx(rtrisk.expected_shortfall(eu_returns, w, 0.975, **kw), rel=1e-12)


def test_arrays_in_arrays_out_and_marginal_is_the_derivative(eu_returns):
    R, w = eu_returns.to_numpy(), np.array([0.4, 0.3, 0.2, 0.1])
    comp = rtrisk.component_var(R, w, method="gaussian")
    assert isinstance(comp, np.ndarray)
    m = rtrisk.marginal_var(R, w, method="gaussian")
    np.testing.assert_allclose(comp, m * w, rtol=1e-14)
    for i in range(4):
        h = 1e-6
        up, dn = w.copy(), w.copy()
        up[i] += h
        dn[i] -= h
        fd = (rtrisk.var(R, up, method="gaussian") - rtrisk.var(R, dn, method="gaussian")) / (2 * h)
        assert m[i] == pytest.approx(fd, rel=1e-6)  # central difference, O(h^2) truncation


def test_incremental_var_is_with_minus_without(eu_returns):
    R, w = eu_returns.to_numpy(), np.array([0.4, 0.3, 0.2, 0.1])
    inc = rtrisk.incremental_var(R, w)
    for i in range(4):
        wo = w.copy()
        wo[i] = 0
        assert inc[i] == pytest.approx(rtrisk.var(R, w) - rtrisk.var(R, wo), rel=1e-12, abs=1e-15)
