"""rtrisk: real-time portfolio risk from a header-only C++20 core.

Conventions (docs/conventions.md): VaR and ES are positive losses, as a fraction of portfolio
value when `returns` are returns and `weights` fractions (pass ``value=`` for currency);
confidence is a probability in (0, 1); historical quantiles interpolate linearly (numpy's
default ``percentile``); standard deviations use divisor n unless ``divisor="sample"``;
``horizon_days=h`` scales by sqrt(h). Greeks: vega per 1.00 of vol, theta per year, rho per 1.00
of rate (QuantLib's AnalyticEuropeanEngine).

Copies: float64 arrays in C or Fortran order (and pandas frames of one float64 block) are read in
place; other dtypes are converted once; strided views are copied. Long kernels release the GIL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _core
from ._core import DerivativesBook, Portfolio, Position, StressScenario

__version__ = _core.__version__
__all__ = [
    "var", "expected_shortfall", "stressed_var", "StressedVaR", "fit_garch", "Garch",
    "ewma_volatility", "ewma_variances", "ewma_covariance", "factor_exposures", "pnl_explain", "component_var", "component_es", "marginal_var", "incremental_var",
    "bsm", "Greeks", "implied_vol", "kupiec", "christoffersen", "traffic_light", "LRTest", "Christoffersen",
    "stress", "spot_vol_grid", "standard_scenarios", "StressScenario", "DerivativesBook",
    "Portfolio", "Position", "IncrementalState", "full_revaluation_pnl", "delta_gamma_pnl", "var_exceptions",
    "__version__",
]

METHODS = ("historical", "gaussian", "cornish_fisher", "monte_carlo")
# Scenario-weighting methods (VaR and ES only, decay=): RiskMetrics EWMA, Hull-White filtered and
# Boudoukh-Richardson-Whitelaw age-weighted historical simulation (docs/conventions.md).
WEIGHTED_METHODS = ("ewma", "filtered_historical", "age_weighted")
# The volatility filters of filtered_historical (filter=): RiskMetrics EWMA or GARCH(1,1).
VOLATILITY_FILTERS = ("ewma", "garch")
RISKMETRICS_DECAY = 0.94


def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pandas is optional
        return None
    return pd


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def _check_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    return value


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be a {'positive' if minimum == 1 else 'non-negative'} integer, got {value}")
    return int(value)


def _in_value(result, value, what):
    """result (a fraction of value) in currency when value= is given: value must be finite and the
    product too (the core's results are finite; value= is the one number it does not see)."""
    if value is None:
        return result
    v = _check_number("value", value)
    if not np.isfinite(v):
        raise ValueError(f"value {v!r} is not finite")
    with np.errstate(over="ignore"):  # the overflow is reported below, as a ValueError
        out = result * v
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{what} x value overflows: {result!r} x {v!r}")
    return out


_real_array = _core.real_array  # the one check of array inputs: TypeError unless real numbers


def _labels(raw, what):
    """The labels as strings (symbols are matched by str()), each once; a repeat, or two labels
    with one string (1 and "1"), would share a weight silently, so it is a ValueError."""
    seen = {}
    for label in raw:
        key = str(label)
        if key in seen:
            first = seen[key]
            if type(first) is type(label) and first == label:
                raise ValueError(f"{what} has the label {label!r} twice; each symbol must appear once")
            raise ValueError(f"{what} labels {first!r} and {label!r} are both {key!r} as strings; "
                             "each symbol must appear once")
        seen[key] = label
    return list(seen)


def _by_symbol(data, symbols, what):
    """`data` with its pandas labels (a DataFrame's columns, a Series' index) put in the order of
    `symbols`: every symbol once, no other label (matched by str(), as weights are). Arrays, lists
    and pandas objects without labels (the default 0..N-1 RangeIndex) are taken in the order of
    `symbols`."""
    pd = _pandas()
    if pd is None or not isinstance(data, (pd.DataFrame, pd.Series)):
        return data
    labels = data.columns if isinstance(data, pd.DataFrame) else data.index
    if isinstance(labels, pd.RangeIndex) and labels.start == 0 and labels.step == 1:
        return data.to_numpy()
    names = _labels(labels, f"{what}:")
    at = {n: i for i, n in enumerate(names)}
    missing = [s for s in symbols if s not in at]
    known = set(symbols)
    unknown = [n for n in names if n not in known]
    if missing or unknown:
        raise ValueError(f"{what} must be labelled by the symbols {list(symbols)}: missing {missing}, unknown {unknown}")
    order = [at[s] for s in symbols]
    return data.iloc[:, order] if isinstance(data, pd.DataFrame) else data.iloc[order]


def _finite(result, what):
    """`result` when every number in it is finite; else a ValueError: the inputs are finite, so
    the figure overflowed the double range (or was undefined, such as inf - inf)."""
    values = np.asarray(result, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{what} is not finite for these inputs (it overflows the double range); rescale them")
    return result


class IncrementalState(_core.IncrementalState):
    __doc__ = _core.IncrementalState.__doc__

    def __init__(self, portfolio, scenarios, *args, **kwargs):
        # A DataFrame's columns are matched to the portfolio's symbols by label, not by position.
        if not isinstance(portfolio, Portfolio):
            raise TypeError(f"portfolio must be a rtrisk.Portfolio, got {type(portfolio).__name__}")
        self._symbols = list(portfolio.symbols)
        super().__init__(portfolio, _by_symbol(scenarios, self._symbols, "scenarios columns"), *args, **kwargs)

    def roll_day(self, returns):
        """The day roll: `returns` (one per symbol; a Series matched by label) replaces the oldest scenario."""
        return super().roll_day(_by_symbol(returns, self._symbols, "returns"))

    def _weighting(self, method, decay, filter):
        """(method, decay, filter) checked: decay= and filter= only with a weighting method."""
        method = _check_str("method", method)
        if method == "historical":
            _refuse_weighting_options(method, decay, filter)
            return method, RISKMETRICS_DECAY, "ewma"
        filter = _check_filter(method, filter, decay)
        return method, RISKMETRICS_DECAY if decay is None else _check_number("decay", decay), filter

    def var(self, confidence=0.99, method="historical", decay=None, filter=None):
        """VaR of the live P&L: historical, or by a weighting method (ewma, filtered_historical, age_weighted)."""
        return super().var(_check_number("confidence", confidence), *self._weighting(method, decay, filter))

    def expected_shortfall(self, confidence=0.975, method="historical", decay=None, filter=None):
        """ES of the live P&L: historical, or by a weighting method."""
        return super().expected_shortfall(_check_number("confidence", confidence), *self._weighting(method, decay, filter))

    def tail(self, var_confidence=0.99, es_confidence=0.975):
        """(VaR, ES) of the live P&L, historical."""
        return super().tail(_check_number("var_confidence", var_confidence), _check_number("es_confidence", es_confidence))

    def weighted_tail(self, method, var_confidence=0.99, es_confidence=0.975, decay=None, filter=None):
        """(VaR, ES) of the live P&L by a weighting method, in O(T)."""
        method, decay, filter = self._weighting(method, decay, filter)
        return super().weighted_tail(method, _check_number("var_confidence", var_confidence), _check_number("es_confidence", es_confidence),
                                     decay, filter)

    def set_reanchor_interval(self, updates):
        """Recompute the P&L from the matrix every `updates` ticks and trades (0: never)."""
        return super().set_reanchor_interval(_check_int("updates", updates, 0))


def _prepare(returns, weights):
    """Returns (values, weights array or None, labels or None, portfolio names or None): weights
    are N (one portfolio) or N x P (P portfolios, a column each; names from a DataFrame's
    columns). Raises TypeError/ValueError."""
    pd = _pandas()
    labels = None
    if pd is not None and isinstance(returns, pd.DataFrame):
        labels = _labels(returns.columns, "returns columns:")
        for j, (c, dtype) in enumerate(zip(returns.columns, returns.dtypes)):  # name the column of a non-numeric value
            if not (isinstance(dtype, np.dtype) and dtype.kind in "fiu"):  # numpy real-number columns need no element check
                _real_array(returns.iloc[:, j].to_numpy(), f"returns column {c!r}")
        values = returns.to_numpy(dtype=np.float64, copy=False)
    elif pd is not None and isinstance(returns, pd.Series):
        values = _real_array(returns.to_numpy(), "returns")
    elif isinstance(returns, (np.ndarray, list, tuple)):
        values = _real_array(returns, "returns")
    else:
        raise TypeError(f"returns must be a numpy array, a list or a pandas DataFrame/Series, got {type(returns).__name__}")
    if values.ndim not in (1, 2):
        raise ValueError(f"returns must be 1-D (portfolio returns) or 2-D (scenarios x instruments), got {values.ndim}-D")
    if values.ndim == 1:
        if weights is not None:
            raise ValueError("weights must be omitted when returns is 1-D (already portfolio returns)")
        return values, None, None, None
    if weights is None:
        raise ValueError(f"weights are required for 2-D returns ({values.shape[1]} instruments)")
    names = None
    if pd is not None and isinstance(weights, pd.DataFrame):
        _labels(weights.columns, "weights columns (portfolio names):")  # results are indexed by them
        names = list(weights.columns)
        for j, (c, dtype) in enumerate(zip(weights.columns, weights.dtypes)):  # name the column of a non-numeric value
            if not (isinstance(dtype, np.dtype) and dtype.kind in "fiu"):
                _real_array(weights.iloc[:, j].to_numpy(), f"weights column {c!r}")
    if pd is not None and isinstance(weights, (pd.Series, pd.DataFrame)):
        index = _labels(weights.index, "weights index:")
        if labels is not None:
            index_set, label_set = set(index), set(labels)
            missing = [c for c in labels if c not in index_set]
            extra = [i for i in index if i not in label_set]
            if extra:
                raise ValueError(f"weights name symbols not in returns: {extra}")
            if missing:
                raise ValueError(f"weights lack symbols of returns: {missing}")
            weights = weights.set_axis(index).reindex(labels)
        else:
            labels = index
        w = _real_array(weights.to_numpy(), "weights")
    elif isinstance(weights, (np.ndarray, list, tuple)):
        w = _real_array(weights, "weights")
    elif isinstance(weights, dict):
        raise TypeError("weights must be an array or a pandas Series, got dict (use pandas.Series(weights))")
    else:
        raise TypeError(f"weights must be an array, a pandas Series or DataFrame, got {type(weights).__name__}")
    if w.ndim not in (1, 2):
        raise ValueError(f"weights must be 1-D (one portfolio) or 2-D (instruments x portfolios), got shape {w.shape}")
    if w.shape[0] != values.shape[1]:
        what = "elements" if w.ndim == 1 else "rows"
        raise ValueError(f"weights has {w.shape[0]} {what} but returns has {values.shape[1]} columns")
    if w.ndim == 2 and w.shape[1] == 0:
        raise ValueError(f"weights has no portfolio (shape {w.shape})")
    return values, w, labels, names


def _options(confidence, method, horizon_days, paths, seed, quantile, divisor):
    confidence = _check_number("confidence", confidence)
    horizon_days = _check_number("horizon_days", horizon_days)
    if _check_str("method", method) not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    paths = _check_int("paths", paths, 1)
    seed = _check_int("seed", seed, 0)
    return _core.make_options(method, confidence, horizon_days, paths, seed, _check_str("quantile", quantile),
                              _check_str("divisor", divisor))


def _weighted_measure(kind, values, w, names, confidence, method, horizon_days, decay, filter, value):
    """VaR or ES by a scenario-weighting method: of the 1-D series, or of each portfolio's P&L."""
    confidence = _check_number("confidence", confidence)
    horizon_days = _check_number("horizon_days", horizon_days)
    filter = _check_filter(method, filter, decay)
    decay = RISKMETRICS_DECAY if decay is None else _check_number("decay", decay)
    one = _core.weighted_var if kind == "var" else _core.weighted_es
    what = "VaR" if kind == "var" else "ES"
    if w is None:
        return _in_value(one(values, method, confidence, decay, filter, horizon_days), value, what)
    if w.ndim == 1:
        return _in_value(one(_core.portfolio_pnl(values, w), method, confidence, decay, filter, horizon_days), value, what)
    pnl = values @ w  # T x P: each portfolio's P&L, then its own weighting
    result = _in_value(np.array([one(np.ascontiguousarray(pnl[:, p]), method, confidence, decay, filter, horizon_days)
                                 for p in range(w.shape[1])]), value, what)
    pd = _pandas()
    return pd.Series(result, index=names, name=kind) if names is not None and pd is not None else result


def _check_filter(method, filter, decay):
    """The volatility filter to use ("ewma" unless asked), refusing a filter with another method
    and decay= with the GARCH filter (its parameters come from the fit, not a decay)."""
    if filter is None:
        return "ewma"
    _check_str("filter", filter)
    if decay is not None:
        _check_number("decay", decay)
    if method != "filtered_historical":
        raise ValueError(f"filter= applies to method 'filtered_historical', not to {method!r}")
    f = _check_str("filter", filter)
    f = "garch" if f == "garch11" else f
    if f not in VOLATILITY_FILTERS:
        raise ValueError(f"unknown filter {filter!r}; expected one of {', '.join(VOLATILITY_FILTERS)}")
    if f == "garch" and decay is not None:
        raise ValueError("decay= does not apply to filter='garch' (the GARCH(1,1) parameters are fitted: rtrisk.fit_garch)")
    return f


# The options of the unweighted methods, at their defaults: a weighting method given another
# value of one is refused rather than silently ignoring it.
_UNWEIGHTED_DEFAULTS = {"paths": 100_000, "seed": 42, "quantile": "linear", "divisor": "population"}


def _refuse_unweighted_options(method, paths, seed, quantile, divisor):
    """A weighting method given an option of the unweighted methods: TypeError for a value of
    the wrong type, ValueError for any other value than the default (never silently ignored)."""
    given = {"paths": _check_int("paths", paths, 1), "seed": _check_int("seed", seed, 0),
             "quantile": _check_str("quantile", quantile), "divisor": _check_str("divisor", divisor)}
    for name, default in _UNWEIGHTED_DEFAULTS.items():
        if given[name] != default:
            raise ValueError(f"{name}={given[name]!r} does not apply to method {method!r} (it applies to "
                             f"{', '.join(METHODS)})")


def _refuse_weighting_options(method, decay, filter):
    """decay= or filter= with a method they do not apply to: TypeError for a value of the wrong
    type, else ValueError."""
    if decay is not None:
        _check_number("decay", decay)
        raise ValueError(f"decay= applies to the methods {', '.join(WEIGHTED_METHODS)}, not to {method!r}")
    if filter is not None:
        _check_str("filter", filter)
        raise ValueError(f"filter= applies to method 'filtered_historical', not to {method!r}")


def _float32_measure(kind, returns, weights, confidence, method, horizon_days, paths, seed, value, quantile, divisor):
    """A float32 2-D array with one portfolio's weights: read in place, every sum in double."""
    w = _real_array(weights, "weights")
    if w.ndim != 1 or w.shape[0] != returns.shape[1]:
        raise ValueError(f"weights has shape {w.shape} but float32 returns have {returns.shape[1]} columns (one portfolio here)")
    o = _options(confidence, method, horizon_days, paths, seed, quantile, divisor)
    return _in_value(_core.portfolio_measure_f32(returns, w, o, kind), value, "VaR" if kind == "var" else "ES")


def _measure(kind, returns, weights, confidence, method, horizon_days, paths, seed, value, quantile, divisor, decay=None, filter=None):
    if (isinstance(returns, np.ndarray) and not isinstance(returns, np.ma.MaskedArray) and returns.dtype == np.float32
            and returns.ndim == 2 and method in METHODS
            and method != "monte_carlo" and decay is None and filter is None and isinstance(weights, (np.ndarray, list, tuple))
            and np.ndim(weights) == 1 and (returns.flags.c_contiguous or returns.flags.f_contiguous)):
        return _float32_measure(kind, returns, weights, confidence, method, horizon_days, paths, seed, value, quantile, divisor)
    values, w, _, names = _prepare(returns, weights)
    if isinstance(method, str) and method in WEIGHTED_METHODS:
        _refuse_unweighted_options(method, paths, seed, quantile, divisor)
        return _weighted_measure(kind, values, w, names, confidence, method, horizon_days, decay, filter, value)
    _refuse_weighting_options(method, decay, filter)
    o = _options(confidence, method, horizon_days, paths, seed, quantile, divisor)
    what = "VaR" if kind == "var" else "ES"
    if w is None:
        result = (_core.series_var if kind == "var" else _core.series_es)(values, o)
    elif w.ndim == 2:  # one pass over the returns for every portfolio
        result = _in_value((_core.portfolio_var_many if kind == "var" else _core.portfolio_es_many)(values, w, o), value, what)
        pd = _pandas()
        return pd.Series(result, index=names, name=kind) if names is not None and pd is not None else result
    else:
        result = (_core.portfolio_var if kind == "var" else _core.portfolio_es)(values, w, o)
    return _in_value(result, value, what)


def var(returns, weights=None, confidence: float = 0.99, method: str = "historical", horizon_days: float = 1,
        *, paths: int = 100_000, seed: int = 42, value: Optional[float] = None, quantile: str = "linear",
        divisor: str = "population", decay: Optional[float] = None, filter: Optional[str] = None) -> float:
    """Value at Risk, a positive loss.

    returns: T x N array or DataFrame (columns are symbols), or 1-D portfolio returns (then omit
    weights). weights: N fractions (or exposures) as an array or a Series indexed by symbol; or
    N x P, one portfolio per column (an array, or a DataFrame indexed by symbol): P values from
    one pass over the returns, as an array or a Series named by the DataFrame's columns.
    method: "historical", "gaussian", "cornish_fisher" or "monte_carlo" (paths=, seed=); or a
    scenario-weighting method with decay= (default 0.94, RiskMetrics), rows oldest first:
    "ewma" (normal, zero mean, RiskMetrics EWMA volatility seeded with the first 30 rows),
    "filtered_historical" (Hull-White: each row rescaled by today's EWMA volatility over its
    day's, the first 30 rows seeding it; filter="garch" rescales by GARCH(1,1) volatilities fitted
    by fit_garch, Barone-Adesi et al., every row a scenario) or "age_weighted" (Boudoukh-Richardson-Whitelaw: the
    row i days old weighted (1 - decay) decay^(i-1) / (1 - decay^T), no interpolation).
    Returns a fraction of portfolio value, or currency when value= is given. A float32 array of
    returns with one portfolio's weights is read in place (half the memory of float64), every
    product and sum in double (historical, gaussian, cornish_fisher; docs/conventions.md).

    >>> rtrisk.var(df, pd.Series({"DAX": 0.5, "SMI": 0.5}), confidence=0.99)
    >>> rtrisk.var(df, w, 0.99, method="ewma", decay=0.97)
    """
    return _measure("var", returns, weights, confidence, method, horizon_days, paths, seed, value, quantile, divisor, decay, filter)


def expected_shortfall(returns, weights=None, confidence: float = 0.975, method: str = "historical",
                       horizon_days: float = 1, *, paths: int = 100_000, seed: int = 42, value: Optional[float] = None,
                       quantile: str = "linear", divisor: str = "population", decay: Optional[float] = None,
                       filter: Optional[str] = None) -> float:
    """Expected Shortfall (mean loss beyond VaR), a positive loss; arguments as var()."""
    return _measure("es", returns, weights, confidence, method, horizon_days, paths, seed, value, quantile, divisor, decay, filter)


class StressedVaR(NamedTuple):
    """Stressed VaR and its window: `start` and `end` are the returns' index labels of its first
    and last rows (row numbers for arrays), `first` and `last` the row numbers, `window` its length."""
    var: float
    start: Any
    end: Any
    first: int
    last: int
    window: int


def stressed_var(returns, weights=None, confidence: float = 0.99, window: int = 250, *, value: Optional[float] = None) -> StressedVaR:
    """Stressed VaR (Basel 2.5): the historical VaR of the portfolio over the `window` consecutive
    rows of a long history (oldest first) where it is largest, with that window's dates.
    returns and weights as var() (one portfolio); ties go to the earliest window.

    >>> s = rtrisk.stressed_var(returns, w, 0.99, window=250); s.var, s.start, s.end
    """
    values, w, _, _ = _prepare(returns, weights)
    if w is not None and w.ndim == 2:
        raise ValueError("stressed_var takes one portfolio: weights must be 1-D")
    confidence = _check_number("confidence", confidence)
    window = _check_int("window", window, 1)
    pnl = values if w is None else _core.portfolio_pnl(values, w)
    v, first, last = _core.stressed_var(pnl, confidence, window)
    index = getattr(returns, "index", None)
    label = (lambda i: index[i]) if index is not None and len(index) == len(pnl) else (lambda i: i)
    return StressedVaR(_in_value(v, value, "stressed VaR"), label(first), label(last), first, last, window)


def ewma_volatility(returns, weights=None, decay: float = RISKMETRICS_DECAY) -> float:
    """RiskMetrics EWMA volatility forecast for the day after the last row (zero mean, the first
    30 rows' mean square seeding the recursion; docs/conventions.md) of a series, or of a
    portfolio's P&L (returns and weights as var()), in the units of the returns."""
    values, w, _, _ = _prepare(returns, weights)
    if w is not None and w.ndim == 2:
        raise ValueError("ewma_volatility takes one portfolio: weights must be 1-D")
    return _core.ewma_volatility(values if w is None else _core.portfolio_pnl(values, w), _check_number("decay", decay))


def ewma_variances(returns, decay: float = RISKMETRICS_DECAY) -> np.ndarray:
    """The RiskMetrics variance forecasts of a 1-D series: element k is the forecast for row 30 + k
    from the rows before it, the last the forecast for the day after the data."""
    values, _, _, _ = _prepare(returns, None)
    return _core.ewma_variances(values, _check_number("decay", decay))


def ewma_covariance(returns, decay: float = RISKMETRICS_DECAY):
    """RiskMetrics EWMA covariance forecast (N x N) for the day after the last row of T x N
    returns: Sigma_t = decay Sigma_(t-1) + (1 - decay) r r', seeded with the first 30 rows' mean of
    r r'. A DataFrame labelled by the columns when given one; x' Sigma x is the EWMA variance of
    the portfolio x's P&L."""
    pd = _pandas()
    labels = None
    if pd is not None and isinstance(returns, pd.DataFrame):
        labels = _labels(returns.columns, "returns columns:")
        values = _real_array(returns.to_numpy(), "returns")
    else:
        values = _real_array(returns, "returns")
    if values.ndim != 2:
        raise ValueError(f"ewma_covariance needs 2-D returns (rows x instruments), got {values.ndim}-D")
    cov = _core.ewma_covariance(values, _check_number("decay", decay))
    return pd.DataFrame(cov, index=labels, columns=labels) if labels is not None else cov


class Garch(NamedTuple):
    """GARCH(1,1) parameters, sigma^2_t = omega + alpha r^2_(t-1) + beta sigma^2_(t-1), and the
    Gaussian log-likelihood they reach."""
    omega: float
    alpha: float
    beta: float
    log_likelihood: float


def fit_garch(returns, weights=None) -> Garch:
    """GARCH(1,1) fitted to a series (or a portfolio's P&L, returns and weights as var()) by
    Gaussian quasi-maximum likelihood with variance targeting, zero mean, the recursion started at
    the mean square (docs/conventions.md): the filter of method="filtered_historical", filter="garch".

    >>> g = rtrisk.fit_garch(returns, w); g.alpha + g.beta   # persistence
    """
    values, w, _, _ = _prepare(returns, weights)
    if w is not None and w.ndim == 2:
        raise ValueError("fit_garch takes one portfolio: weights must be 1-D")
    return Garch(*_core.fit_garch11(values if w is None else _core.portfolio_pnl(values, w)))


# The groups of positions without a label (NaN, None, "") in factor_exposures and the live stack.
UNLABELLED = "(none)"


def _group_labels(raw, n, symbols, factor):
    """N labels (str) of one factor, aligned by symbol when `raw` is a Series and symbols are known."""
    _core.refuse_masked(raw, f"groups {factor!r}")
    pd = _pandas()
    if pd is not None and isinstance(raw, pd.Series):
        if symbols is not None:
            index = _labels(raw.index, f"groups {factor!r} index:")
            missing = [c for c in symbols if c not in set(index)]
            unknown = [i for i in index if i not in set(symbols)]
            if missing or unknown:
                raise ValueError(f"groups {factor!r} must be labelled by the symbols of returns: missing {missing}, unknown {unknown}")
            raw = raw.set_axis(index).reindex(symbols)
        raw = raw.to_numpy(dtype=object)
    labels = np.asarray(raw, dtype=object).reshape(-1) if not isinstance(raw, str) else None
    if labels is None or len(labels) != n:
        raise ValueError(f"groups {factor!r} must hold one label per instrument ({n}), got "
                         f"{'a str' if labels is None else len(labels)}")
    out = []
    for i, v in enumerate(labels):
        if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() == ""):
            out.append(UNLABELLED)
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            out.append(str(v))
        else:
            raise TypeError(f"groups {factor!r} label at index {i} is {type(v).__name__} {v!r}; expected str (or missing)")
    return out


def factor_exposures(returns, weights, groups, confidence: float = 0.99, es_confidence: float = 0.975, *,
                     value: Optional[float] = None):
    """Exposure and historical VaR/ES grouped by labels of the instruments (sector, country,
    currency; docs/conventions.md). groups: a DataFrame indexed by symbol with one column per
    factor, a Series of labels by symbol (the factor is its name), or N labels in column order
    (factor "group"); a missing label groups as "(none)". returns and weights as var(), one
    portfolio. Returns a DataFrame indexed by (factor, group), rows in first-appearance order:
    members, net_exposure, gross_exposure, var, es (stand-alone, of the group's own P&L) and
    component_var (Euler, summing over a factor's groups to the portfolio's VaR), fractions of
    value, or currency with value=.

    >>> rtrisk.factor_exposures(returns, w, pd.DataFrame({"country": {"DAX": "DE", "CAC": "FR", ...}}))
    """
    pd = _pandas()
    if pd is None:
        raise ImportError("factor_exposures returns a pandas DataFrame: install pandas")
    values, w, symbols, _ = _prepare(returns, weights)
    if w is None or w.ndim != 1:
        raise ValueError("factor_exposures takes 2-D returns and one portfolio's weights (1-D)")
    confidence = _check_number("confidence", confidence)
    es_confidence = _check_number("es_confidence", es_confidence)
    n = values.shape[1]
    if isinstance(groups, pd.DataFrame):
        _labels(groups.columns, "groups columns (factor names):")  # two factors must not share a name
        factors = [(str(c), groups.iloc[:, j]) for j, c in enumerate(groups.columns)]
        if not factors:
            raise ValueError("groups has no column")
    elif isinstance(groups, pd.Series):
        factors = [(str(groups.name) if groups.name is not None else "group", groups)]
    elif isinstance(groups, dict):
        raise TypeError("groups must be a pandas DataFrame, Series or an array of labels, got dict (use pandas.DataFrame)")
    else:
        factors = [("group", groups)]
    rows, index = [], []
    for factor, raw in factors:
        labels = _group_labels(raw, n, symbols, factor)
        for g, members, net, gross, v, e, comp in _core.group_risk(values, w, labels, confidence, es_confidence):
            index.append((factor, g))
            rows.append((members, net, gross, v, e, comp))
    frame = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["factor", "group"]),
                         columns=["members", "net_exposure", "gross_exposure", "var", "es", "component_var"])
    if value is not None:
        scale = _in_value(1.0, value, "factor_exposures")
        cols = ["net_exposure", "gross_exposure", "var", "es", "component_var"]
        with np.errstate(over="ignore"):
            frame[cols] *= scale
        _finite(frame[cols].to_numpy(), "factor_exposures x value")
    return frame


