// VaR backtests: rtrisk/backtest.hpp.
#include "bindings.hpp"

#include <rtrisk/backtest.hpp>

namespace rtrisk_py {

void bind_backtest(py::module_& m) {
    m.def("kupiec", [](std::size_t x, std::size_t n, double c) {
        const auto t = rtrisk::kupiec(x, n, c);
        return py::make_tuple(t.statistic, t.p_value);
    });
    m.def("christoffersen", [](const py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>& hits, double c) {
        const std::span<const std::uint8_t> h(hits.data(), static_cast<std::size_t>(hits.size()));
        const auto ind = rtrisk::christoffersen_independence(h);
        const auto cc = rtrisk::christoffersen_conditional_coverage(h, c);
        const auto tc = rtrisk::count_transitions(h);
        return py::make_tuple(ind.statistic, ind.p_value, cc.statistic, cc.p_value,
                              py::make_tuple(tc.n00, tc.n01, tc.n10, tc.n11));
    });
    m.def("traffic_light", [](std::size_t x, std::size_t n, double c) {
        return std::string(rtrisk::to_string(rtrisk::traffic_light(x, n, c)));
    });
    m.def("var_exceptions", [](py::object pnl, py::object var) {
        const auto p = as_vector_array(real_array(pnl, "pnl"), "pnl"), v = as_vector_array(real_array(var, "var"), "var");
        const auto hits = rtrisk::var_exceptions(span_of(p), span_of(v));
        py::array_t<std::uint8_t> out(static_cast<py::ssize_t>(hits.size()));
        std::copy(hits.begin(), hits.end(), out.mutable_data());
        return out;
    });
}

} // namespace rtrisk_py
