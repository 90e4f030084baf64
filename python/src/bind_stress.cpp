// Option books, stress scenarios and the spot x vol grid: rtrisk/derivatives_book.hpp, stress.hpp.
#include "bindings.hpp"

#include <rtrisk/stress.hpp>

namespace rtrisk_py {

namespace {
py::array_t<double> to_numpy(const Eigen::VectorXd& v) {
    py::array_t<double> out(v.size());
    std::copy(v.data(), v.data() + v.size(), out.mutable_data());
    return out;
}
rtrisk::option_kind parse_kind(const std::string& k) {
    if (k == "call") return rtrisk::option_kind::call;
    if (k == "put") return rtrisk::option_kind::put;
    throw std::invalid_argument("option kind '" + k + "' is neither 'call' nor 'put'");
}
rtrisk::scenario_matrix<double> owned_matrix(py::handle obj, const char* name) {
    return with_matrix(real_array(obj, name), name, [](const auto& R) { return rtrisk::scenario_matrix<double>(R); });
}
} // namespace

void bind_stress(py::module_& m) {
    using book_t = rtrisk::derivatives_book;
    using greeks_t = rtrisk::basic_book_greeks<double>;
    py::class_<greeks_t>(m, "BookGreeks")
        .def_readonly("delta", &greeks_t::delta)
        .def_readonly("dollar_delta", &greeks_t::dollar_delta)
        .def_readonly("gamma", &greeks_t::gamma)
        .def_readonly("dollar_gamma", &greeks_t::dollar_gamma)
        .def_readonly("vega", &greeks_t::vega)
        .def_readonly("theta", &greeks_t::theta);

    py::class_<rtrisk::stress_scenario>(m, "StressScenario")
        .def(py::init([](std::string name, double market_move, std::map<std::string, double> symbol_moves,
                         double vol_shift, std::map<std::string, double> group_moves) {
                 return rtrisk::stress_scenario{std::move(name), market_move, std::move(symbol_moves), vol_shift,
                                                std::move(group_moves)};
             }),
             py::arg("name"), py::arg("market_move") = 0.0, py::arg("symbol_moves") = std::map<std::string, double>{},
             py::arg("vol_shift") = 0.0, py::arg("group_moves") = std::map<std::string, double>{})
        .def_readwrite("name", &rtrisk::stress_scenario::name)
        .def_readwrite("market_move", &rtrisk::stress_scenario::market_move)
        .def_readwrite("symbol_moves", &rtrisk::stress_scenario::symbol_moves)
        .def_readwrite("vol_shift", &rtrisk::stress_scenario::vol_shift)
        .def_readwrite("group_moves", &rtrisk::stress_scenario::group_moves)
        .def("__repr__", [](const rtrisk::stress_scenario& s) { return "StressScenario('" + s.name + "')"; });
    m.def("standard_scenarios", [] { return rtrisk::standard_scenarios<double>(); });

    py::class_<book_t>(m, "DerivativesBook")
        .def(py::init<double>(), py::arg("rate") = 0.0)
        .def("add_underlying", &book_t::add_underlying, py::arg("symbol"), py::arg("spot"), py::arg("dividend") = 0.0,
             py::arg("group") = std::string())
        .def("add_linear", [](book_t& b, const std::string& sym, double qty, double mult) {
            return b.add_linear(b.underlying_index(sym), qty, mult);
        }, py::arg("symbol"), py::arg("quantity"), py::arg("multiplier") = 1.0)
        .def("add_option", [](book_t& b, const std::string& sym, const std::string& kind, double strike, double expiry,
                              double vol, double qty, double mult) {
            return b.add_option(b.underlying_index(sym), parse_kind(kind), strike, expiry, vol, qty, mult);
        }, py::arg("symbol"), py::arg("kind"), py::arg("strike"), py::arg("expiry"), py::arg("vol"), py::arg("quantity"),
           py::arg("multiplier") = 1.0)
        .def("set_spot", [](book_t& b, const std::string& sym, double s) { b.set_spot(b.underlying_index(sym), s); }, py::arg("symbol"), py::arg("spot"))
        .def("value", [](const book_t& b) {
            const double v = b.value();
            if (!std::isfinite(v)) throw std::invalid_argument("the book's value overflows (" + rtrisk::detail::fmt(v) + "): spots, quantities or multipliers too large");
            return v;
        })
        .def_property_readonly("rate", &book_t::rate)
        .def_property_readonly("symbols", [](const book_t& b) {
            std::vector<std::string> out;
            for (const auto& u : b.underlyings()) out.push_back(u.symbol);
            return out;
        })
        .def_property_readonly("holdings", [](const book_t& b) {
            py::list out;
            for (const auto& h : b.holdings()) {
                const std::string sym = b.underlyings()[h.underlying].symbol;
                if (h.is_option) {
                    out.append(py::dict(py::arg("symbol") = sym, py::arg("type") = rtrisk::to_string(h.kind),
                                        py::arg("strike") = h.strike, py::arg("expiry") = h.expiry, py::arg("vol") = h.vol,
                                        py::arg("quantity") = h.quantity, py::arg("multiplier") = h.multiplier));
                } else {
                    out.append(py::dict(py::arg("symbol") = sym, py::arg("type") = "linear", py::arg("quantity") = h.quantity,
                                        py::arg("multiplier") = h.multiplier));
                }
            }
            return out;
        })
        .def("greeks_by_underlying", &book_t::greeks_by_underlying)
        .def("total_greeks", &book_t::total_greeks);

    m.def("apply_scenario", [](const rtrisk::stress_scenario& s, const book_t& b) {
        const auto r = rtrisk::apply(s, b);
        py::array_t<double> per(static_cast<py::ssize_t>(r.pnl_by_holding.size()));
        std::copy(r.pnl_by_holding.begin(), r.pnl_by_holding.end(), per.mutable_data());
        return py::make_tuple(r.pnl, per);
    });
    m.def("spot_vol_grid", [](const book_t& b, std::vector<double> spot, std::vector<double> vol) {
        xt::xtensor<double, 2> g;
        {
            py::gil_scoped_release release;
            note_gil_state();
            g = rtrisk::spot_vol_grid(b, spot, vol);
        }
        py::array_t<double> out({static_cast<py::ssize_t>(g.shape()[0]), static_cast<py::ssize_t>(g.shape()[1])});
        std::copy(g.begin(), g.end(), out.mutable_data());
        return out;
    });
    m.def("full_revaluation_pnl", [](const book_t& b, py::object returns) {
        const auto R = owned_matrix(returns, "returns");
        py::gil_scoped_release release;
        note_gil_state();
        Eigen::VectorXd pnl = rtrisk::full_revaluation_pnl(b, R);
        py::gil_scoped_acquire acquire;
        return to_numpy(pnl);
    });
    m.def("delta_gamma_pnl", [](const book_t& b, py::object returns) {
        const auto R = owned_matrix(returns, "returns");
        return to_numpy(rtrisk::delta_gamma_pnl(b, R));
    });
}

} // namespace rtrisk_py
