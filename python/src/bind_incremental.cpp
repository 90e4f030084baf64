// Positions, portfolios and the incremental real-time state: rtrisk/portfolio.hpp, incremental.hpp.
#include "bindings.hpp"

#include <rtrisk/incremental.hpp>

#include <cmath>
#include <string_view>
#include <variant>

namespace rtrisk_py {

namespace {
using state = rtrisk::incremental_state;
using state32 = rtrisk::incremental_state_f32;
/// The state with its scenarios in float64 or float32.
struct live_state {
    std::variant<state, state32> v;
    template <class F> decltype(auto) visit(F&& f) { return std::visit(std::forward<F>(f), v); }
    template <class F> decltype(auto) visit(F&& f) const { return std::visit(std::forward<F>(f), v); }
};
} // namespace

namespace {
/// A Position's number: finite (the multiplier also positive), else ValueError naming the field.
double position_field(const char* name, double v) {
    if (!std::isfinite(v) || (std::string_view(name) == "multiplier" && !(v > 0))) {
        throw std::invalid_argument(std::string("Position ") + name + " " + rtrisk::detail::fmt(v) +
                                    (std::string_view(name) == "multiplier" ? " must be positive and finite" : " must be finite"));
    }
    return v;
}
/// A figure of a Position: finite, else ValueError (finite fields whose product overflows).
double position_figure(const char* name, double v) {
    if (!std::isfinite(v)) throw std::invalid_argument(std::string("Position ") + name + " overflows (" + rtrisk::detail::fmt(v) + ")");
    return v;
}
} // namespace

void bind_incremental(py::module_& m) {
    using pos = rtrisk::position;
    using pf = rtrisk::portfolio;
    auto field = [](const char* name, double pos::*member) {
        return std::make_pair([member](const pos& p) { return p.*member; }, [name, member](pos& p, double v) { p.*member = position_field(name, v); });
    };
    const auto [q_get, q_set] = field("quantity", &pos::quantity);
    const auto [e_get, e_set] = field("entry_price", &pos::entry_price);
    const auto [p_get, p_set] = field("price", &pos::price);
    const auto [m_get, m_set] = field("multiplier", &pos::multiplier);
    py::class_<pos>(m, "Position")
        .def(py::init([](std::string symbol, double quantity, double entry_price, double price, double multiplier) {
                 return pos{std::move(symbol), position_field("quantity", quantity), position_field("entry_price", entry_price),
                            position_field("price", price), position_field("multiplier", multiplier)};
             }),
             py::arg("symbol"), py::arg("quantity"), py::arg("entry_price"), py::arg("price"), py::arg("multiplier") = 1.0)
        .def_readwrite("symbol", &pos::symbol)
        .def_property("quantity", q_get, q_set)
        .def_property("entry_price", e_get, e_set)
        .def_property("price", p_get, p_set)
        .def_property("multiplier", m_get, m_set)
        .def_property_readonly("market_value", [](const pos& p) { return position_figure("market_value", p.market_value()); })
        .def_property_readonly("unrealized_pnl", [](const pos& p) { return position_figure("unrealized_pnl", p.unrealized_pnl()); })
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

    // One Python class over both storage types (float64 or float32 scenarios, sums in double).
    py::class_<live_state>(m, "IncrementalState")
        .def(py::init([](const pf& p, py::object scenarios, const std::string& dtype) {
                 refuse_masked(scenarios, "scenarios");
                 if (dtype == "float32" && py::isinstance<py::array>(scenarios) && py::array(scenarios).dtype().is(py::dtype::of<float>()) &&
                     py::array(scenarios).ndim() == 2) { // float32 in: one float copy, no float64 one
                     const auto a = py::array_t<float>::ensure(scenarios);
                     const auto rows = static_cast<Eigen::Index>(a.shape(0)), cols = static_cast<Eigen::Index>(a.shape(1));
                     using f_col = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
                     using f_row = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
                     if (a.flags() & py::array::f_style) return live_state{state32(p, Eigen::Map<const f_col>(a.data(), rows, cols))};
                     if (a.flags() & py::array::c_style) return live_state{state32(p, Eigen::Map<const f_row>(a.data(), rows, cols))};
                 }
                 auto R = with_matrix(real_array(scenarios, "scenarios"), "scenarios", [](const auto& r) { return rtrisk::scenario_matrix<double>(r); });
                 if (dtype == "float64") return live_state{state(p, std::move(R))}; // owns a column-major copy: ticks read contiguous columns
                 if (dtype == "float32") return live_state{state32(p, R.cast<float>())};
                 throw std::invalid_argument("scenario_dtype '" + dtype + "' must be 'float64' or 'float32'");
             }),
             py::arg("portfolio"), py::arg("scenarios"), py::arg("scenario_dtype") = "float64")
        .def("apply_tick", [](live_state& s, const std::string& sym, double px) { s.visit([&](auto& st) { st.apply_tick(sym, px); }); },
             py::arg("symbol"), py::arg("price"))
        .def("apply_trade", [](live_state& s, const std::string& sym, double q, double px) {
            return s.visit([&](auto& st) { return st.apply_trade(sym, q, px); });
        }, py::arg("symbol"), py::arg("quantity"), py::arg("price"))
        .def("var", [](const live_state& s, double c, const std::string& method, double decay, const std::string& filter) {
            return s.visit([&](const auto& st) {
                if (method == "historical") return st.var(c);
                return st.weighted_tail({rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)}, c, c).var;
            });
        }, py::arg("confidence") = 0.99, py::arg("method") = "historical", py::arg("decay") = rtrisk::riskmetrics_decay, py::arg("filter") = "ewma")
        .def("expected_shortfall", [](const live_state& s, double c, const std::string& method, double decay, const std::string& filter) {
            return s.visit([&](const auto& st) {
                if (method == "historical") return st.expected_shortfall(c);
                return st.weighted_tail({rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)}, c, c).es;
            });
        }, py::arg("confidence") = 0.975, py::arg("method") = "historical", py::arg("decay") = rtrisk::riskmetrics_decay, py::arg("filter") = "ewma")
        .def("tail", [](const live_state& s, double vc, double ec) {
            const auto t = s.visit([&](const auto& st) { return st.tail(vc, ec); });
            return py::make_tuple(t.var, t.es);
        }, py::arg("var_confidence") = 0.99, py::arg("es_confidence") = 0.975)
        .def("weighted_tail", [](const live_state& s, const std::string& method, double vc, double ec, double decay, const std::string& filter) {
            const rtrisk::weighting w{rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)};
            const auto t = s.visit([&](const auto& st) { return st.weighted_tail(w, vc, ec); });
            return py::make_tuple(t.var, t.es);
        }, py::arg("method"), py::arg("var_confidence") = 0.99, py::arg("es_confidence") = 0.975, py::arg("decay") = rtrisk::riskmetrics_decay,
           py::arg("filter") = "ewma")
        .def("roll_day", [](live_state& s, py::object returns) {
            const auto v = as_vector_array(real_array(returns, "returns"), "returns");
            s.visit([&](auto& st) { st.roll_day(span_of(v)); });
        }, py::arg("returns"))
        .def_property_readonly("chronological_pnl", [](const live_state& s) {
            const auto v = s.visit([](const auto& st) { return st.chronological_pnl(); });
            py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
            std::copy(v.begin(), v.end(), a.mutable_data());
            return a;
        })
        .def("reanchor", [](live_state& s) { s.visit([](auto& st) { st.reanchor(); }); })
        .def("set_reanchor_interval", [](live_state& s, std::size_t k) { s.visit([&](auto& st) { st.set_reanchor_interval(k); }); })
        .def_property_readonly("portfolio", [](const live_state& s) { return s.visit([](const auto& st) { return st.book(); }); })
        // A read-only view of the live P&L vector (double either way), no copy; valid while the state lives.
        .def_property_readonly("pnl", [](py::object self) {
            const auto& s = self.cast<const live_state&>();
            const auto p = s.visit([](const auto& st) { return st.pnl(); });
            py::array_t<double> a({static_cast<py::ssize_t>(p.size())}, {sizeof(double)}, p.data(), self);
            py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
            return a;
        })
        .def_property_readonly("scenario_dtype", [](const live_state& s) { return std::holds_alternative<state>(s.v) ? "float64" : "float32"; })
        .def_property_readonly("scenario_count", [](const live_state& s) { return s.visit([](const auto& st) { return st.scenario_count(); }); })
        .def_property_readonly("position_count", [](const live_state& s) { return s.visit([](const auto& st) { return st.position_count(); }); });
}

} // namespace rtrisk_py