PNL_EXPLAIN_COLUMNS = ("actual", "delta", "gamma", "vega", "theta", "unexplained")


def pnl_explain(kind, quantity, spot_start, spot_end, strike=0.0, expiry=0.0, years=0.0, rate=0.0, dividend=0.0,
                vol_start=0.0, vol_end=None, *, multiplier=1.0, by=None):
    """P&L explain over a period (docs/conventions.md): each holding's actual P&L by full
    revaluation (BSM for options) split into delta, gamma, vega and theta on its Greeks at the
    start, and the unexplained rest. kind: "call", "put" or "linear" (strike, expiry, vols
    ignored), per holding or one for all; quantity signed; expiry in years at the start; years
    elapsed (at most expiry); vols per 1.00 (vol_end defaults to vol_start). Every argument
    broadcasts. Returns a DataFrame, one row per holding; with by= (one label per holding, e.g.
    book nodes) one row per label, the sums.

    >>> rtrisk.pnl_explain("call", 10, 100.0, 103.0, 105.0, 0.5, 1 / 365, 0.03, 0.0, 0.22, 0.23, multiplier=100)
    """
    pd = _pandas()
    if pd is None:
        raise ImportError("pnl_explain returns a pandas DataFrame: install pandas")
    _core.refuse_masked(kind, "kind")
    k = np.asarray(kind)
    if k.dtype.kind not in "UO":
        raise TypeError(f"kind must be 'call', 'put', 'linear' or an array of them, got {k.dtype}")
    codes = np.select([k == "call", k == "put", k == "linear"], [0, 1, 2], 3)
    if np.any(codes == 3):
        raise ValueError(f"kind {np.atleast_1d(k)[np.atleast_1d(codes == 3)][0]!r} is not 'call', 'put' or 'linear'")
    arrays = {name: _real_array(v, name) for name, v in (
        ("quantity", quantity), ("multiplier", multiplier), ("spot_start", spot_start), ("spot_end", spot_end), ("strike", strike),
        ("expiry", expiry), ("years", years), ("rate", rate), ("dividend", dividend), ("vol_start", vol_start),
        ("vol_end", vol_start if vol_end is None else vol_end))}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()), codes.shape)
    if len(shape) > 1:
        raise ValueError(f"pnl_explain takes 1-D arrays (one value per holding), got shape {shape}")
    flat = {name: np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1) for name, a in arrays.items()}
    m = flat.pop("multiplier")
    if np.any(~(m > 0)):
        raise ValueError(f"multiplier {m[~(m > 0)][0]!r} must be positive")
    with np.errstate(over="ignore"):
        units = _finite(flat.pop("quantity") * m, "quantity x multiplier")
    d = _core.pnl_explain_arrays(np.ascontiguousarray(np.broadcast_to(codes, shape)).reshape(-1).astype(np.uint8), units, *flat.values())
    for c in PNL_EXPLAIN_COLUMNS:
        _finite(d[c], f"pnl_explain {c}")
    frame = pd.DataFrame({c: d[c] for c in PNL_EXPLAIN_COLUMNS})
    if by is None:
        return frame
    _core.refuse_masked(by, "by")
    labels = np.asarray(by, dtype=object).reshape(-1)
    if len(labels) != len(frame):
        raise ValueError(f"by must hold one label per holding ({len(frame)}), got {len(labels)}")
    _labels(dict.fromkeys(labels.tolist()), "by")  # two labels with one string (1 and "1") would print as one row twice
    with np.errstate(over="ignore"):
        return _finite(frame.groupby(labels, sort=False).sum(), "pnl_explain by label")


