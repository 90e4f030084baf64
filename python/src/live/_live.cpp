// rtrisk._live: the live stack's C++ engine for Python (private; use rtrisk.service and
// rtrisk.live). It binds what the C++ server runs, not a copy of it: the option parser, the risk
// service (book, tick sources, engine thread, history store, Kafka), the publications and each
// client's stream (wire/client_stream.hpp), the access policy, the client message parser, the
// static folder guard and /api/history. The Python service only moves bytes between these and
// its sockets. Every call that waits or computes releases the GIL.
#include "../bindings.hpp"

#include <condition_variable>
#include <cstdlib>
#include <limits>
#include <deque>
#include <mutex>

#include "app/risk_service.hpp"
#include "sources/file_replay.hpp"
#include "http/access_policy.hpp"
#include "http/allowed_methods.hpp"
#include "http/request_target.hpp"
#include "http/security_headers.hpp"
#include "http/server_limits.hpp"
#include "http/static_files.hpp"
#include "wire/client_message.hpp"
#include "wire/client_stream.hpp"

namespace live = rtrisk_live;

namespace {

/// Publications handed from the engine thread to Python: a bounded queue; when Python falls
/// behind the oldest are dropped (clients then get a catch-up delta or a snapshot, as from a
/// conflated session).
class publication_queue : public live::sink {
public:
    static constexpr std::size_t depth = 64;
    void consume(const live::publication_ptr& p) override {
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(p);
            if (m_queue.size() > depth) m_queue.pop_front();
        }
        m_ready.notify_one();
    }
    live::publication_ptr next(double timeout_s) {
        std::unique_lock lock(m_mutex);
        m_ready.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return !m_queue.empty() || m_closed; });
        if (m_queue.empty()) return nullptr;
        auto p = std::move(m_queue.front());
        m_queue.pop_front();
        return p;
    }
    void close() {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_ready.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<live::publication_ptr> m_queue;
    bool m_closed = false;
};

/// The service as Python holds it: the risk service, its publication queue, and the state
/// the transport shares (the feed of the latest and recent publications).
struct service {
    live::server_config cfg;
    std::unique_ptr<live::risk_service> svc;
    publication_queue queue;
    std::unique_ptr<live::publication_feed> feed;
    std::string fatal;
    std::mutex fatal_mutex;

    service(live::server_config c) : cfg(std::move(c)) {
        svc = std::make_unique<live::risk_service>(cfg, live::make_instance_id());
        feed = std::make_unique<live::publication_feed>(svc->instance());
    }
    ~service() { stop(); }
    void stop() {
        queue.close();
        if (svc) svc->stop();
    }
};

std::vector<std::string> argv_strings(const std::vector<std::string>& args) {
    std::vector<std::string> out{"rtrisk serve"};
    out.insert(out.end(), args.begin(), args.end());
    return out;
}

std::optional<live::server_config> parse(const std::vector<std::string>& args) {
    const auto a = argv_strings(args);
    std::vector<const char*> argv;
    for (const auto& s : a) argv.push_back(s.c_str());
    return live::parse_server_options(static_cast<int>(argv.size()), argv.data());
}

py::bytes as_bytes(const std::string& s) { return py::bytes(s.data(), s.size()); }

/// An HTTP answer for Python: (status, body, is JSON, retry after 1 s).
py::tuple answer_tuple(const live::http_answer& a) { return py::make_tuple(a.status, as_bytes(a.body), a.json, a.retry_after); }

/// Calls a service method that waits (for the engine thread or the database) with the GIL released.
template <class Call>
py::tuple waiting(Call call) {
    live::http_answer a;
    {
        py::gil_scoped_release nogil;
        a = call();
    }
    return answer_tuple(a);
}

/// The notebook's engine: the live engine over a book, fed from Python. Its methods release the
/// GIL, so each holds the engine's mutex: two Python threads never touch it at once.
struct notebook_engine {
    live::engine eng;
    mutable std::mutex mutex;
    explicit notebook_engine(const live::server_config& c) : eng(live::load_book(c.book, c.market)) {}
};

