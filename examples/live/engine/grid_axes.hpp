#pragma once
// The axes of the spot x vol grid (docs/protocol.md, "grid"), shared by the engine and the
// scale-out aggregator.

#include <vector>

namespace rtrisk_live {

/// Relative moves of the spot x vol grid (docs/protocol.md, "grid").
inline const std::vector<double>& grid_spot_moves() {
    static const std::vector<double> v = {-0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3};
    return v;
}
inline const std::vector<double>& grid_vol_shifts() {
    static const std::vector<double> v = {-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0};
    return v;
}

} // namespace rtrisk_live
