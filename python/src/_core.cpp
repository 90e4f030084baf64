// rtrisk._core: the C++ core for Python. One binding file per topic (bind_<topic>.cpp); the
// public Python API lives in rtrisk/__init__.py, which adds pandas and argument handling.
#include "bindings.hpp"

#include <rtrisk/config.hpp>

PYBIND11_MODULE(_core, m) {
    m.doc() = "rtrisk C++ core (private; use the rtrisk package)";
    m.attr("__version__") = std::to_string(RTRISK_VERSION_MAJOR) + "." + std::to_string(RTRISK_VERSION_MINOR) + "." +
                            std::to_string(RTRISK_VERSION_PATCH);
    // Every core input error is a ValueError, unknown symbols and indices included.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const std::out_of_range& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });
    m.def("_last_kernel_released_gil", [] { return rtrisk_py::last_kernel_released_gil(); },
          "True when the last long kernel ran with the GIL released (for tests).");
    rtrisk_py::bind_var(m);
    rtrisk_py::bind_greeks(m);
    rtrisk_py::bind_backtest(m);
    rtrisk_py::bind_stress(m);
    rtrisk_py::bind_incremental(m);
}
