#pragma once
/// @file rtrisk.hpp
/// Umbrella header: includes every public header of rtrisk, nothing else.

#include "backtest.hpp"
#include "concepts.hpp"
#include "config.hpp"
#include "covariance.hpp"
#include "decomposition.hpp"
#include "derivatives_book.hpp"
#include "expected_shortfall.hpp"
#include "fwd.hpp"
#include "greeks.hpp"
#include "implied_vol.hpp"
#include "incremental.hpp"
#include "moments.hpp"
#include "monte_carlo.hpp"
#include "portfolio.hpp"
#include "portfolio_risk.hpp"
#include "position.hpp"
#include "quantile.hpp"
#include "returns.hpp"
#include "stress.hpp"
#include "var.hpp"