def _decompose(fn, returns, weights, confidence, method, horizon_days, paths, seed, value, quantile, divisor, decay=None, filter=None):
    values, w, labels, _ = _prepare(returns, weights)
    if w is None:
        raise ValueError("decomposition needs 2-D returns and weights")
    if w.ndim != 1:
        raise ValueError(f"decomposition takes one portfolio: weights must be 1-D, got shape {w.shape}")
    if isinstance(method, str) and method in WEIGHTED_METHODS:
        if fn not in (_core.component_var, _core.component_es):
            raise ValueError(f"{fn.__name__} is not offered for the weighting method {method!r} (component_var and component_es are)")
        _refuse_unweighted_options(method, paths, seed, quantile, divisor)
        filter = _check_filter(method, filter, decay)
        decay = RISKMETRICS_DECAY if decay is None else _check_number("decay", decay)
        which = "var" if fn is _core.component_var else "es"
        out = _core.weighted_components(values, w, method, _check_number("confidence", confidence), decay, filter,
                                        _check_number("horizon_days", horizon_days), which)
    else:
        _refuse_weighting_options(method, decay, filter)
        o = _options(confidence, method, horizon_days, paths, seed, quantile, divisor)
        out = fn(values, w, o)
    out = _in_value(out, value, fn.__name__)
    pd = _pandas()
    if labels is not None and pd is not None:
        return pd.Series(out, index=labels, name=fn.__name__)
    return out


