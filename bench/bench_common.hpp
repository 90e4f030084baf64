#pragma once
// Shared fixtures: a T x N scenario matrix of fixed-seed normal returns and N exposures, built
// once outside the timed loops. Same sizes as bench/compare_with_numpy.py.
#include <rtrisk/returns.hpp>

#include <random>

namespace bench {
inline const rtrisk::scenario_matrix<double>& scenarios(Eigen::Index t, Eigen::Index n) {
    static rtrisk::scenario_matrix<double> R;
    if (R.rows() != t || R.cols() != n) {
        std::mt19937_64 gen(12345);
        std::normal_distribution<double> nd(0.0, 0.01);
        R.resize(t, n);
        for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index k = 0; k < t; ++k) R(k, j) = nd(gen);
    }
    return R;
}
inline rtrisk::vector<double> exposures(Eigen::Index n, std::uint64_t seed = 7) {
    std::mt19937_64 gen(seed);
    std::uniform_real_distribution<double> u(-1000.0, 1000.0);
    rtrisk::vector<double> x(n);
    for (auto& v : x) v = u(gen);
    return x;
}
} // namespace bench
