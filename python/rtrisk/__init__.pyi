"""Type stubs for rtrisk. Conventions: VaR/ES are positive losses; confidence in (0, 1);
historical quantiles interpolate linearly (numpy's default); vega per 1.00 vol, theta per year,
rho per 1.00 of rate."""
from typing import Any, Iterable, Literal, NamedTuple, Optional, Sequence, Union, overload

import numpy as np
import numpy.typing as npt

from ._core import DerivativesBook as DerivativesBook
from ._core import Portfolio as Portfolio
from ._core import Position as Position
from ._core import StressScenario as StressScenario
from . import _core

__version__: str
METHODS: tuple[str, ...]
WEIGHTED_METHODS: tuple[str, ...]
VOLATILITY_FILTERS: tuple[str, ...]
RISKMETRICS_DECAY: float

Method = Literal["historical", "gaussian", "cornish_fisher", "monte_carlo"]
WeightedMethod = Literal["ewma", "filtered_historical", "age_weighted"]
Quantile = Literal["linear", "inverted_cdf", "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased",
                   "normal_unbiased", "lower", "higher", "nearest", "midpoint"]
ArrayLike = Union[npt.ArrayLike, Any]  # numpy arrays, lists, pandas DataFrame/Series

class StressedVaR(NamedTuple):
    var: float
    start: Any
    end: Any
    first: int
    last: int
    window: int

def ewma_volatility(returns: ArrayLike, weights: Optional[ArrayLike] = ..., decay: float = 0.94) -> float:
    """RiskMetrics EWMA volatility forecast for the day after the last row."""
def ewma_variances(returns: ArrayLike, decay: float = 0.94) -> np.ndarray: ...
def ewma_covariance(returns: ArrayLike, decay: float = 0.94) -> Any:
    """N x N RiskMetrics covariance forecast (a DataFrame for a DataFrame)."""

def stressed_var(returns: ArrayLike, weights: Optional[ArrayLike] = ..., confidence: float = 0.99, window: int = 250, *,
                 value: Optional[float] = None) -> StressedVaR:
    """Stressed VaR: the largest historical VaR over `window` consecutive rows, with the window's dates."""

class Garch(NamedTuple):
    omega: float
    alpha: float
    beta: float
    log_likelihood: float

def fit_garch(returns: ArrayLike, weights: Optional[ArrayLike] = ...) -> Garch:
    """GARCH(1,1) by variance-targeted Gaussian quasi-maximum likelihood (zero mean)."""

UNLABELLED: str
PNL_EXPLAIN_COLUMNS: tuple[str, ...]

def factor_exposures(returns: ArrayLike, weights: ArrayLike, groups: Any, confidence: float = 0.99, es_confidence: float = 0.975, *,
                     value: Optional[float] = None) -> Any:
    """DataFrame by (factor, group): members, net_exposure, gross_exposure, var, es, component_var."""

def pnl_explain(kind: Any, quantity: ArrayLike, spot_start: ArrayLike, spot_end: ArrayLike, strike: ArrayLike = 0.0,
                expiry: ArrayLike = 0.0, years: ArrayLike = 0.0, rate: ArrayLike = 0.0, dividend: ArrayLike = 0.0,
                vol_start: ArrayLike = 0.0, vol_end: Optional[ArrayLike] = None, *, multiplier: ArrayLike = 1.0, by: Any = None) -> Any:
    """DataFrame per holding (or per by= label): actual, delta, gamma, vega, theta, unexplained."""

def var(returns: ArrayLike, weights: Optional[ArrayLike] = ..., confidence: float = 0.99,
        method: Union[Method, WeightedMethod] = "historical", horizon_days: float = 1, *, paths: int = 100_000, seed: int = 42,
        value: Optional[float] = None, quantile: Quantile = "linear", divisor: Literal["population", "sample"] = "population",
        decay: Optional[float] = None, filter: Optional[Literal["ewma", "garch", "garch11"]] = None) -> Any:
    """Value at Risk as a positive loss (fraction of value, or currency with value=).
    returns: T x N array/DataFrame with weights (array or Series by symbol), or 1-D portfolio returns.
    weights N x P (array, or DataFrame by symbol): one value per portfolio (array, or Series by column)."""

def expected_shortfall(returns: ArrayLike, weights: Optional[ArrayLike] = ..., confidence: float = 0.975,
                       method: Union[Method, WeightedMethod] = "historical", horizon_days: float = 1, *, paths: int = 100_000,
                       seed: int = 42, value: Optional[float] = None, quantile: Quantile = "linear",
                       divisor: Literal["population", "sample"] = "population", decay: Optional[float] = None,
                       filter: Optional[Literal["ewma", "garch", "garch11"]] = None) -> Any:
    """Expected Shortfall (mean loss beyond the VaR quantile) as a positive loss; arguments as var()."""