def component_var(returns, weights, confidence=0.99, method="historical", horizon_days=1, *, paths=100_000, seed=42,
                  value=None, quantile="linear", divisor="population", decay=None, filter=None):
    """Euler contributions x_i dVaR/dx_i; they sum to var() with the same arguments (the weighting
    methods too, with decay= and filter=: docs/conventions.md says how each is allocated).
    A pandas Series indexed by symbol when the input had labels, else an array."""
    return _decompose(_core.component_var, returns, weights, confidence, method, horizon_days, paths, seed, value,
                      quantile, divisor, decay, filter)


def component_es(returns, weights, confidence=0.975, method="historical", horizon_days=1, *, paths=100_000, seed=42,
                 value=None, quantile="linear", divisor="population", decay=None, filter=None):
    """Euler contributions to ES; they sum to expected_shortfall() with the same arguments."""
    return _decompose(_core.component_es, returns, weights, confidence, method, horizon_days, paths, seed, value,
                      quantile, divisor, decay, filter)


def marginal_var(returns, weights, confidence=0.99, method="historical", horizon_days=1, *, paths=100_000, seed=42,
                 value=None, quantile="linear", divisor="population"):
    """dVaR/dx_i, the VaR per unit of each position's weight."""
    return _decompose(_core.marginal_var, returns, weights, confidence, method, horizon_days, paths, seed, value,
                      quantile, divisor)


