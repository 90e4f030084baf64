// Black-Scholes-Merton price, Greeks and implied vol over arrays: rtrisk/greeks.hpp, implied_vol.hpp.
// The Python layer broadcasts the arguments; here every argument is a 1-D array of one length.
#include "bindings.hpp"

#include <rtrisk/greeks.hpp>
#include <rtrisk/pnl_explain.hpp>
#include <rtrisk/implied_vol.hpp>

#include <array>

namespace rtrisk_py {

namespace {

using vec = py::array_t<double, py::array::c_style | py::array::forcecast>;
using kinds = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;

void check_lengths(std::size_t n, std::initializer_list<std::size_t> sizes) {
    for (auto s : sizes)
        if (s != n) throw std::invalid_argument("bsm arguments must have one length after broadcasting");
}

/// A 1-D float64 argument of real numbers (TypeError naming it otherwise).
vec real_vector(py::handle obj, const char* name) { return as_vector_array(real_array(obj, name), name); }

py::dict bsm_arrays(const kinds& kind, py::object spot, py::object strike, py::object expiry, py::object rate,
                    py::object dividend, py::object vol) {
    const vec s = real_vector(spot, "spot"), k = real_vector(strike, "strike"), t = real_vector(expiry, "expiry"),
              r = real_vector(rate, "rate"), q = real_vector(dividend, "dividend"), v = real_vector(vol, "vol");
    const auto n = static_cast<std::size_t>(kind.size());
    check_lengths(n, {std::size_t(s.size()), std::size_t(k.size()), std::size_t(t.size()), std::size_t(r.size()),
                      std::size_t(q.size()), std::size_t(v.size())});
    static constexpr std::array<const char*, 10> names{"price", "delta", "gamma", "vega", "theta",
                                                       "rho", "dividend_rho", "vanna", "volga", "charm"};
    std::array<py::array_t<double>, 10> out;
    std::array<double*, 10> ptr{};
    for (std::size_t j = 0; j < 10; ++j) {
        out[j] = py::array_t<double>(static_cast<py::ssize_t>(n));
        ptr[j] = out[j].mutable_data();
    }
    std::vector<rtrisk::option_kind> kinds_in(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (kind.data()[i] > 1) throw std::invalid_argument("option kind code " + std::to_string(kind.data()[i]) + " at index " + std::to_string(i));
        kinds_in[i] = static_cast<rtrisk::option_kind>(kind.data()[i]);
    }
    auto span = [&](const vec& v) { return std::span<const double>(v.data(), static_cast<std::size_t>(v.size())); };
    rtrisk::basic_greeks_spans<double> o;
    std::span<double>* fields[10] = {&o.price, &o.delta, &o.gamma, &o.vega, &o.theta, &o.rho, &o.dividend_rho, &o.vanna, &o.volga, &o.charm};
    for (std::size_t j = 0; j < 10; ++j) *fields[j] = std::span<double>(ptr[j], n);
    {
        py::gil_scoped_release release;
        note_gil_state();
        rtrisk::bsm<double>(kinds_in, span(s), span(k), span(t), span(r), span(q), span(v), o);
    }
    py::dict d;
    for (std::size_t j = 0; j < 10; ++j) d[names[j]] = out[j];
    return d;
}

py::tuple implied_vol_arrays(const kinds& kind, py::object price_obj, py::object spot, py::object strike, py::object expiry,
                             py::object rate, py::object dividend, const std::string& solver) {
    const vec price = real_vector(price_obj, "price"), s = real_vector(spot, "spot"), k = real_vector(strike, "strike"),
              t = real_vector(expiry, "expiry"), r = real_vector(rate, "rate"), q = real_vector(dividend, "dividend");
    const auto n = static_cast<std::size_t>(kind.size());
    check_lengths(n, {std::size_t(price.size()), std::size_t(s.size()), std::size_t(k.size()), std::size_t(t.size()),
                      std::size_t(r.size()), std::size_t(q.size())});
    // "simd": the array form (SIMD Newton, the rest by TOMS 748); "toms748" or "newton": one option at a time
    const bool simd = solver == "simd";
    rtrisk::implied_vol_solver sv;
    if (solver == "toms748" || simd) sv = rtrisk::implied_vol_solver::toms748;
    else if (solver == "newton") sv = rtrisk::implied_vol_solver::newton;
    else throw std::invalid_argument("unknown solver '" + solver + "' (expected simd, toms748 or newton)");
    py::array_t<double> vol(static_cast<py::ssize_t>(n));
    py::array_t<std::uint8_t> status(static_cast<py::ssize_t>(n));
    double* vo = vol.mutable_data();
    std::uint8_t* st = status.mutable_data();
    std::vector<rtrisk::option_kind> kinds_in(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (kind.data()[i] > 1) throw std::invalid_argument("option kind code " + std::to_string(kind.data()[i]) + " at index " + std::to_string(i));
        kinds_in[i] = static_cast<rtrisk::option_kind>(kind.data()[i]);
    }
    auto span = [&](const vec& v) { return std::span<const double>(v.data(), static_cast<std::size_t>(v.size())); };
    {
        py::gil_scoped_release release;
        note_gil_state();
        if (simd) {
            std::vector<rtrisk::implied_vol_result> out(n);
            rtrisk::implied_vol<double>(kinds_in, span(price), span(s), span(k), span(t), span(r), span(q), out, sv);
            for (std::size_t i = 0; i < n; ++i) {
                vo[i] = out[i].vol;
                st[i] = static_cast<std::uint8_t>(out[i].status);
            }
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const auto res = rtrisk::implied_vol(kinds_in[i], price.data()[i], s.data()[i], k.data()[i], t.data()[i], r.data()[i], q.data()[i], sv);
                vo[i] = res.vol;
                st[i] = static_cast<std::uint8_t>(res.status);
            }
        }
    }
    return py::make_tuple(vol, status);
}

} // namespace

