#pragma once
// Rounding for display on the wire (docs/protocol.md): currency to cents, prices and gamma to 1e-6.

#include <cmath>

namespace rtrisk_live::detail {
inline double cents(double v) { return std::round(v * 100.0) / 100.0; }
inline double micro(double v) { return std::round(v * 1e6) / 1e6; }
} // namespace rtrisk_live::detail