def incremental_var(returns, weights, confidence=0.99, method="historical", horizon_days=1, *, paths=100_000, seed=42,
                    value=None, quantile="linear", divisor="population"):
    """VaR with minus VaR without each position."""
    return _decompose(_core.incremental_var, returns, weights, confidence, method, horizon_days, paths, seed, value,
                      quantile, divisor)


@dataclass(frozen=True)
class Greeks:
    """Black-Scholes-Merton price and Greeks, arrays of the broadcast shape (floats for scalars).
    vega per 1.00 vol, theta per year (theta / 365 per day), rho and dividend_rho per 1.00 of rate."""
    price: Any
    delta: Any
    gamma: Any
    vega: Any
    theta: Any
    rho: Any
    dividend_rho: Any
    vanna: Any
    volga: Any
    charm: Any


def _equals_word(k, word):
    """k == word, elementwise, for a str array: for the narrow native-endian str dtypes that
    `kind` arrays have ('<U3', '<U4'), code points compared as integers, one pass per character
    (numpy's own string comparison takes ~10 ns an element); wider dtypes by numpy."""
    chars = k.dtype.itemsize // 4
    if k.dtype.kind != "U" or not k.dtype.isnative or chars > 4:
        return k == word
    if len(word) > chars:
        return np.zeros(k.shape, dtype=bool)
    target = [ord(c) for c in word] + [0] * (chars - len(word))  # numpy pads with NULs
    points = np.ascontiguousarray(k).view(np.uint32).reshape(k.shape + (chars,))
    out = points[..., 0] == target[0]
    for j in range(1, chars):
        out &= points[..., j] == target[j]
    return out


