// VaR, ES and their decomposition: rtrisk/var.hpp, expected_shortfall.hpp, portfolio_risk.hpp,
// decomposition.hpp; the scenario-weighting methods of ewma.hpp and weighted_historical.hpp.
#include "bindings.hpp"

#include <rtrisk/decomposition.hpp>
#include <rtrisk/ewma.hpp>
#include <rtrisk/expected_shortfall.hpp>
#include <rtrisk/portfolio_risk.hpp>
#include <rtrisk/stressed_var.hpp>
#include <rtrisk/var.hpp>
#include <rtrisk/ewma.hpp>
#include <rtrisk/factor_exposure.hpp>
#include <rtrisk/scenario_weighting.hpp>
#include <rtrisk/weighted_decomposition.hpp>
#include <rtrisk/weighted_historical.hpp>

namespace rtrisk_py {

namespace {

rtrisk::quantile_method parse_quantile(const std::string& name) {
    using q = rtrisk::quantile_method;
    static const std::pair<const char*, q> table[] = {
        {"linear", q::linear}, {"inverted_cdf", q::inverted_cdf}, {"interpolated_inverted_cdf", q::interpolated_inverted_cdf},
        {"hazen", q::hazen}, {"weibull", q::weibull}, {"median_unbiased", q::median_unbiased},
        {"normal_unbiased", q::normal_unbiased}, {"lower", q::lower}, {"higher", q::higher}, {"nearest", q::nearest},
        {"midpoint", q::midpoint}};
    for (const auto& [n, v] : table)
        if (name == n) return v;
    throw std::invalid_argument("unknown quantile method '" + name + "'");
}

/// A non-negative Python int as 64 bits, or std::invalid_argument naming it.
std::uint64_t as_u64(const py::int_& v, const char* name) {
    const unsigned long long x = PyLong_AsUnsignedLongLong(v.ptr());
    if (x == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
        PyErr_Clear();
        throw std::invalid_argument(std::string(name) + " " + std::string(py::str(py::handle(v))) + " is not in [0, 2^64)");
    }
    return x;
}

rtrisk::var_options make_options(const std::string& method, double confidence, double horizon_days, const py::int_& paths,
                                 const py::int_& seed, const std::string& quantile, const std::string& divisor) {
    rtrisk::var_options o;
    o.method = rtrisk::parse_var_method(method);
    o.confidence = confidence;
    o.horizon_days = horizon_days;
    o.paths = as_u64(paths, "monte_carlo paths");
    o.seed = as_u64(seed, "seed");
    o.quantile = parse_quantile(quantile);
    if (divisor == "population") o.divisor = rtrisk::moment_divisor::population;
    else if (divisor == "sample") o.divisor = rtrisk::moment_divisor::sample;
    else throw std::invalid_argument("unknown divisor '" + divisor + "' (expected population or sample)");
    return o;
}

enum class measure { var, es };
enum class decomposition { component_var, component_es, marginal_var, incremental_var };

double series_measure(const array_f64& pnl, const rtrisk::var_options& o, measure which) {
    const auto v = as_vector_array(pnl, "returns");
    const auto s = span_of(v);
    py::gil_scoped_release release;
    note_gil_state();
    return which == measure::var ? rtrisk::value_at_risk(s, o) : rtrisk::expected_shortfall(s, o);
}

double portfolio_measure(const array_f64& returns, const array_f64& weights, const rtrisk::var_options& o, measure which) {
    const auto w = as_vector_array(weights, "weights");
    return with_matrix(returns, "returns", [&](const auto& R) {
        const Eigen::Map<const Eigen::VectorXd> x(w.data(), w.size());
        py::gil_scoped_release release;
        note_gil_state();
        return which == measure::var ? rtrisk::portfolio_var(R, x, o) : rtrisk::portfolio_es(R, x, o);
    });
}

/// VaR or ES of a P&L or return series (oldest first) by a scenario-weighting method
/// (scenario_weighting.hpp): "ewma", "filtered_historical" (filter "ewma" or "garch") or
/// "age_weighted", scaled by sqrt(horizon_days) as value_at_risk scales the other methods.
double weighted_measure(const array_f64& pnl, const std::string& method, measure which, double confidence, double decay,
                        const std::string& filter, double horizon_days) {
    const auto v = as_vector_array(pnl, "returns");
    const auto s = span_of(v);
    rtrisk::detail::check_horizon(horizon_days);
    rtrisk::weighting w{rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)};
    py::gil_scoped_release release;
    note_gil_state();
    const auto t = rtrisk::weighted_tail(s, w, confidence, confidence);
    return rtrisk::detail::finite_result((which == measure::var ? t.var : t.es) * std::sqrt(horizon_days), which == measure::var ? "VaR" : "ES", s, "the P&L");
}

/// Column p of `weights` (N x P) is portfolio p: P measures from one pass over the returns.
py::array_t<double> portfolio_measures(const array_f64& returns, const array_f64& weights, const rtrisk::var_options& o, measure which) {
    if (weights.ndim() != 2) throw std::invalid_argument("weights must be 2-D (instruments x portfolios) here");
    const auto n = static_cast<Eigen::Index>(weights.shape(0)), p = static_cast<Eigen::Index>(weights.shape(1));
    Eigen::MatrixXd W(n, p); // instruments x portfolios, small: copied into the core's layout
    const auto w = weights.unchecked<2>();
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < p; ++j) W(i, j) = w(i, j);
    Eigen::VectorXd out = with_matrix(returns, "returns", [&](const auto& R) -> Eigen::VectorXd {
        py::gil_scoped_release release;
        note_gil_state();
        return which == measure::var ? rtrisk::portfolio_var_many(R, W, o) : rtrisk::portfolio_es_many(R, W, o);
    });
    py::array_t<double> result(out.size());
    std::copy(out.data(), out.data() + out.size(), result.mutable_data());
    return result;
}

