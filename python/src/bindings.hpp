#pragma once
// Shared helpers of the binding files: numpy arrays in as Eigen maps or spans without copies
// where the layout allows, and the registration functions of each topic.
//
// Copies: a float64 array that is C- or F-contiguous is read in place (both layouts are
// dispatched to the core's Eigen templates). Other dtypes are converted (one copy, by numpy's
// forcecast), and non-contiguous views are copied to C order.

#include <pybind11/pybind11.h>

#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

// Every `double` argument of the bindings (and every element of a list or dict of doubles) is a
// real number: pybind11's own caster also takes True (as 1.0) and numpy's bool and complex
// scalars (dropping the imaginary part). This one refuses them like a str, so the call raises
// TypeError ("incompatible function arguments", with the signature and the value). It is a full
// specialisation of pybind11's arithmetic caster and must be seen before any use: every binding
// file includes bindings.hpp first.
namespace pybind11::detail {
template <>
class type_caster<double> {
public:
    bool load(handle src, bool convert) {
        if (!src || PyBool_Check(src.ptr()) || PyComplex_Check(src.ptr())) return false;
        if (!PyFloat_Check(src.ptr())) {
            if (!convert) return false;
            if (hasattr(src, "dtype")) { // numpy scalar or 0-d array: only integer and float kinds
                const auto kind = getattr(getattr(src, "dtype"), "kind").cast<std::string>();
                if (kind != "f" && kind != "i" && kind != "u") return false;
            }
        }
        const double d = PyFloat_AsDouble(src.ptr());
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return false;
        }
        value = d;
        return true;
    }
    static handle cast(double src, return_value_policy /*policy*/, handle /*parent*/) { return PyFloat_FromDouble(src); }
    PYBIND11_TYPE_CASTER(double, const_name("float"));
};

// Every integer argument (an index, a count) likewise refuses True/False and numpy booleans,
// which pybind11's own caster takes as 1/0 (portfolio.position(True) was position 1), and
// floats; Python ints and numpy integer scalars (anything with __index__) are taken when in
// the type's range.
template <class Int>
struct strict_integer_caster {
    bool load(handle src, bool /*convert*/) {
        if (!src || PyBool_Check(src.ptr()) || PyFloat_Check(src.ptr()) || !PyIndex_Check(src.ptr())) return false;
        const std::string_view type_name = Py_TYPE(src.ptr())->tp_name;
        if (type_name == "numpy.bool_" || type_name == "numpy.bool") return false; // (a 0-d bool array has no __index__)
        PyObject* index = PyNumber_Index(src.ptr());
        if (!index) {
            PyErr_Clear();
            return false;
        }
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(index, &overflow);
        bool ok = !(v == -1 && PyErr_Occurred());
        if constexpr (std::is_unsigned_v<Int>) {
            unsigned long long u = static_cast<unsigned long long>(v);
            if (ok && overflow > 0) { // above the long long range: perhaps still an unsigned long long
                u = PyLong_AsUnsignedLongLong(index);
                ok = !(u == static_cast<unsigned long long>(-1) && PyErr_Occurred());
            } else {
                ok = ok && overflow == 0 && v >= 0;
            }
            ok = ok && u <= std::numeric_limits<Int>::max();
            value = static_cast<Int>(u);
        } else {
            ok = ok && overflow == 0 && v >= std::numeric_limits<Int>::min() && v <= std::numeric_limits<Int>::max();
            value = static_cast<Int>(v);
        }
        Py_DECREF(index);
        if (!ok) PyErr_Clear();
        return ok;
    }
    static handle cast(Int src, return_value_policy /*policy*/, handle /*parent*/) {
        if constexpr (std::is_unsigned_v<Int>) return PyLong_FromUnsignedLongLong(src);
        else return PyLong_FromLongLong(src);
    }
    PYBIND11_TYPE_CASTER(Int, const_name("int"));
};
template <> class type_caster<int> : public strict_integer_caster<int> {};
template <> class type_caster<long> : public strict_integer_caster<long> {};
template <> class type_caster<long long> : public strict_integer_caster<long long> {};
template <> class type_caster<unsigned> : public strict_integer_caster<unsigned> {};
template <> class type_caster<unsigned long> : public strict_integer_caster<unsigned long> {};
template <> class type_caster<unsigned long long> : public strict_integer_caster<unsigned long long> {};
} // namespace pybind11::detail

#include <pybind11/numpy.h>
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