def _kind_codes(kind, shape):
    _core.refuse_masked(kind, "kind")
    k = np.asarray(kind)
    if k.dtype.kind not in "UO":
        raise TypeError(f"kind must be 'call', 'put' or an array of them, got {k.dtype}")
    is_call = _equals_word(k, "call")
    is_put = _equals_word(k, "put")
    known = is_call | is_put
    if not np.all(known):
        raise ValueError(f"kind {np.atleast_1d(k)[~np.atleast_1d(known)][0]!r} is neither 'call' nor 'put'")
    return np.broadcast_to(np.asarray(is_put).view(np.uint8), shape)  # call 0, put 1


def _broadcast(kind, **arguments):
    """(shape, kind codes, flat float64 arrays) of option arguments broadcast together."""
    arrays = [_real_array(value, name) for name, value in arguments.items()]
    shape = np.broadcast_shapes(*(a.shape for a in arrays), np.shape(kind))
    flat = [np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1) for a in arrays]
    return shape, np.ascontiguousarray(_kind_codes(kind, shape)).reshape(-1), flat


def bsm(spot, strike, expiry, rate, dividend, vol, kind="call") -> Greeks:
    """Black-Scholes-Merton price and Greeks, broadcasting over every argument (kind too)."""
    shape, codes, flat = _broadcast(kind, spot=spot, strike=strike, expiry=expiry, rate=rate, dividend=dividend, vol=vol)
    d = _core.bsm_arrays(codes, *flat)
    for name, v in d.items():
        _finite(v, f"bsm {name}")
    scalar = shape == ()
    return Greeks(**{k: (float(v[0]) if scalar else v.reshape(shape)) for k, v in d.items()})