py::array_t<double> decompose(const array_f64& returns, const array_f64& weights, const rtrisk::var_options& o,
                              decomposition which) {
    const auto w = as_vector_array(weights, "weights");
    Eigen::VectorXd out = with_matrix(returns, "returns", [&](const auto& R) -> Eigen::VectorXd {
        const Eigen::Map<const Eigen::VectorXd> x(w.data(), w.size());
        py::gil_scoped_release release;
        note_gil_state();
        switch (which) {
        case decomposition::component_var: return rtrisk::component_var(R, x, o);
        case decomposition::component_es: return rtrisk::component_es(R, x, o);
        case decomposition::marginal_var: return rtrisk::marginal_var(R, x, o);
        case decomposition::incremental_var: return rtrisk::incremental_var(R, x, o);
        }
        throw std::invalid_argument("unknown decomposition");
    });
    py::array_t<double> result(out.size());
    std::copy(out.data(), out.data() + out.size(), result.mutable_data());
    return result;
}

} // namespace

void bind_var(py::module_& m) {
    m.def("make_options", &make_options);
    m.def("refuse_masked", &refuse_masked, py::arg("values"), py::arg("name"),
          "ValueError naming `name` when `values` is a numpy masked array that masks a value.");
    m.def("real_array", &real_array, py::arg("values"), py::arg("name"),
          "values as a float64 array; TypeError naming `name` unless they are real numbers.");
    py::class_<rtrisk::var_options>(m, "VarOptions")
        .def_readonly("confidence", &rtrisk::var_options::confidence)
        .def_readonly("horizon_days", &rtrisk::var_options::horizon_days)
        .def_readonly("paths", &rtrisk::var_options::paths)
        .def_readonly("seed", &rtrisk::var_options::seed);
    m.def("series_var", [](py::object p, const rtrisk::var_options& o) { return series_measure(real_array(p, "returns"), o, measure::var); });
    m.def("series_es", [](py::object p, const rtrisk::var_options& o) { return series_measure(real_array(p, "returns"), o, measure::es); });
    m.def("portfolio_var", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return portfolio_measure(real_array(r, "returns"), real_array(w, "weights"), o, measure::var);
    });
    m.def("portfolio_es", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return portfolio_measure(real_array(r, "returns"), real_array(w, "weights"), o, measure::es);
    });
    m.def("weighted_var", [](py::object p, const std::string& method, double confidence, double decay, const std::string& filter,
                             double horizon_days) {
        return weighted_measure(real_array(p, "returns"), method, measure::var, confidence, decay, filter, horizon_days);
    });
    m.def("weighted_es", [](py::object p, const std::string& method, double confidence, double decay, const std::string& filter,
                            double horizon_days) {
        return weighted_measure(real_array(p, "returns"), method, measure::es, confidence, decay, filter, horizon_days);
    });
    m.def("group_risk", [](py::object r, py::object w, const std::vector<std::string>& labels, double vc, double ec) {
        const auto wv = as_vector_array(real_array(w, "weights"), "weights");
        const auto x = span_of(wv);
        return with_matrix(real_array(r, "returns"), "returns", [&](const auto& R) {
            std::vector<rtrisk::basic_group_risk<double>> g;
            {
                py::gil_scoped_release release;
                note_gil_state();
                g = rtrisk::group_risk(R, x, std::span<const std::string>(labels), vc, ec);
            }
            py::list out;
            for (const auto& e : g) out.append(py::make_tuple(e.group, e.members, e.net_exposure, e.gross_exposure, e.var, e.es, e.component_var));
            return out;
        });
    }, "[(group, members, net, gross, VaR, ES, component VaR)] by label (factor_exposure.hpp)");
    m.def("weighted_components", [](py::object r, py::object w, const std::string& method, double confidence, double decay,
                                    const std::string& filter, double horizon_days, const std::string& which) {
        const auto wv = as_vector_array(real_array(w, "weights"), "weights");
        rtrisk::detail::check_horizon(horizon_days);
        const rtrisk::weighting wt{rtrisk::parse_scenario_weighting(method), decay, rtrisk::parse_volatility_filter(filter)};
        Eigen::VectorXd out = with_matrix(real_array(r, "returns"), "returns", [&](const auto& R) -> Eigen::VectorXd {
            const Eigen::Map<const Eigen::VectorXd> x(wv.data(), wv.size());
            py::gil_scoped_release release;
            note_gil_state();
            return which == "var" ? rtrisk::weighted_component_var(R, x, wt, confidence) : rtrisk::weighted_component_es(R, x, wt, confidence);
        });
        py::array_t<double> result(out.size());
        for (Eigen::Index i = 0; i < out.size(); ++i) {
            const double v = out(i) * std::sqrt(horizon_days);
            if (!std::isfinite(v)) {
                throw std::invalid_argument("component " + std::string(which == "var" ? "VaR" : "ES") + " of instrument " + std::to_string(i) +
                                            " overflows (" + rtrisk::detail::fmt(v) + "); rescale the returns or the weights");
            }
            result.mutable_data()[i] = v;
        }
        return result;
    }, "component VaR or ES under a weighting method (weighted_decomposition.hpp), scaled by sqrt(horizon_days)");
    m.def("ewma_volatility", [](py::object p, double decay) {
        const auto v = as_vector_array(real_array(p, "returns"), "returns");
        const auto s = span_of(v);
        py::gil_scoped_release release;
        return rtrisk::ewma_volatility(s, decay);
    }, "the EWMA volatility forecast for the day after the last return (ewma.hpp), finite at any scale");
    m.def("ewma_variances", [](py::object p, double decay) {
        const auto v = as_vector_array(real_array(p, "returns"), "returns");
        const auto s = span_of(v);
        std::vector<double> out;
        {
            py::gil_scoped_release release;
            out = rtrisk::ewma_variances(s, decay);
        }
        py::array_t<double> a(static_cast<py::ssize_t>(out.size()));
        std::copy(out.begin(), out.end(), a.mutable_data());
        return a;
    }, "RiskMetrics variance forecasts (ewma.hpp)");
    m.def("ewma_covariance", [](py::object r, double decay) {
        Eigen::MatrixXd cov = with_matrix(real_array(r, "returns"), "returns", [&](const auto& R) -> Eigen::MatrixXd {
            py::gil_scoped_release release;
            return rtrisk::ewma_covariance(R, decay);
        });
        py::array_t<double> a({static_cast<py::ssize_t>(cov.rows()), static_cast<py::ssize_t>(cov.cols())});
        for (Eigen::Index i = 0; i < cov.rows(); ++i)
            for (Eigen::Index j = 0; j < cov.cols(); ++j) a.mutable_at(i, j) = cov(i, j);
        return a;
    }, "RiskMetrics covariance forecast (ewma.hpp)");
    m.def("portfolio_measure_f32", [](py::array_t<float> r, py::object w, const rtrisk::var_options& o, const std::string& which) {
        // float32 scenarios read in place (C or Fortran order), every sum in double (portfolio_pnl_as)
        if (r.ndim() != 2) throw std::invalid_argument("returns must be 2-D (scenarios x instruments)");
        if (o.method == rtrisk::var_method::monte_carlo) throw std::invalid_argument("float32 returns: monte_carlo needs float64 returns");
        const auto wv = as_vector_array(real_array(w, "weights"), "weights");
        const Eigen::Map<const Eigen::VectorXd> x(wv.data(), wv.size());
        const auto rows = static_cast<Eigen::Index>(r.shape(0)), cols = static_cast<Eigen::Index>(r.shape(1));
        using f_col = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
        using f_row = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        const bool f_order = (r.flags() & py::array::f_style) != 0;
        if (!f_order && !(r.flags() & py::array::c_style)) throw std::invalid_argument("float32 returns must be contiguous (C or Fortran order)");
        py::gil_scoped_release release;
        note_gil_state();
        const Eigen::VectorXd pnl = f_order ? rtrisk::portfolio_pnl_as<double>(Eigen::Map<const f_col>(r.data(), rows, cols), x)
                                            : rtrisk::portfolio_pnl_as<double>(Eigen::Map<const f_row>(r.data(), rows, cols), x);
        const std::span<const double> s(pnl.data(), static_cast<std::size_t>(pnl.size()));
        return which == "var" ? rtrisk::value_at_risk(s, o) : rtrisk::expected_shortfall(s, o);
    }, "VaR or ES of a portfolio over float32 returns, read in place, sums in double (returns.hpp portfolio_pnl_as)");
    m.def("fit_garch11", [](py::object p) {
        const auto v = as_vector_array(real_array(p, "returns"), "returns");
        const auto s = span_of(v);
        py::gil_scoped_release release;
        const auto g = rtrisk::fit_garch11(s);
        return std::tuple(g.omega, g.alpha, g.beta, g.log_likelihood);
    }, "(omega, alpha, beta, log-likelihood) of the variance-targeted GARCH(1,1) fit (garch.hpp)");
    m.def("stressed_var", [](py::object p, double confidence, const py::int_& window) {
        const auto v = as_vector_array(real_array(p, "returns"), "returns");
        const auto days = as_u64(window, "window");
        const auto s = span_of(v);
        py::gil_scoped_release release;
        note_gil_state();
        const auto r = rtrisk::stressed_var(s, confidence, static_cast<std::size_t>(days));
        return std::tuple(r.var, r.first, r.last);
    }, "(VaR, first row, last row) of the window of `window` rows where the historical VaR is largest (stressed_var.hpp)");
    m.def("portfolio_var_many", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return portfolio_measures(real_array(r, "returns"), real_array(w, "weights"), o, measure::var);
    });
    m.def("portfolio_es_many", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return portfolio_measures(real_array(r, "returns"), real_array(w, "weights"), o, measure::es);
    });
    m.def("component_var", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return decompose(real_array(r, "returns"), real_array(w, "weights"), o, decomposition::component_var);
    });
    m.def("component_es", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return decompose(real_array(r, "returns"), real_array(w, "weights"), o, decomposition::component_es);
    });
    m.def("marginal_var", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return decompose(real_array(r, "returns"), real_array(w, "weights"), o, decomposition::marginal_var);
    });
    m.def("incremental_var", [](py::object r, py::object w, const rtrisk::var_options& o) {
        return decompose(real_array(r, "returns"), real_array(w, "weights"), o, decomposition::incremental_var);
    });
    m.def("portfolio_pnl", [](py::object r_obj, py::object w) {
        const auto wv = as_vector_array(real_array(w, "weights"), "weights");
        const auto r = real_array(r_obj, "returns");
        Eigen::VectorXd pnl = with_matrix(r, "returns", [&](const auto& R) -> Eigen::VectorXd {
            const Eigen::Map<const Eigen::VectorXd> x(wv.data(), wv.size());
            py::gil_scoped_release release;
            return rtrisk::portfolio_pnl(R, x);
        });
        py::array_t<double> out(pnl.size());
        std::copy(pnl.data(), pnl.data() + pnl.size(), out.mutable_data());
        return out;
    });
}

} // namespace rtrisk_py
