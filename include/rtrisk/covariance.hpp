#pragma once
/// @file covariance.hpp
/// Column means and covariance of a T x N scenario matrix.
///
/// Convention: divisor T (population, the default, as PerformanceAnalytics' moment estimators)
/// or T - 1 (sample, as R's cov and numpy's cov).

#include <Eigen/Core>

#include <stdexcept>
#include <string>

#include "moments.hpp"
#include "returns.hpp"

namespace rtrisk {

/// Mean of each column: an N-vector.
template <class Derived>
vector<typename Derived::Scalar> column_means(const Eigen::MatrixBase<Derived>& scenarios) {
    if (scenarios.rows() == 0) throw std::invalid_argument("scenario matrix has no rows");
    return scenarios.colwise().mean().transpose();
}

/// N x N covariance of the columns, divisor as chosen. Needs at least 2 rows; throws
/// std::invalid_argument when it overflows (finite returns beyond ~1e154).
template <class Derived>
scenario_matrix<typename Derived::Scalar> covariance(const Eigen::MatrixBase<Derived>& scenarios,
                                                     moment_divisor divisor = moment_divisor::population) {
    using Real = typename Derived::Scalar;
    const Eigen::Index t = scenarios.rows();
    if (t < 2) throw std::invalid_argument("covariance needs at least 2 scenarios, got " + std::to_string(t));
    const scenario_matrix<Real> centered = scenarios.rowwise() - scenarios.colwise().mean();
    const Real d = static_cast<Real>(divisor == moment_divisor::population ? t : t - 1);
    scenario_matrix<Real> cov = (centered.adjoint() * centered) / d;
    if (!cov.allFinite()) { // finite returns beyond ~1e154: their squares overflow
        Eigen::Index row = 0, col = 0;
        const Real largest = scenarios.cwiseAbs().maxCoeff(&row, &col);
        throw std::invalid_argument("the covariance of the scenarios overflows: returns up to " + detail::fmt(largest) +
                                    " (row " + std::to_string(row) + ", column " + std::to_string(col) +
                                    ") are too large; rescale them");
    }
    return cov;
}

} // namespace rtrisk