def implied_vol(price, spot, strike, expiry, rate, dividend, kind="call", *, solver: str = "simd",
                return_status: bool = False):
    """Implied volatility (NaN where the price is outside the no-arbitrage bounds; with
    return_status=True also the status names: success, below_intrinsic, above_upper_bound,
    at_intrinsic, not_converged). solver: "simd" (default: Newton on SIMD batches, options it
    leaves to the scalar path by TOMS 748), "toms748" or "newton" (one option at a time)."""
    if not isinstance(return_status, (bool, np.bool_)):
        raise TypeError(f"return_status must be True or False, got {type(return_status).__name__} {return_status!r}")
    _check_str("solver", solver)
    shape, codes, flat = _broadcast(kind, price=price, spot=spot, strike=strike, expiry=expiry, rate=rate,
                                    dividend=dividend)
    vol, status = _core.implied_vol_arrays(codes, *flat, solver)
    names = np.array(_core.implied_vol_statuses)[status]
    if shape == ():
        return (float(vol[0]), str(names[0])) if return_status else float(vol[0])
    return (vol.reshape(shape), names.reshape(shape)) if return_status else vol.reshape(shape)


class LRTest(NamedTuple):
    statistic: float
    p_value: float

    def rejected(self, level: float = 0.05) -> bool:
        return self.p_value < level


class Christoffersen(NamedTuple):
    independence: LRTest
    conditional_coverage: LRTest
    transitions: tuple  # (n00, n01, n10, n11)


def _count(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(v).__name__} {v!r}")
    if v < 0:
        raise ValueError(f"{name} must be non-negative, got {v}")
    return int(v)