std::uint32_t instrument(const live::engine& e, const std::string& symbol, std::size_t row) {
    const auto it = e.symbol_index().find(symbol);
    if (it == e.symbol_index().end()) throw std::invalid_argument("row " + std::to_string(row) + ": unknown symbol '" + symbol.substr(0, 64) + "'");
    return it->second;
}

/// The current unit price of a contract: the spot of a linear one, the model price of an option.
double unit_price(const live::engine& e, std::uint32_t c) {
    const auto& st = e.state();
    const auto& k = st.contracts()[c];
    return k.is_option ? st.unit_greeks(c).price : st.spots()[k.underlying];
}

py::dict node_columns(const live::risk_snapshot& s) {
    std::vector<std::string> path, parent;
    std::vector<std::size_t> depth, count;
    std::vector<double> pnl, var, es, gross, delta, vega, theta, value, comp;
    for (const auto& n : s.nodes) {
        path.push_back(n.path);
        parent.push_back(n.parent);
        depth.push_back(n.depth);
        count.push_back(n.positions_count);
        pnl.push_back(n.pnl);
        var.push_back(n.var_99);
        es.push_back(n.es_975);
        gross.push_back(n.gross_exposure);
        delta.push_back(n.net_delta);
        vega.push_back(n.vega);
        theta.push_back(n.theta);
        value.push_back(n.market_value);
        comp.push_back(n.component_var);
    }
    py::dict d;
    d["path"] = path;
    d["parent"] = parent;
    d["depth"] = depth;
    d["positions"] = count;
    d["market_value"] = value;
    d["pnl"] = pnl;
    d["var_99"] = var;
    d["es_975"] = es;
    d["gross_exposure"] = gross;
    d["net_delta"] = delta;
    d["vega"] = vega;
    d["theta"] = theta;
    d["component_var"] = comp;
    return d;
}

} // namespace

