#pragma once
/// @file returns.hpp
/// Returns from prices, the scenario matrix, and the portfolio P&L it implies.
///
/// Conventions:
/// - A scenario matrix R is T x N (T scenarios in rows, N instruments in columns), column-major,
///   so that one instrument's scenarios are contiguous: an O(T) tick update reads one column.
/// - Simple return r = P_t / P_(t-1) - 1; log return r = ln(P_t / P_(t-1)).
/// - Scenario P&L of a linear book with exposures x (x_i = q_i p_i m_i, currency) is R x; with
///   weights (fractions of value) instead of exposures, R x is the portfolio return.

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "detail/check.hpp"

namespace rtrisk {

/// T x N column-major matrix of scenario returns.
template <std::floating_point Real>
using scenario_matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
/// A column vector (P&L over scenarios, exposures over instruments).
template <std::floating_point Real>
using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;

enum class return_kind { simple, log };

namespace detail {
template <class Derived>
void check_matrix_finite(const Eigen::MatrixBase<Derived>& m, const char* what) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (Eigen::Index i = 0; i < m.rows(); ++i) {
            if (!std::isfinite(m(i, j))) {
                throw std::invalid_argument(std::string(what) + " contain " + fmt(m(i, j)) + " at row " +
                                            std::to_string(i) + ", column " + std::to_string(j));
            }
        }
    }
}
/// Finite scenarios and exposures whose products overflow: names the first infinite P&L.
template <class Derived>
void check_pnl_overflow(const Eigen::MatrixBase<Derived>& pnl, const char* what) {
    for (Eigen::Index j = 0; j < pnl.cols(); ++j)
        for (Eigen::Index i = 0; i < pnl.rows(); ++i)
            if (!std::isfinite(pnl(i, j))) {
                throw std::invalid_argument(std::string(what) + " overflows (" + fmt(pnl(i, j)) + ") in scenario " +
                                            std::to_string(i) + ": returns x exposures exceed the largest double; rescale them");
            }
}
} // namespace detail

/// Returns of each column of a T x N price matrix: a (T - 1) x N matrix.
/// Throws std::invalid_argument for fewer than 2 rows, or a price that is not finite and
/// positive (named with its row and column).
template <class Derived>
scenario_matrix<typename Derived::Scalar> returns_from_prices(const Eigen::MatrixBase<Derived>& prices,
                                                              return_kind kind = return_kind::simple) {
    using Real = typename Derived::Scalar;
    if (prices.rows() < 2) {
        throw std::invalid_argument("returns need at least 2 rows of prices, got " + std::to_string(prices.rows()));
    }
    for (Eigen::Index j = 0; j < prices.cols(); ++j) {
        for (Eigen::Index i = 0; i < prices.rows(); ++i) {
            const Real p = prices(i, j);
            if (!(std::isfinite(p) && p > 0)) {
                throw std::invalid_argument("price " + detail::fmt(p) + " at row " + std::to_string(i) + ", column " +
                                            std::to_string(j) + " is not finite and positive");
            }
        }
    }
    const Eigen::Index t = prices.rows() - 1;
    scenario_matrix<Real> r(t, prices.cols());
    if (kind == return_kind::simple) {
        r = (prices.bottomRows(t).array() / prices.topRows(t).array() - Real(1)).matrix();
    } else {
        r = (prices.bottomRows(t).array() / prices.topRows(t).array()).log().matrix();
    }
    return r;
}

namespace detail {
/// The shape and exposure checks of R x: a non-empty matrix, a column of N finite exposures.
template <class DerivedR, class DerivedX>
void check_pnl_inputs(const Eigen::MatrixBase<DerivedR>& scenarios, const Eigen::MatrixBase<DerivedX>& exposures) {
    if (scenarios.rows() == 0 || scenarios.cols() == 0) {
        throw std::invalid_argument("scenario matrix is empty (" + std::to_string(scenarios.rows()) + " x " +
                                    std::to_string(scenarios.cols()) + ")");
    }
    if (exposures.cols() != 1) throw std::invalid_argument("exposures must be a column vector");
    check_same_size(static_cast<std::size_t>(scenarios.cols()), static_cast<std::size_t>(exposures.rows()),
                            "scenario matrix row", "exposures");
    check_matrix_finite(exposures, "exposures");
}
} // namespace detail

