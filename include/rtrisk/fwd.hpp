#pragma once
/// @file fwd.hpp
/// Forward declarations of rtrisk's class templates and their `double` aliases.

#include <concepts>

namespace rtrisk {

template <std::floating_point Real> struct basic_position;
template <std::floating_point Real> class basic_portfolio;
template <std::floating_point Real> class basic_incremental_state;

using position = basic_position<double>;
using portfolio = basic_portfolio<double>;
using incremental_state = basic_incremental_state<double>;

enum class quantile_method;
enum class var_method;
enum class moment_divisor;

} // namespace rtrisk