/// P&L explain (pnl_explain.hpp) of 1-D arrays of holdings: kind 0 call, 1 put, 2 linear; units
/// q m; the rest as explain_option (ignored for linear holdings but the spots).
py::dict pnl_explain_arrays(const kinds& kind, py::object units_obj, py::object spot0, py::object spot1, py::object strike,
                            py::object expiry, py::object years, py::object rate, py::object dividend, py::object vol0,
                            py::object vol1) {
    const vec u = real_vector(units_obj, "quantity"), s0 = real_vector(spot0, "spot_start"), s1 = real_vector(spot1, "spot_end"),
              k = real_vector(strike, "strike"), t = real_vector(expiry, "expiry"), dt = real_vector(years, "years"),
              r = real_vector(rate, "rate"), q = real_vector(dividend, "dividend"), v0 = real_vector(vol0, "vol_start"),
              v1 = real_vector(vol1, "vol_end");
    const auto n = static_cast<std::size_t>(kind.size());
    check_lengths(n, {std::size_t(u.size()), std::size_t(s0.size()), std::size_t(s1.size()), std::size_t(k.size()), std::size_t(t.size()),
                      std::size_t(dt.size()), std::size_t(r.size()), std::size_t(q.size()), std::size_t(v0.size()), std::size_t(v1.size())});
    static constexpr std::array<const char*, 6> names{"actual", "delta", "gamma", "vega", "theta", "unexplained"};
    std::array<py::array_t<double>, 6> out;
    for (auto& a : out) a = py::array_t<double>(static_cast<py::ssize_t>(n));
    std::array<double*, 6> ptr{};
    for (std::size_t j = 0; j < 6; ++j) ptr[j] = out[j].mutable_data();
    {
        py::gil_scoped_release release;
        note_gil_state();
        for (std::size_t i = 0; i < n; ++i) {
            const auto code = kind.data()[i];
            rtrisk::pnl_explain e;
            try {
                const auto at = [i](const vec& a) { return a.data()[i]; };
                if (code == 2) e = rtrisk::explain_linear(at(u), at(s0), at(s1));
                else if (code <= 1)
                    e = rtrisk::explain_option(static_cast<rtrisk::option_kind>(code), at(u), at(s0), at(s1), at(k), at(t), at(dt), at(r), at(q),
                                               at(v0), at(v1));
                else throw std::invalid_argument("kind code " + std::to_string(code));
            } catch (const std::invalid_argument& x) {
                throw std::invalid_argument("position " + std::to_string(i) + ": " + x.what());
            }
            const double f[6] = {e.actual, e.delta, e.gamma, e.vega, e.theta, e.unexplained};
            for (std::size_t j = 0; j < 6; ++j) ptr[j][i] = f[j];
        }
    }
    py::dict d;
    for (std::size_t j = 0; j < 6; ++j) d[names[j]] = out[j];
    return d;
}

void bind_greeks(py::module_& m) {
    m.def("pnl_explain_arrays", &pnl_explain_arrays, "P&L explain of 1-D arrays of holdings (kind 0 call, 1 put, 2 linear).");
    m.def("bsm_arrays", &bsm_arrays, "Price and Greeks of 1-D arrays of options (kind 0 = call, 1 = put).");
    m.def("implied_vol_arrays", &implied_vol_arrays, "Implied vols and status codes of 1-D arrays of options.");
    py::list statuses;
    for (auto s : {rtrisk::implied_vol_status::success, rtrisk::implied_vol_status::below_intrinsic,
                   rtrisk::implied_vol_status::above_upper_bound, rtrisk::implied_vol_status::at_intrinsic,
                   rtrisk::implied_vol_status::not_converged})
        statuses.append(rtrisk::to_string(s));
    m.attr("implied_vol_statuses") = statuses;
}

} // namespace rtrisk_py
