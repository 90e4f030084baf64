#pragma once
/// @file fwd.hpp
/// Forward declarations of rtrisk's class templates and their `double` aliases.

#include <concepts>

namespace rtrisk {

template <std::floating_point Real> struct basic_position;
template <std::floating_point Real> class basic_portfolio;
template <std::floating_point Real, std::floating_point Storage = Real> class basic_incremental_state;

using position = basic_position<double>;
using portfolio = basic_portfolio<double>;
using incremental_state = basic_incremental_state<double>;
/// Scenarios stored in float32 (half the memory and traffic), P&L accumulated in double.
using incremental_state_f32 = basic_incremental_state<double, float>;

enum class quantile_method;
enum class var_method;
enum class moment_divisor;

} // namespace rtrisk
