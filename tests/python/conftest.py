"""Shared fixtures: the real data of data/ (see data/README.md), read with pandas."""
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
BUILD = Path(os.environ.get("RTRISK_BUILD_DIR", ROOT / "build"))


@pytest.fixture(scope="session")
def eu_prices() -> pd.DataFrame:
    return pd.read_csv(DATA / "eu_stock_markets.csv", index_col="day")


@pytest.fixture(scope="session")
def eu_returns(eu_prices) -> pd.DataFrame:
    """Daily simple returns P_t / P_(t-1) - 1, 1859 x 4."""
    return (eu_prices / eu_prices.shift(1) - 1.0).iloc[1:]


@pytest.fixture(scope="session")
def edhec() -> pd.DataFrame:
    return pd.read_csv(DATA / "edhec_returns.csv", index_col="date")


def equal_weights(n: int) -> np.ndarray:
    return np.full(n, 1.0 / n)