def component_var(returns: ArrayLike, weights: ArrayLike, confidence: float = 0.99, method: Union[Method, WeightedMethod] = "historical",
                  horizon_days: float = 1, **kwargs: Any) -> Any:
    """Euler contributions summing to var(); a pandas Series when the input had labels, else an array."""

def component_es(returns: ArrayLike, weights: ArrayLike, confidence: float = 0.975, method: Union[Method, WeightedMethod] = "historical",
                 horizon_days: float = 1, **kwargs: Any) -> Any:
    """Euler contributions summing to expected_shortfall()."""

def marginal_var(returns: ArrayLike, weights: ArrayLike, confidence: float = 0.99, method: Method = "historical",
                 horizon_days: float = 1, **kwargs: Any) -> Any:
    """dVaR/dw_i per position."""

def incremental_var(returns: ArrayLike, weights: ArrayLike, confidence: float = 0.99, method: Method = "historical",
                    horizon_days: float = 1, **kwargs: Any) -> Any:
    """VaR with minus VaR without each position."""

class Greeks:
    """Price and Greeks (floats for scalar inputs, arrays of the broadcast shape otherwise)."""
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

def bsm(spot: ArrayLike, strike: ArrayLike, expiry: ArrayLike, rate: ArrayLike, dividend: ArrayLike, vol: ArrayLike,
        kind: Union[Literal["call", "put"], ArrayLike] = "call") -> Greeks:
    """Black-Scholes-Merton price and Greeks, broadcasting over every argument."""

def implied_vol(price: ArrayLike, spot: ArrayLike, strike: ArrayLike, expiry: ArrayLike, rate: ArrayLike,
                dividend: ArrayLike, kind: Union[Literal["call", "put"], ArrayLike] = "call", *,
                solver: Literal["simd", "toms748", "newton"] = "simd", return_status: bool = False) -> Any:
    """Implied volatility; NaN outside the no-arbitrage bounds (statuses with return_status=True)."""

class LRTest(NamedTuple):
    statistic: float
    p_value: float
    def rejected(self, level: float = 0.05) -> bool: ...

class Christoffersen(NamedTuple):
    independence: LRTest
    conditional_coverage: LRTest
    transitions: tuple

def kupiec(exceptions: int, observations: int, confidence: float = 0.99) -> LRTest:
    """Kupiec's proportion-of-failures test (chi-square, 1 dof)."""

def christoffersen(hits: ArrayLike, confidence: float = 0.99) -> Christoffersen:
    """Christoffersen independence (1 dof) and conditional coverage (2 dof) tests."""

def traffic_light(exceptions: int, observations: int = 250, confidence: float = 0.99) -> Literal["green", "yellow", "red"]:
    """Basel traffic-light zone."""

def var_exceptions(pnl: ArrayLike, var_series: ArrayLike) -> np.ndarray:
    """0/1 hits where pnl < -var."""

def standard_scenarios() -> list[StressScenario]:
    """Market crash -10 %, rally +5 %, volatility spike (vols x 1.5), flash crash -20 %."""

def stress(book: DerivativesBook, scenarios: Union[str, Iterable[Union[dict, StressScenario]]] = "standard") -> Any:
    """Full-revaluation P&L per scenario (rows) and holding (columns), with a 'total' column."""

def spot_vol_grid(book: DerivativesBook, spot_moves: Sequence[float] = ..., vol_shifts: Sequence[float] = ...) -> Any:
    """P&L on a grid of relative spot moves (rows) x relative vol shifts (columns)."""

def full_revaluation_pnl(book: DerivativesBook, returns: ArrayLike) -> np.ndarray:
    """Scenario P&L repricing every holding."""

def delta_gamma_pnl(book: DerivativesBook, returns: ArrayLike) -> np.ndarray:
    """Scenario P&L by the delta-gamma approximation."""


class IncrementalState(_core.IncrementalState):
    """rtrisk._core.IncrementalState with its inputs checked: a DataFrame's (or a Series') labels
    matched to the portfolio's symbols, options type-checked, decay=/filter= only with a weighting method."""
    def __init__(self, portfolio: Portfolio, scenarios: Any, scenario_dtype: str = "float64") -> None: ...
    def var(self, confidence: float = 0.99, method: str = "historical", decay: Optional[float] = None,
            filter: Optional[str] = None) -> float: ...
    def expected_shortfall(self, confidence: float = 0.975, method: str = "historical", decay: Optional[float] = None,
                           filter: Optional[str] = None) -> float: ...
    def weighted_tail(self, method: str, var_confidence: float = 0.99, es_confidence: float = 0.975,
                      decay: Optional[float] = None, filter: Optional[str] = None) -> tuple[float, float]: ...
    def roll_day(self, returns: Any) -> None: ...
    def set_reanchor_interval(self, updates: int) -> None: ...
