#pragma once
// Shared helpers of the binding files: numpy arrays in as Eigen maps or spans without copies
// where the layout allows, and the registration functions of each topic.
//
// Copies: a float64 array that is C- or F-contiguous is read in place (both layouts are
// dispatched to the core's Eigen templates). Other dtypes are converted (one copy, by numpy's
// forcecast), and non-contiguous views are copied to C order.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <Eigen/Core>

#include <span>
#include <stdexcept>
#include <string>

namespace py = pybind11;

namespace rtrisk_py {

using array_f64 = py::array_t<double, py::array::forcecast>;
using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using col_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Records whether the last long kernel ran without the GIL (read by the tests).
inline bool& last_kernel_released_gil() {
    static bool flag = false;
    return flag;
}
inline void note_gil_state() { last_kernel_released_gil() = PyGILState_Check() == 0; }

/// Calls f with an Eigen map of a 2-D array (row- or column-major, no copy when contiguous).
template <class F>
decltype(auto) with_matrix(const array_f64& a, const char* name, F&& f) {
    if (a.ndim() != 2) {
        throw std::invalid_argument(std::string(name) + " must be 2-D (scenarios x instruments), got " +
                                    std::to_string(a.ndim()) + "-D");
    }
    const auto rows = static_cast<Eigen::Index>(a.shape(0)), cols = static_cast<Eigen::Index>(a.shape(1));
    if (a.flags() & py::array::f_style) return f(Eigen::Map<const col_major>(a.data(), rows, cols));
    if (a.flags() & py::array::c_style) return f(Eigen::Map<const row_major>(a.data(), rows, cols));
    auto c = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
    return f(Eigen::Map<const row_major>(c.data(), rows, cols));
}

/// A contiguous 1-D float64 array (copied only when strided).
inline py::array_t<double, py::array::c_style | py::array::forcecast> as_vector_array(const array_f64& a, const char* name) {
    if (a.ndim() != 1) {
        throw std::invalid_argument(std::string(name) + " must be 1-D, got " + std::to_string(a.ndim()) + "-D");
    }
    return py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
}

inline std::span<const double> span_of(const py::array_t<double, py::array::c_style | py::array::forcecast>& a) {
    return {a.data(), static_cast<std::size_t>(a.size())};
}

void bind_var(py::module_& m);
void bind_greeks(py::module_& m);
void bind_backtest(py::module_& m);
void bind_stress(py::module_& m);
void bind_incremental(py::module_& m);

} // namespace rtrisk_py