/// Scenario P&L R x of one portfolio (one GEMV, O(N T)).
/// @param scenarios T x N returns
/// @param exposures N exposures (currency) or weights (fractions)
/// @return T scenario P&Ls; throws std::invalid_argument on mismatched shapes, an empty
///         matrix, a non-finite value in either input (named with its position), or a P&L
///         that overflows (named with its scenario).
template <class DerivedR, class DerivedX>
vector<typename DerivedR::Scalar> portfolio_pnl(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                const Eigen::MatrixBase<DerivedX>& exposures) {
    using Real = typename DerivedR::Scalar;
    detail::check_pnl_inputs(scenarios, exposures);
    vector<Real> pnl = scenarios * exposures;
    // A NaN or infinity anywhere in R makes some P&L non-finite; only then scan R to name it,
    // so the common case reads the matrix once.
    if (!pnl.allFinite()) {
        detail::check_matrix_finite(scenarios, "scenarios");
        detail::check_pnl_overflow(pnl, "portfolio P&L");
    }
    return pnl;
}

/// R x from scenarios stored in a narrower type than the P&L (float32 scenarios, double P&L):
/// the matrix is read once in its own type (half the bytes of double for float) and every
/// product and sum is taken in `Acc`, so the only error against double scenarios is each
/// return's rounding to the storage type (relative 6e-8 for float). Column-major R streams eight
/// columns at a time into one pass over the P&L; row-major R row by row (a dot product each, in
/// eight independent sums).
template <std::floating_point Acc, class DerivedR, class DerivedX>
vector<Acc> portfolio_pnl_as(const Eigen::MatrixBase<DerivedR>& scenarios, const Eigen::MatrixBase<DerivedX>& exposures) {
    detail::check_pnl_inputs(scenarios, exposures);
    const vector<Acc> x = exposures.template cast<Acc>();
    vector<Acc> pnl = vector<Acc>::Zero(scenarios.rows());
    if constexpr (std::is_same_v<Acc, typename DerivedR::Scalar>) {
        pnl.noalias() = scenarios * x;
    } else if constexpr (DerivedR::IsRowMajor) {
        // a dot product per row, eight independent sums (one SIMD register of doubles), no reassociation
        const Eigen::Index n = scenarios.cols();
        for (Eigen::Index t = 0; t < scenarios.rows(); ++t) {
            const auto row = scenarios.row(t);
            std::array<Acc, 8> acc{};
            Eigen::Index j = 0;
            for (; j + 8 <= n; j += 8)
                for (int k = 0; k < 8; ++k) acc[static_cast<std::size_t>(k)] += static_cast<Acc>(row(j + k)) * x(j + k);
            Acc sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            for (; j < n; ++j) sum += static_cast<Acc>(row(j)) * x(j);
            pnl(t) = sum;
        }
    } else {
        Eigen::Index j = 0;
        const auto c = [&](Eigen::Index k) { return x(k) * scenarios.col(k).template cast<Acc>(); };
        for (; j + 8 <= scenarios.cols(); j += 8) pnl.noalias() += c(j) + c(j + 1) + c(j + 2) + c(j + 3) + c(j + 4) + c(j + 5) + c(j + 6) + c(j + 7);
        for (; j < scenarios.cols(); ++j) pnl.noalias() += x(j) * scenarios.col(j).template cast<Acc>();
    }
    if (!pnl.allFinite()) detail::check_matrix_finite(scenarios, "scenarios");
    return pnl;
}

/// Scenario P&L of P portfolios at once: R X with X the N x P exposures, one GEMM; T x P.
template <class DerivedR, class DerivedX>
scenario_matrix<typename DerivedR::Scalar> portfolio_pnl_many(const Eigen::MatrixBase<DerivedR>& scenarios,
                                                              const Eigen::MatrixBase<DerivedX>& exposures) {
    using Real = typename DerivedR::Scalar;
    if (scenarios.rows() == 0 || scenarios.cols() == 0) {
        throw std::invalid_argument("scenario matrix is empty (" + std::to_string(scenarios.rows()) + " x " +
                                    std::to_string(scenarios.cols()) + ")");
    }
    detail::check_same_size(static_cast<std::size_t>(scenarios.cols()), static_cast<std::size_t>(exposures.rows()),
                            "scenario matrix row", "exposure matrix column");
    detail::check_matrix_finite(exposures, "exposures");
    scenario_matrix<Real> pnl = scenarios * exposures;
    if (!pnl.allFinite()) {
        detail::check_matrix_finite(scenarios, "scenarios");
        detail::check_pnl_overflow(pnl, "portfolio P&L");
    }
    return pnl;
}

/// An Eigen view of a contiguous range, without a copy (lives as long as the range).
template <class Real>
Eigen::Map<const vector<Real>> as_vector(std::span<const Real> s) {
    return Eigen::Map<const vector<Real>>(s.data(), static_cast<Eigen::Index>(s.size()));
}

} // namespace rtrisk