namespace detail {
/// numpy.array(obj, dtype=object): a new reference, or null with a Python error set.
inline PyObject* object_array(py::handle obj) {
    try {
        return py::module_::import("numpy").attr("array")(obj, py::arg("dtype") = "O").release().ptr();
    } catch (py::error_already_set& e) {
        e.restore();
        return nullptr;
    }
}
inline std::string describe(py::handle v) {
    return std::string(py::str(py::type::of(v).attr("__name__"))) + " " + std::string(py::repr(v));
}
inline std::string kind_name(char kind) {
    switch (kind) {
    case 'b': return "booleans";
    case 'c': return "complex numbers";
    case 'U': case 'S': return "strings";
    case 'M': return "datetimes";
    case 'm': return "timedeltas";
    default: return "non-numeric values";
    }
}
} // namespace detail

/// Refuses a numpy masked array that masks any value (ValueError naming the argument, the count
/// and the first masked position): converting it to a plain array, as every argument here is,
/// would use the values under the mask as data. One that masks nothing is read as its data.
inline void refuse_masked(py::handle obj, const std::string& name) {
    if (!py::isinstance<py::array>(obj)) return; // a list, a scalar: no mask
    const auto masked_array = py::module_::import("numpy.ma").attr("MaskedArray");
    const int masked = PyObject_IsInstance(obj.ptr(), masked_array.ptr());
    if (masked < 0) throw py::error_already_set();
    if (masked == 0) return;
    const auto np = py::module_::import("numpy");
    const py::array mask = np.attr("ma").attr("getmaskarray")(obj);
    const auto count = np.attr("count_nonzero")(mask).cast<py::ssize_t>();
    if (count == 0) return;
    const auto at = np.attr("unravel_index")(np.attr("argmax")(mask), mask.attr("shape")).cast<py::tuple>();
    std::string where;
    if (at.size() == 1) where = "index " + std::string(py::str(at[0]));
    else if (at.size() == 2) where = "row " + std::string(py::str(at[0])) + ", column " + std::string(py::str(at[1]));
    else where = "position " + std::string(py::repr(at));
    throw py::value_error(name + " is a masked array with " + std::to_string(count) + " masked value" + (count == 1 ? "" : "s") +
                          ", the first at " + where + "; masks are not applied: fill them (.filled(value)) or drop them (.compressed()) first");
}

/// `obj` (an array, a list, a scalar) as a float64 array, after checking that it holds real
/// numbers: integer and float dtypes are converted (float64 is not copied); booleans, complex
/// numbers, strings, datetimes and objects that are not real numbers raise TypeError naming the
/// argument, e.g. "returns must hold real numbers, got booleans (dtype bool)" or, for an object
/// array, "weights contains str '0.5' at index 2". The one place this rule lives: the Python
/// layer calls it too (as _core.real_array) for what it converts itself. A masked array that
/// masks a value is refused (refuse_masked).
inline array_f64 real_array(py::handle obj, const std::string& name) {
    refuse_masked(obj, name);
    // A list or tuple is read element by element (numpy would turn [0.5, True] into floats).
    const bool sequence = py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj);
    auto a = sequence ? py::reinterpret_steal<py::array>(detail::object_array(obj))
                      : py::reinterpret_borrow<py::array>(py::array::ensure(obj));
    if (!a) {
        PyErr_Clear();
        throw py::type_error(name + " must be an array of real numbers, got " + detail::describe(obj));
    }
    const char kind = a.dtype().kind();
    if (kind == 'O') {
        const auto real = py::module_::import("numbers").attr("Real");
        const auto np_bool = py::module_::import("numpy").attr("bool_");
        py::ssize_t i = 0;
        for (auto v : a.attr("flat")) {
            if (PyBool_Check(v.ptr()) || py::isinstance(v, np_bool) || !py::isinstance(v, real)) {
                const std::string where = a.ndim() == 2 ? "row " + std::to_string(i / a.shape(1)) + ", column " +
                                                              std::to_string(i % a.shape(1))
                                                        : "index " + std::to_string(i);
                throw py::type_error(name + " contains " + detail::describe(v) + " at " + where +
                                     "; expected real numbers");
            }
            ++i;
        }
    } else if (kind != 'f' && kind != 'i' && kind != 'u') {
        throw py::type_error(name + " must hold real numbers, got " + detail::kind_name(kind) + " (dtype " +
                             std::string(py::str(a.dtype())) + ")");
    }
    return array_f64::ensure(a);
}

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