PYBIND11_MODULE(_live, m) {
    m.doc() = "rtrisk live engine and service internals (private; use rtrisk.service and rtrisk.live)";
    static py::exception<live::usage_error> usage(m, "UsageError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const live::usage_error& e) {
            usage(e.what());
        } catch (const std::out_of_range& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        }
    });

    py::class_<live::server_config>(m, "Options", "A parsed rtrisk_live command line (rtrisk_live --help)")
        .def_readonly("bind", &live::server_config::bind)
        .def_readonly("port", &live::server_config::port)
        .def_readonly("static_dir", &live::server_config::static_dir)
        .def_readonly("token", &live::server_config::token)
        .def_readonly("max_message", &live::server_config::max_message)
        .def_readonly("slow_timeout_ms", &live::server_config::slow_timeout_ms)
        .def_readonly("heartbeat_ms", &live::server_config::heartbeat_ms)
        .def_readonly("sndbuf", &live::server_config::sndbuf)
        .def_readonly("max_queued_bytes", &live::server_config::max_queued_bytes)
        .def_readonly("max_connections", &live::server_config::max_connections)
        .def_readonly("io_threads", &live::server_config::io_threads)
        .def_readonly("deflate", &live::server_config::deflate)
        .def_readonly("low_latency", &live::server_config::low_latency)
        .def_readonly("once", &live::server_config::once)
        .def_readonly("publish_hz", &live::server_config::publish_hz)
        .def_readonly("allowed_hosts", &live::server_config::allowed_hosts)
        .def_readonly("allowed_origins", &live::server_config::allowed_origins);

    m.def("parse_options", &parse, py::arg("args"),
          "Parses rtrisk_live's options (the same parser): an Options, or None after printing --help. Raises UsageError naming the flag.");
    m.def("once_report", [](const live::server_config& c) {
        py::gil_scoped_release nogil;
        return live::once_report(c).dump();
    }, "The --once report as JSON text; ValueError for a refused tick line.");
    m.def("parse_client_message", [](std::string_view text) -> py::tuple {
        const auto r = live::parse_client_message(text);
        if (const auto* e = std::get_if<live::client_message_error>(&r)) return py::make_tuple(py::none(), e->close_code, e->reason);
        return py::make_tuple(std::get<live::client_request>(r) == live::client_request::resync ? "resync" : "ping", 0, "");
    }, "(request or None, close code, reason) for one text message of a client.");
    m.attr("CLOSE_UNSUPPORTED_DATA") = live::close_unsupported_data;
    m.attr("CLOSE_BAD_JSON") = live::close_bad_json;
    m.attr("CLOSE_POLICY") = live::close_policy;
    m.attr("CLOSE_TOO_BIG") = live::close_too_big;
    m.attr("CLOSE_SLOW_CONSUMER") = live::close_slow_consumer;
    std::vector<std::pair<std::string, std::string>> headers(live::security_headers.begin(), live::security_headers.end());
    m.attr("SECURITY_HEADERS") = headers;
    m.attr("MAX_TARGET_BYTES") = live::max_target_length;
    m.attr("MAX_HEADER_BYTES") = live::max_header_bytes;
    m.attr("MAX_STATIC_FILE_BYTES") = live::max_static_file_bytes;
    m.attr("MAX_BODY_BYTES") = live::max_body_bytes;
    m.def("allowed_methods", [](std::string_view path) { return std::string(live::allowed_methods(path)); }, py::arg("path"),
          "The methods a path answers to, as 405's Allow field");
    m.attr("CONNECTION_RESERVE") = live::connection_reserve;
    m.attr("DEFLATE_RAW_SUBPROTOCOL") = std::string(live::deflate_raw_subprotocol);
    m.def("requested_framing_is_deflate_raw", [](std::string_view protocols) { return live::requested_framing(protocols) == live::framing::deflate_raw; },
          py::arg("protocols"), "Whether a Sec-WebSocket-Protocol field (its lines joined by commas) asks for rtrisk.deflate-raw");
    m.attr("HEADER_TIMEOUT_S") = std::chrono::duration<double>(live::header_timeout).count();
    m.attr("PING_INTERVAL_S") = std::chrono::duration<double>(live::ping_interval).count();
    m.attr("MAX_BODY_BYTES") = live::max_body_bytes;
    m.def("mime_type", [](std::string_view path) { return std::string(live::mime_type(path)); });

    py::class_<live::request_target>(m, "RequestTarget")
        .def_readonly("segments", &live::request_target::segments)
        .def_readonly("authority", &live::request_target::authority)
        .def_property_readonly("path", &live::request_target::path)
        .def("param", &live::request_target::param);
    m.def("parse_request_target", [](std::string_view raw) -> py::object {
        try {
            return py::cast(live::parse_request_target(raw));
        } catch (const live::bad_target& e) {
            return py::make_tuple(e.status(), std::string(e.what()));
        }
    }, "A RequestTarget, or (status, message) for a target the server refuses (400, 414).");

    py::class_<live::access_policy>(m, "AccessPolicy", "Host, Origin and token checks (docs/security.md)")
        .def(py::init([](const live::server_config& c, unsigned port) {
            return live::access_policy(c.bind, port, c.allowed_hosts, c.allowed_origins, c.token);
        }), py::arg("options"), py::arg("port"))
        .def("host_allowed", &live::access_policy::host_allowed, py::arg("host"), py::arg("http11"))
        .def("origin_allowed", &live::access_policy::origin_allowed, py::arg("origin"), py::arg("host"))
        .def("token_ok", [](const live::access_policy& p, std::string_view authorization, std::optional<std::string> token) {
            return p.token_ok(authorization, token ? &*token : nullptr);
        }, py::arg("authorization"), py::arg("query_token"));

    py::class_<live::static_root>(m, "StaticRoot", "The dashboard's folder: only regular files inside it, symlinks resolved")
        .def(py::init([](const std::string& dir) { return live::static_root(dir); }))
        .def_property_readonly("empty", [](const live::static_root& r) { return r.root().empty(); })
        .def("resolve", [](const live::static_root& r, const live::request_target& t) -> std::optional<std::string> {
            auto f = r.resolve(t);
            if (!f) return std::nullopt;
            return f->string();
        })
        .def("resolve_encoded", [](const live::static_root& r, const live::request_target& t, const std::string& accept_encoding)
                 -> std::optional<std::tuple<std::string, std::string, std::string, bool>> {
            auto f = r.resolve(t, accept_encoding);
            if (!f) return std::nullopt;
            return std::tuple(f->path.string(), std::string(f->type), std::string(f->encoding), f->has_variants);
        }, py::arg("target"), py::arg("accept_encoding"),
           "(path, content type, content encoding or '', has encoded variants) of the file to send, the precompressed one the request accepts when there is one");

    py::class_<live::publication, std::shared_ptr<live::publication>>(m, "Publication")
        .def_readonly("version", &live::publication::version)
        .def_readonly("event_time_us", &live::publication::event_time_us)
        .def_property_readonly("risk_body", [](const live::publication& p) { return as_bytes(p.risk_body.get()); });

    py::class_<service>(m, "Service", "The risk service of a parsed command line: book, tick source, engine thread, history, Kafka")
        .def(py::init([](const live::server_config& c) {
            py::gil_scoped_release nogil;
            try {
                return new service(c);
            } catch (const std::exception& e) { // a file or Kafka setting that cannot be used
                throw std::invalid_argument(e.what());
            }
        }), py::arg("options"))
        .def_property_readonly("instance", [](const service& s) { return s.svc->instance(); })
        .def_property_readonly("feed", [](const service& s) { return s.svc->feed(); })
        .def("start", [](service& s) {
            s.svc->start({&s.queue}, [&s](const std::string& why) {
                {
                    std::lock_guard lock(s.fatal_mutex);
                    s.fatal = why;
                }
                s.queue.close();
            });
        })
        .def("stop", [](service& s) {
            py::gil_scoped_release nogil;
            s.stop();
        })
        .def_property_readonly("fatal", [](service& s) {
            std::lock_guard lock(s.fatal_mutex);
            return s.fatal;
        })
        .def("next_publication", [](service& s, double timeout) -> std::shared_ptr<const live::publication> {
            live::publication_ptr p;
            {
                py::gil_scoped_release nogil;
                p = s.queue.next(timeout);
            }
            if (p) {
                s.feed->publish(p);
                s.svc->stats().publications_total++;
            }
            return p;
        }, py::arg("timeout"), "The next publication (now the feed's latest), or None after `timeout` s or once stopped. Releases the GIL while waiting.")
        .def_property_readonly("latest", [](const service& s) -> std::shared_ptr<const live::publication> { return s.feed->latest(); })
        .def("metrics_text", [](service& s) { return s.svc->stats().prometheus(s.svc->instance()); })
        .def("count", [](service& s, const std::string& name, std::uint64_t n) {
            auto& mt = s.svc->stats();
            std::atomic<std::uint64_t>* c = name == "bad_messages" ? &mt.bad_messages_total
                                            : name == "rejected_upgrades" ? &mt.rejected_upgrades_total
                                            : name == "bad_requests" ? &mt.bad_requests_total
                                            : name == "rejected_hosts" ? &mt.rejected_hosts_total
                                            : name == "slow_disconnects" ? &mt.slow_disconnects_total
                                            : name == "internal_errors" ? &mt.internal_errors_total
                                            : nullptr;
            if (!c) throw std::invalid_argument("no transport counter '" + name + "'");
            *c += n;
        }, py::arg("name"), py::arg("n") = 1)
        .def("set_gauges", [](service& s, std::uint64_t clients, std::uint64_t connections) {
            s.svc->stats().clients = clients;
            s.svc->stats().connections = connections;
        }, py::arg("clients"), py::arg("connections"))
        .def("client_ready", [](service& s) { s.svc->client_ready().store(true, std::memory_order_relaxed); })
        .def("log", [](service& s, const std::string& line) { s.svc->log().write(line); })
        .def("history", [](service& s, const live::request_target& t) -> py::tuple {
            live::http_answer a;
            try {
                const auto q = live::parse_history_request(t, live::now_us());
                const bool published = s.feed->latest() != nullptr;
                py::gil_scoped_release nogil;
                a = s.svc->history(q, published);
            } catch (const live::bad_history_request& e) {
                s.svc->stats().bad_requests_total++;
                a = {400, std::string(e.what()) + "\n"};
            }
            return answer_tuple(a);
        }, "GET /api/history: (status, body, is JSON, retry after 1 s). Waits for the database with the GIL released.")
        .def("what_if", [](service& s, std::string body) { return waiting([&] { return s.svc->what_if(body); }); }, py::arg("body"), "POST /api/whatif: (status, body, is JSON, retry after 1 s). Waits for the engine thread with the GIL released.")
        .def("node", [](service& s, const live::request_target& t) { return waiting([&] { return s.svc->node(t); }); }, py::arg("target"), "GET /api/node: (status, body, is JSON, retry after 1 s). Waits for the engine thread with the GIL released.")
        .def("backtest", [](service& s, const live::request_target& t) { return waiting([&] { return s.svc->backtest(t); }); }, py::arg("target"), "GET /api/backtest: (status, body, is JSON, retry after 1 s). Waits for the engine thread with the GIL released.")
        .def("limits", [](service& s) { return answer_tuple(s.svc->limits()); }, "GET /api/limits: (status, body, is JSON, retry after 1 s)")
        .def("set_limits", [](service& s, std::string body) { return waiting([&] { return s.svc->set_limits(body); }); }, py::arg("body"), "POST /api/limits (the token checked by the caller): (status, body, is JSON, retry after 1 s).");

    // Messages go to Python as (bytes, binary): a binary frame holds raw DEFLATE (framing deflate_raw).
    auto message = [](std::optional<live::outgoing_message> msg) -> std::optional<py::tuple> {
        if (!msg) return std::nullopt;
        return py::make_tuple(as_bytes(*msg->text), msg->binary);
    };
    py::class_<live::client_stream>(m, "ClientStream", "What one /ws/risk client is sent (wire/client_stream.hpp); each message is (bytes, binary)")
        .def(py::init([](service& s, bool deflate_raw) {
            return new live::client_stream(*s.feed, s.svc->stats(), deflate_raw ? live::framing::deflate_raw : live::framing::text);
        }), py::arg("service"), py::arg("deflate_raw") = false, py::keep_alive<1, 2>())
        .def("offer", [message](live::client_stream& c, const std::shared_ptr<const live::publication>& p) { return message(c.offer(p)); })
        .def("resync", [message](live::client_stream& c) { return message(c.resync()); })
        .def("written", [message](live::client_stream& c) { return message(c.written()); })
        .def("heartbeat", [message](live::client_stream& c) { return message(c.heartbeat(live::now_us())); })
        .def("close", &live::client_stream::close)
        .def_property_readonly("ready", &live::client_stream::ready)
        .def_property_readonly("writing", &live::client_stream::writing);

    py::class_<notebook_engine>(m, "Engine", "The live engine over a book, driven from Python (rtrisk.live.Engine)")
        .def(py::init([](const live::server_config& c) {
            py::gil_scoped_release nogil;
            try {
                return new notebook_engine(c);
            } catch (const std::exception& e) { // a book file that cannot be used
                throw std::invalid_argument(e.what());
            }
        }), py::arg("options"))
        .def_property_readonly("symbols", [](const notebook_engine& e) {
            std::vector<std::string> out;
            for (const auto& k : e.eng.state().contracts()) out.push_back(k.symbol);
            return out;
        })
        .def_property_readonly("ticks", [](const notebook_engine& e) {
            py::gil_scoped_release nogil;
            std::lock_guard lock(e.mutex);
            return e.eng.ticks();
        })
        .def("apply", [](notebook_engine& e, const std::vector<std::string>& symbols, const std::vector<double>& prices,
                         const std::vector<double>& quantities, const std::vector<std::string>& nodes, const std::vector<std::int64_t>& times) {
            const auto n = symbols.size();
            if (prices.size() != n || quantities.size() != n || nodes.size() != n || times.size() != n) throw std::invalid_argument("columns of different lengths");
            std::vector<live::tick> ticks(n);
            for (std::size_t i = 0; i < n; ++i) {
                auto& t = ticks[i];
                t.instrument = instrument(e.eng, symbols[i], i);
                t.price = prices[i];
                t.quantity = quantities[i];
                t.node = nodes[i];
                t.event_time_us = times[i];
                t.origin = i;
            }
            py::gil_scoped_release nogil;
            std::lock_guard lock(e.mutex);
            std::size_t i = 0;
            try {
                for (; i < n; ++i) {
                    auto& t = ticks[i];
                    if (std::isnan(t.price) && t.quantity != 0) { // a trade at the current price, as of this row: it moves no price
                        t.price = unit_price(e.eng, t.instrument);
                        t.sets_spot = false;
                    }
                    e.eng.apply(t);
                }
            } catch (const std::exception& ex) {
                throw std::invalid_argument("row " + std::to_string(i) + " (" + symbols[i].substr(0, 64) + "): " + ex.what() +
                                            (i == 0 ? std::string("; no row was applied") : "; rows 0 to " + std::to_string(i - 1) + " were applied"));
            }
            return n;
        }, py::arg("symbols"), py::arg("prices"), py::arg("quantities"), py::arg("nodes"), py::arg("times"))
        .def("replay", [](notebook_engine& e, const std::string& path) {
            py::gil_scoped_release nogil;
            std::lock_guard lock(e.mutex);
            std::optional<live::file_source> f;
            try {
                f.emplace(path, e.eng.symbol_index());
            } catch (const std::exception& ex) {
                throw std::invalid_argument(ex.what());
            }
            std::vector<live::tick> batch;
            std::vector<std::string> why;
            std::size_t applied = 0;
            const auto applied_before = [&] { return "; " + std::to_string(applied) + " lines were applied before it"; };
            for (bool more = true; more;) {
                batch.clear();
                why.clear();
                more = f->next(batch, 8192);
                // the earliest line the parser refused in this batch: ticks after it are not applied
                std::uint64_t first_bad = std::numeric_limits<std::uint64_t>::max();
                if (f->take_rejects(why) && !why.empty()) {
                    const auto at = why.front().find(':', path.size());
                    first_bad = std::strtoull(why.front().c_str() + at + 1, nullptr, 10);
                }
                for (const auto& t : batch) {
                    if (t.origin > first_bad) break;
                    try {
                        e.eng.apply(t);
                    } catch (const std::exception& ex) {
                        throw std::invalid_argument(f->where(t) + ": " + ex.what() + applied_before());
                    }
                    ++applied;
                }
                if (first_bad != std::numeric_limits<std::uint64_t>::max()) throw std::invalid_argument(why.front() + applied_before());
            }
            return applied;
        }, py::arg("path"), "Applies a tick file (the --ticks format, docs/protocol.md) in order; ValueError at the first refused line, naming FILE:LINE.")
        .def("nodes", [](const notebook_engine& e) {
            live::risk_snapshot s;
            {
                py::gil_scoped_release nogil;
                std::lock_guard lock(e.mutex);
                s = e.eng.snapshot();
            }
            return node_columns(s);
        })
        .def("report", [](const notebook_engine& e) {
            py::gil_scoped_release nogil;
            std::lock_guard lock(e.mutex);
            return live::risk_report(e.eng.snapshot()).dump();
        })
        .def("positions", [](const notebook_engine& e) {
            live::risk_snapshot s;
            {
                py::gil_scoped_release nogil;
                std::lock_guard lock(e.mutex);
                s = e.eng.snapshot({true, false, false});
            }
            std::vector<std::string> node, symbol, kind;
            std::vector<double> quantity, price, value, pnl, delta, comp;
            for (const auto& p : *s.positions) {
                node.push_back(p.node);
                symbol.push_back(p.symbol);
                kind.push_back(p.type);
                quantity.push_back(p.quantity);
                price.push_back(p.price);
                value.push_back(p.market_value);
                pnl.push_back(p.pnl);
                delta.push_back(p.delta);
                comp.push_back(p.component_var);
            }
            py::dict d;
            d["node"] = node;
            d["symbol"] = symbol;
            d["type"] = kind;
            d["quantity"] = quantity;
            d["price"] = price;
            d["market_value"] = value;
            d["pnl"] = pnl;
            d["dollar_delta"] = delta;
            d["component_var"] = comp;
            return d;
        })
        .def("what_if", [](const notebook_engine& e, const std::vector<std::string>& nodes, const std::vector<std::string>& symbols,
                           const std::vector<double>& quantities, const std::vector<double>& prices) {
            const auto n = symbols.size();
            if (prices.size() != n || quantities.size() != n || nodes.size() != n) throw std::invalid_argument("columns of different lengths");
            std::vector<live::what_if_trade> trades(n);
            for (std::size_t i = 0; i < n; ++i) {
                trades[i] = {nodes[i], symbols[i], quantities[i], std::isnan(prices[i]) ? std::nullopt : std::optional<double>(prices[i])};
            }
            std::vector<live::what_if_node> out;
            {
                py::gil_scoped_release nogil;
                std::lock_guard lock(e.mutex);
                out = e.eng.what_if(trades); // O(T) per trade from the live state (engine.hpp)
            }
            py::dict d;
            const auto column = [&](const char* name, auto field) {
                std::vector<std::decay_t<decltype(field(out[0]))>> c;
                for (const auto& r : out) c.push_back(field(r));
                d[name] = c;
            };
            std::vector<std::string> path;
            for (const auto& r : out) path.push_back(r.path);
            d["path"] = path;
            if (out.empty()) return d;
            column("exists", [](const live::what_if_node& r) { return r.exists; });
            column("var_99_before", [](const live::what_if_node& r) { return r.var_99_before; });
            column("var_99_after", [](const live::what_if_node& r) { return r.var_99_after; });
            column("es_975_before", [](const live::what_if_node& r) { return r.es_975_before; });
            column("es_975_after", [](const live::what_if_node& r) { return r.es_975_after; });
            column("gross_exposure_before", [](const live::what_if_node& r) { return r.gross_exposure_before; });
            column("gross_exposure_after", [](const live::what_if_node& r) { return r.gross_exposure_after; });
            column("net_delta_before", [](const live::what_if_node& r) { return r.net_delta_before; });
            column("net_delta_after", [](const live::what_if_node& r) { return r.net_delta_after; });
            column("vega_before", [](const live::what_if_node& r) { return r.vega_before; });
            column("vega_after", [](const live::what_if_node& r) { return r.vega_after; });
            column("pnl_before", [](const live::what_if_node& r) { return r.pnl_before; });
            column("pnl_after", [](const live::what_if_node& r) { return r.pnl_after; });
            return d;
        }, py::arg("nodes"), py::arg("symbols"), py::arg("quantities"), py::arg("prices"),
           "VaR 99, ES 97.5, gross exposure, net delta, vega and P&L before and after the trades, for every node they touch up to the root, deepest first; the book is not changed.");
}