def kupiec(exceptions: int, observations: int, confidence: float = 0.99) -> LRTest:
    """Kupiec's proportion-of-failures test (chi-square, 1 dof)."""
    return LRTest(*_core.kupiec(_count("exceptions", exceptions), _count("observations", observations),
                                _check_number("confidence", confidence)))


def christoffersen(hits, confidence: float = 0.99) -> Christoffersen:
    """Christoffersen's independence (1 dof) and conditional coverage (2 dof) tests of a 0/1 hit series."""
    _core.refuse_masked(hits, "hits")
    h = np.asarray(hits)
    h = h.astype(np.uint8) if h.dtype == bool else _real_array(h, "hits")  # True/False are hits too
    if h.ndim != 1:
        raise ValueError(f"hits must be 1-D, got shape {h.shape}")
    if not np.all((h == 0) | (h == 1)):
        bad = h[(h != 0) & (h != 1)][0]
        raise ValueError(f"hits must be 0 or 1, got {bad!r}")
    ind_s, ind_p, cc_s, cc_p, tr = _core.christoffersen(h.astype(np.uint8), _check_number("confidence", confidence))
    return Christoffersen(LRTest(ind_s, ind_p), LRTest(cc_s, cc_p), tuple(tr))


def traffic_light(exceptions: int, observations: int = 250, confidence: float = 0.99) -> str:
    """Basel traffic-light zone: 'green', 'yellow' or 'red'."""
    return _core.traffic_light(_count("exceptions", exceptions), _count("observations", observations),
                               _check_number("confidence", confidence))


def var_exceptions(pnl, var_series) -> np.ndarray:
    """0/1 hits where the loss exceeds the VaR (pnl < -var)."""
    return _core.var_exceptions(_real_array(pnl, "pnl"), _real_array(var_series, "var_series"))


def standard_scenarios():
    """The four standard stress scenarios (crash -10 %, rally +5 %, vols x 1.5, flash crash -20 %)."""
    return _core.standard_scenarios()


def _scenario(s) -> StressScenario:
    if isinstance(s, StressScenario):
        return s
    if isinstance(s, dict):
        allowed = {"name", "market_move", "symbol_moves", "vol_shift", "group_moves"}
        unknown = set(s) - allowed
        if unknown:
            raise ValueError(f"unknown scenario field(s) {sorted(unknown)}; expected {sorted(allowed)}")
        if "name" not in s:
            raise ValueError(f"scenario {s!r} has no name")
        return StressScenario(**s)
    raise TypeError(f"a scenario must be a dict or StressScenario, got {type(s).__name__}")


def stress(book: DerivativesBook, scenarios: Union[str, Iterable] = "standard"):
    """Full-revaluation P&L of every holding under each scenario: a DataFrame with one row per
    scenario, a 'total' column and one column per holding (or a dict of arrays without pandas)."""
    if not isinstance(book, DerivativesBook):
        raise TypeError(f"stress needs a DerivativesBook, got {type(book).__name__}")
    items = standard_scenarios() if isinstance(scenarios, str) and scenarios == "standard" else [_scenario(s) for s in scenarios]
    seen = set()
    for s in items:  # the rows are indexed by name: two rows of one name would be one label
        if s.name in seen:
            raise ValueError(f"two stress scenarios are named {s.name!r}: names index the result, give each its own")
        seen.add(s.name)
    rows, totals, names = [], [], []
    for s in items:
        total, per = _core.apply_scenario(s, book)
        _finite([total, *per], f"stress P&L of scenario {s.name!r}")
        rows.append(per)
        totals.append(total)
        names.append(s.name)
    cols = [f"{i}:{h['symbol']}:{h['type']}" + (f":{h['strike']:g}" if h["type"] != "linear" else "")
            for i, h in enumerate(book.holdings)]
    pd = _pandas()
    data = np.array(rows).reshape(len(rows), len(cols))
    if pd is None:
        return {"scenario": names, "total": np.array(totals), "by_holding": data}
    df = pd.DataFrame(data, index=pd.Index(names, name="scenario"), columns=cols)
    df.insert(0, "total", totals)
    return df


def spot_vol_grid(book: DerivativesBook, spot_moves: Sequence[float] = tuple(np.round(np.arange(-0.30, 0.3001, 0.05), 10)),
                  vol_shifts: Sequence[float] = (-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)):
    """Full-revaluation P&L on a grid: rows are relative spot moves of every underlying, columns
    relative vol shifts. A DataFrame (an array without pandas)."""
    if not isinstance(book, DerivativesBook):
        raise TypeError(f"spot_vol_grid needs a DerivativesBook, got {type(book).__name__}")
    s = _real_array(spot_moves, "spot_moves").tolist()
    v = _real_array(vol_shifts, "vol_shifts").tolist()
    grid = _finite(_core.spot_vol_grid(book, s, v), "the spot x vol grid")
    pd = _pandas()
    if pd is None:
        return grid
    return pd.DataFrame(grid, index=pd.Index(s, name="spot_move"), columns=pd.Index(v, name="vol_shift"))


def full_revaluation_pnl(book: DerivativesBook, returns) -> np.ndarray:
    """Scenario P&L repricing every holding; returns is T x (underlyings) simple returns, a
    DataFrame's columns matched to book.symbols by label."""
    return _finite(_core.full_revaluation_pnl(book, _by_symbol(returns, book.symbols, "returns columns")), "full-revaluation P&L")


def delta_gamma_pnl(book: DerivativesBook, returns) -> np.ndarray:
    """Scenario P&L by the delta-gamma approximation (a DataFrame's columns matched by label)."""
    return _finite(_core.delta_gamma_pnl(book, _by_symbol(returns, book.symbols, "returns columns")), "delta-gamma P&L")
