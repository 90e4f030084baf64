// Positions, portfolios and the incremental real-time state: rtrisk/portfolio.hpp, incremental.hpp.
#include "bindings.hpp"

#include <rtrisk/incremental.hpp>

namespace rtrisk_py {

void bind_incremental(py::module_& m) {
    using pos = rtrisk::position;
    using pf = rtrisk::portfolio;
    using state = rtrisk::incremental_state;
    py::class_<pos>(m, "Position")
        .def(py::init([](std::string symbol, double quantity, double entry_price, double price, double multiplier) {
                 return pos{std::move(symbol), quantity, entry_price, price, multiplier};
             }),
             py::arg("symbol"), py::arg("quantity"), py::arg("entry_price"), py::arg("price"), py::arg("multiplier") = 1.0)
        .def_readwrite("symbol", &pos::symbol)
        .def_readwrite("quantity", &pos::quantity)
        .def_readwrite("entry_price", &pos::entry_price)
        .def_readwrite("price", &pos::price)
        .def_readwrite("multiplier", &pos::multiplier)
        .def_property_readonly("market_value", &pos::market_value)
        .def_property_readonly("unrealized_pnl", &pos::unrealized_pnl)
        .def("__repr__", [](const pos& p) {
            return "Position('" + p.symbol + "', quantity=" + rtrisk::detail::fmt(p.quantity) +
                   ", price=" + rtrisk::detail::fmt(p.price) + ")";
        });

    py::class_<pf>(m, "Portfolio")
        .def(py::init<>())
        .def("add", &pf::add, py::arg("position"))
        .def("__len__", &pf::size)
        .def("index_of", &pf::index_of)
        .def("position", &pf::position)
        .def("set_price", py::overload_cast<std::string_view, double>(&pf::set_price), py::arg("symbol"), py::arg("price"))
        .def("apply_trade", [](pf& p, const std::string& s, double q, double px) { return p.apply_trade(p.index_of(s), q, px); }, py::arg("symbol"), py::arg("quantity"), py::arg("price"))
        .def_property_readonly("symbols", [](const pf& p) { return std::vector<std::string>(p.symbols().begin(), p.symbols().end()); })
        .def_property_readonly("exposures", [](const pf& p) { return p.exposures(); })
        .def_property_readonly("market_value", py::overload_cast<>(&pf::market_value, py::const_))
        .def_property_readonly("gross_exposure", &pf::gross_exposure)
        .def_property_readonly("net_exposure", &pf::net_exposure)
        .def_property_readonly("unrealized_pnl", &pf::unrealized_pnl)
        .def_property_readonly("realized_pnl", &pf::realized_pnl);

    py::class_<state>(m, "IncrementalState")
        .def(py::init([](const pf& p, py::object scenarios) {
                 auto R = with_matrix(real_array(scenarios, "scenarios"), "scenarios", [](const auto& r) { return rtrisk::scenario_matrix<double>(r); });
                 return state(p, std::move(R)); // owns a column-major copy: ticks read contiguous columns
             }),
             py::arg("portfolio"), py::arg("scenarios"))
        .def("apply_tick", [](state& s, const std::string& sym, double px) { s.apply_tick(sym, px); }, py::arg("symbol"), py::arg("price"))
        .def("apply_trade", [](state& s, const std::string& sym, double q, double px) { return s.apply_trade(sym, q, px); }, py::arg("symbol"), py::arg("quantity"), py::arg("price"))
        .def("var", [](const state& s, double c, const std::string& method, double decay, const std::string& filter) {
            if (method == "historical") return s.var(c);
            return s.weighted_tail({rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)}, c, c).var;
        }, py::arg("confidence") = 0.99, py::arg("method") = "historical", py::arg("decay") = rtrisk::riskmetrics_decay, py::arg("filter") = "ewma")
        .def("expected_shortfall", [](const state& s, double c, const std::string& method, double decay, const std::string& filter) {
            if (method == "historical") return s.expected_shortfall(c);
            return s.weighted_tail({rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)}, c, c).es;
        }, py::arg("confidence") = 0.975, py::arg("method") = "historical", py::arg("decay") = rtrisk::riskmetrics_decay, py::arg("filter") = "ewma")
        .def("tail", [](const state& s, double vc, double ec) {
            const auto t = s.tail(vc, ec);
            return py::make_tuple(t.var, t.es);
        }, py::arg("var_confidence") = 0.99, py::arg("es_confidence") = 0.975)
        .def("weighted_tail", [](const state& s, const std::string& method, double vc, double ec, double decay, const std::string& filter) {
            const rtrisk::weighting w{rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)};
            const auto t = s.weighted_tail(w, vc, ec);
            return py::make_tuple(t.var, t.es);
        }, py::arg("method"), py::arg("var_confidence") = 0.99, py::arg("es_confidence") = 0.975, py::arg("decay") = rtrisk::riskmetrics_decay,
           py::arg("filter") = "ewma")
        .def("roll_day", [](state& s, py::object returns) {
            const auto v = as_vector_array(real_array(returns, "returns"), "returns");
            s.roll_day(span_of(v));
        }, py::arg("returns"))
        .def_property_readonly("chronological_pnl", [](const state& s) {
            const auto v = s.chronological_pnl();
            py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
            std::copy(v.begin(), v.end(), a.mutable_data());
            return a;
        })
        .def("reanchor", &state::reanchor)
        .def("set_reanchor_interval", &state::set_reanchor_interval)
        .def_property_readonly("portfolio", [](const state& s) { return s.book(); })
        // A read-only view of the live P&L vector, no copy; valid while the state lives.
        .def_property_readonly("pnl", [](py::object self) {
            const auto& s = self.cast<const state&>();
            py::array_t<double> a({static_cast<py::ssize_t>(s.scenario_count())}, {sizeof(double)}, s.pnl().data(), self);
            py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
            return a;
        })
        .def_property_readonly("scenario_count", &state::scenario_count)
        .def_property_readonly("position_count", &state::position_count);
}

} // namespace rtrisk_py
