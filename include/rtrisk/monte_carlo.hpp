#pragma once
/// @file monte_carlo.hpp
/// Multivariate normal scenarios for Monte Carlo VaR: r = mean + L z, with L the Cholesky factor
/// of the covariance (Eigen::LLT) and z standard normal draws from a seeded generator whose
/// stream is the same on every platform (detail/random.hpp). Same seed, same scenarios.
///
/// A covariance that is not positive definite is a numerical outcome, not an error: it comes
/// back as `mc_status::not_positive_definite` with an empty scenario matrix; so does one that is
/// singular to working precision (a Cholesky pivot below 1e-12 of its diagonal entry).

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "detail/check.hpp"
#include "detail/random.hpp"
#include "returns.hpp"

namespace rtrisk {

enum class mc_status { success, not_positive_definite };

namespace detail {
/// Draws and scenarios (N numbers each per path), then the P&L, the quantile's copy and the
/// decomposition's scenario index: 2 N + 3 numbers per path at the peak (check_paths).
inline void check_mc_paths(std::size_t paths, Eigen::Index instruments, std::size_t bytes) {
    check_paths(paths, 2.0 * static_cast<double>(instruments) + 3.0, bytes,
                std::to_string(2 * instruments + 3) + " numbers: draws and scenarios of " + std::to_string(instruments) +
                    " instruments, the P&L, its sorted copy and an index");
}
} // namespace detail

template <std::floating_point Real>
struct basic_mc_scenarios {
    scenario_matrix<Real> scenarios; ///< paths x N returns; empty unless status is success
    mc_status status = mc_status::success;
};

/// `paths` joint normal scenarios with the given mean (N) and covariance (N x N, symmetric).
/// Throws std::invalid_argument on mismatched shapes, non-finite values, an asymmetric
/// covariance, zero paths or more paths than fit in physical memory (2 N + 3 numbers each, see
/// detail::check_paths); reports a covariance that is not positive definite as status.
///
///     auto mc = rtrisk::monte_carlo_scenarios(mu, sigma, 100'000, 42);
///     if (mc.status == rtrisk::mc_status::success) { auto pnl = rtrisk::portfolio_pnl(mc.scenarios, x); }
template <class DerivedM, class DerivedC>
basic_mc_scenarios<typename DerivedC::Scalar> monte_carlo_scenarios(const Eigen::MatrixBase<DerivedM>& mean,
                                                                    const Eigen::MatrixBase<DerivedC>& covariance,
                                                                    std::size_t paths, std::uint64_t seed) {
    using Real = typename DerivedC::Scalar;
    const Eigen::Index n = covariance.rows();
    if (covariance.cols() != n || n == 0) {
        throw std::invalid_argument("covariance must be square and non-empty, got " + std::to_string(covariance.rows()) +
                                    " x " + std::to_string(covariance.cols()));
    }
    if (mean.cols() != 1) throw std::invalid_argument("mean must be a column vector");
    detail::check_same_size(static_cast<std::size_t>(mean.rows()), static_cast<std::size_t>(n), "mean", "covariance row");
    detail::check_mc_paths(paths, n, sizeof(Real));
    detail::check_matrix_finite(mean, "mean");
    detail::check_matrix_finite(covariance, "covariance");
    for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = j + 1; i < n; ++i) {
            const Real a = covariance(i, j), b = covariance(j, i);
            if (std::abs(a - b) > Real(1e-10) * std::max<Real>({Real(1), std::abs(a), std::abs(b)})) {
                throw std::invalid_argument("covariance is not symmetric: " + detail::fmt(a) + " at (" + std::to_string(i) +
                                            ", " + std::to_string(j) + ") vs " + detail::fmt(b));
            }
        }
    }
    basic_mc_scenarios<Real> out;
    const scenario_matrix<Real> cov = covariance;
    Eigen::LLT<scenario_matrix<Real>> llt(cov);
    // Not positive definite, or singular to working precision: a pivot L_ii^2 that lost all but
    // ~1e-12 of the variance cov_ii it started from.
    bool ok = llt.info() == Eigen::Success;
    const auto& lmat = llt.matrixLLT();
    for (Eigen::Index i = 0; ok && i < n; ++i) {
        const Real pivot = lmat(i, i) * lmat(i, i);
        ok = std::isfinite(pivot) && pivot > Real(1e-12) * cov(i, i);
    }
    if (!ok) {
        out.status = mc_status::not_positive_definite;
        return out;
    }
    const auto p = static_cast<Eigen::Index>(paths);
    scenario_matrix<Real> z(p, n);
    detail::normal_generator gen(seed);
    for (Eigen::Index i = 0; i < p; ++i) // row by row: path i's draws are consecutive in the stream
        for (Eigen::Index j = 0; j < n; ++j) z(i, j) = static_cast<Real>(gen());
    out.scenarios = z * llt.matrixU(); // rows: z_i^T U = (L z_i)^T
    out.scenarios.rowwise() += mean.transpose();
    return out;
}

} // namespace rtrisk
