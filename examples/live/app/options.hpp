#pragma once
// rtrisk_live's command line (CLI11): every option is parsed strictly and range-checked, and
// every refusal names the flag and the value. main() prints usage_error and exits with status 2.

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../../common/parse_number.hpp"
#include "../engine/book_files.hpp"
#include "../sources/tick_line.hpp"
#include "../http/access_policy.hpp"
#include "../kafka/kafka_settings.hpp"
#include "../store/history_settings.hpp"
#include "../store/pg.hpp"

namespace rtrisk_live {

struct server_config {
    std::string bind = "127.0.0.1";
    unsigned short port = 8080;
    std::string static_dir = "web/dist";
    double rate = 10000;
    double publish_hz = 10;
    double positions_hz = 2;
    std::string ticks_file;
    std::string token;
    std::vector<std::string> allowed_origins;
    std::vector<std::string> allowed_hosts;
    std::size_t max_message = 4096;
    int slow_timeout_ms = 10000;
    int heartbeat_ms = 5000;
    int sndbuf = 0;
    std::size_t max_queued_bytes = 8u << 20;
    int max_connections = 0; ///< 0: the open-file limit minus a reserve
    int io_threads = 0;      ///< network threads; 0: one per hardware thread (rtrisk serve: one event loop)
    bool deflate = true;
    bool low_latency = false;
    bool once = false;           ///< print the risk report and exit
    book_files book;             ///< positions, history, proxies, scenarios
    market_parameters market;
    double market_speed = 0.1;   ///< simulated trading days per second of wall time
    int history_points = 600;    ///< rolling chart history in publications (50 s at 10 Hz with the 2 Hz refreshes)
    std::uint64_t seed = 7;
    kafka::settings kafka;       ///< brokers empty: no Kafka
    bool aggregate = false;      ///< serve the sum of the engines' vectors (docs/scaling.md)
    history_settings history;    ///< url empty: history in memory only (docs/history.md)
    std::string limits_file;     ///< empty: no limits file (docs/limits.md)
};

/// A bad command line; main() prints it and exits with status 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace detail {
template <class T>
T parse_option(const std::string& flag, const std::string& text, T lo, T hi, const char* range) {
    const auto v = rtrisk_examples::parse_number<T>(text);
    if (!v || *v < lo || *v > hi) throw usage_error(flag + ": '" + excerpt(text) + "' is not a number in " + range);
    return *v;
}

inline bool valid_origin(const std::string& o) {
    for (const char* scheme : {"http://", "https://"}) {
        const std::string s(scheme);
        if (o.rfind(s, 0) == 0) return parse_host(std::string_view(o).substr(s.size())).valid;
    }
    return false;
}
} // namespace detail

/// Parses argv; throws usage_error. Returns nullopt after printing --help.
inline std::optional<server_config> parse_server_options(int argc, const char* const* argv) {
    server_config c;
    CLI::App app{"rtrisk_live: streaming risk engine, WebSocket server and dashboard (docs/protocol.md, docs/security.md)",
                 "rtrisk_live"};
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast); // a later flag wins, as scripts/run relies on
    std::string port, rate, publish_hz, positions_hz, scenarios, max_message, slow, heartbeat, sndbuf, queued, max_conn, io_threads;
    std::string asof, risk_free, speed;
    std::vector<std::string> dividends;
    app.add_option("--port", port, "TCP port, 0 for any free one [default 8080]");
    app.add_option("--bind", c.bind, "IP address to listen on [default 127.0.0.1]");
    app.add_option("--static", c.static_dir, "folder of the built dashboard [default web/dist]");
    app.add_option("--rate", rate, "simulated ticks per second, 0 unthrottled, at most 1e8 [default 10000]");
    app.add_option("--publish-hz", publish_hz, "publications per second, in (0, 1000] [default 10]");
    app.add_option("--positions-hz", positions_hz, "positions table refreshes per second, in (0, --publish-hz] [default 2]");
    app.add_option("--ticks", c.ticks_file, "replay ticks from this file instead of simulating")->check(CLI::ExistingFile);
    app.set_config("--config", "", "read options from this TOML file (e.g. data/demo.toml); later flags win");
    app.allow_config_extras(CLI::config_extras_mode::error); // a misspelt key is an error, not a silently ignored option
    app.add_option("--book", c.book.positions, "positions file, CSV or JSON Lines (docs/book.md) [required]")->check(CLI::ExistingFile);
    app.add_option("--history", c.book.history, "price history CSV: a label column, then one price column per symbol [required]")
        ->check(CLI::ExistingFile);
    app.add_option("--proxies", c.book.proxies, "symbols without history: CSV symbol,proxy,beta[,price] (docs/book.md)")->check(CLI::ExistingFile);
    app.add_option("--asof", asof, "valuation date, YYYY-MM-DD [default today, UTC]");
    app.add_option("--risk-free-rate", risk_free, "risk-free rate per year, continuously compounded, in [-1, 1] [default 0]");
    app.add_option("--dividend", dividends, "dividend yield of an underlying, SYMBOL=YIELD in [-1, 1], repeatable [default 0]")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--scenarios", scenarios, "historical scenarios: the last N daily returns, in [100, 100000] [default 500, or all of a shorter history]");
    app.add_option("--market-speed", speed, "simulated trading days per second, in (0, 1000] [default 0.1]");
    app.add_option("--limits", c.limits_file, "risk limits per node, CSV node,measure,limit (docs/limits.md); created when limits are edited with --token");
    app.add_flag("--once", c.once, "load the book, print its risk per node as JSON, exit");
    app.add_option("--token", c.token, "require this bearer token (1 to 512 visible ASCII characters)");
    app.add_option("--allow-origin", c.allowed_origins, "also accept WebSocket upgrades from this origin (scheme://host[:port])")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--allow-host", c.allowed_hosts, "also answer to this host name, without a port (DNS rebinding defence)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--max-message", max_message, "largest client message in bytes, in [64, 16777216] [default 4096]");
    app.add_option("--slow-timeout-ms", slow, "close a client that has not taken data for this long, in [100, 3600000] [default 10000]");
    app.add_option("--heartbeat-ms", heartbeat, "heartbeat after this much silence, in [100, 3600000] [default 5000]");
    app.add_option("--sndbuf", sndbuf, "socket send buffer in bytes, 0 for the kernel's, else in [4096, 67108864] [default 0]");
    app.add_option("--max-queued-bytes", queued, "close a client that lags by more bytes than this, in [65536, 1073741824] [default 8388608]");
    app.add_option("--max-connections", max_conn, "open connections at most, 0 for the open-file limit minus 64, else in [1, 1000000] [default 0]");
    app.add_option("--io-threads", io_threads, "network threads, connections spread over them (rtrisk_live; rtrisk serve has one event loop and takes only 1), 0 for one per hardware thread, else in [1, 64] [default 0]");
    app.add_flag("--no-deflate", [&](std::int64_t) { c.deflate = false; }, "do not offer permessage-deflate");
    app.add_flag("--low-latency", c.low_latency, "publish as soon as a client is ready (a few clients)");
    std::string trade_ids;
    std::vector<std::string> kafka_props;
    app.add_option("--kafka", c.kafka.brokers, "consume ticks and trades from these Kafka brokers (host:port,...); 'mock': an in-process mock cluster fed by the simulator");
    app.add_option("--kafka-group", c.kafka.group, "consumer group of the engines sharing the trades partitions [default rtrisk]");
    app.add_option("--engine-id", c.kafka.engine_id, "this engine's stable name within the group (its ticks group is GROUP.ticks.ID) [default 0]");
    app.add_option("--ticks-topic", c.kafka.ticks_topic, "[default ticks]");
    app.add_option("--trades-topic", c.kafka.trades_topic, "[default trades]");
    app.add_option("--dead-letter-topic", c.kafka.dead_letter_topic, "refused messages go here [default rtrisk.dead-letter]");
    app.add_option("--risk-topic", c.kafka.risk_topic, "per-node figures, keyed by node path; '' for none [default risk]");
    app.add_option("--alerts-topic", c.kafka.alerts_topic, "limit breaches and clearings (docs/limits.md), keyed by node path; '' for none [default risk.alerts]");
    app.add_option("--vectors-topic", c.kafka.vectors_topic, "scale-out: publish this engine's scenario P&L vectors per trades partition here (docs/scaling.md)");
    app.add_option("--trades-partitioner", c.kafka.trades_partitioner, "how the trading system keys trades to partitions by node path: murmur2 (Java clients) or consistent (librdkafka's default, CRC32) [default murmur2]")
        ->check(CLI::IsMember({"murmur2", "consistent"}));
    app.add_option("--trade-ids", trade_ids, "trade ids remembered for de-duplication, in [0, 100000000] [default 1000000]");
    app.add_option("--kafka-property", kafka_props, "a librdkafka property KEY=VALUE for every client, repeatable")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_flag("--aggregate", c.aggregate, "scale-out aggregator: serve the firm's risk summed from --vectors-topic (needs --kafka; no book files)");
    bool no_db = false;
    std::string db_queue, db_positions, db_retention, db_refresh;
    app.add_option("--db", c.history.url, "write the risk history to this PostgreSQL database (libpq URL, e.g. postgresql://user@host/db) and serve /api/history from it (docs/history.md)");
    app.add_flag("--no-db", no_db, "keep the history in memory only (the default of rtrisk_live; scripts/run starts a database unless given this)");
    app.add_option("--db-journal", c.history.journal, "journal file for rows the database has not taken yet [default rtrisk_history.journal]");
    app.add_option("--db-queue-rows", db_queue, "rows queued for the database writer at most, in [1000, 100000000] [default 1000000]");
    app.add_option("--db-positions-every", db_positions, "seconds between writes of the leaf positions, in [0, 86400] [default 1]");
    app.add_option("--db-retention-days", db_retention, "native storage: days of daily partitions kept, in [1, 36600] [default 30]");
    app.add_option("--db-refresh-seconds", db_refresh, "native storage: refresh the 1-minute bars this often (the 1-hour bars 10 times less), in [1, 86400] [default 60]");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw usage_error(e.what());
    }
    using detail::parse_option;
    if (app.count("--port")) c.port = static_cast<unsigned short>(parse_option<int>("--port", port, 0, 65535, "[0, 65535]"));
    if (app.count("--rate")) c.rate = parse_option<double>("--rate", rate, 0, 1e8, "[0, 1e8]");
    if (app.count("--publish-hz")) {
        c.publish_hz = parse_option<double>("--publish-hz", publish_hz, 0, 1000, "(0, 1000]");
        if (!(c.publish_hz > 0)) throw usage_error("--publish-hz: '" + publish_hz + "' is not a number in (0, 1000]");
    }
    if (app.count("--positions-hz")) {
        c.positions_hz = parse_option<double>("--positions-hz", positions_hz, 0, 1000, "(0, --publish-hz]");
        if (!(c.positions_hz > 0)) throw usage_error("--positions-hz: '" + positions_hz + "' is not a number in (0, --publish-hz]");
    }
    if (c.positions_hz > c.publish_hz) {
        throw usage_error("--positions-hz: '" + detail::num(c.positions_hz) + "' is above --publish-hz " + detail::num(c.publish_hz));
    }
    if (app.count("--scenarios")) c.book.scenarios = parse_option<int>("--scenarios", scenarios, 100, 100000, "[100, 100000]");
    if (app.count("--asof")) {
        const auto d = detail::parse_iso_date(asof);
        if (!d) throw usage_error("--asof: '" + detail::excerpt(asof) + "' is not a date YYYY-MM-DD");
        c.market.asof = *d;
    } else {
        c.market.asof = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    }
    if (app.count("--risk-free-rate")) c.market.rate = parse_option<double>("--risk-free-rate", risk_free, -1, 1, "[-1, 1]");
    for (const auto& d : dividends) {
        const auto eq = d.find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error("--dividend: '" + detail::excerpt(d) + "' is not SYMBOL=YIELD");
        const auto sym = d.substr(0, eq);
        c.market.dividends[sym] = parse_option<double>("--dividend " + detail::excerpt(sym), d.substr(eq + 1), -1, 1, "[-1, 1]");
    }
    if (app.count("--market-speed")) {
        c.market_speed = parse_option<double>("--market-speed", speed, 0, 1000, "(0, 1000]");
        if (!(c.market_speed > 0)) throw usage_error("--market-speed: '" + speed + "' is not a number in (0, 1000]");
    }
    if (app.count("--max-message")) c.max_message = parse_option<std::size_t>("--max-message", max_message, 64, 16u << 20, "[64, 16777216]");
    if (app.count("--slow-timeout-ms")) c.slow_timeout_ms = parse_option<int>("--slow-timeout-ms", slow, 100, 3600000, "[100, 3600000]");
    if (app.count("--heartbeat-ms")) c.heartbeat_ms = parse_option<int>("--heartbeat-ms", heartbeat, 100, 3600000, "[100, 3600000]");
    if (app.count("--sndbuf")) {
        c.sndbuf = parse_option<int>("--sndbuf", sndbuf, 0, 64 << 20, "{0} or [4096, 67108864]");
        if (c.sndbuf != 0 && c.sndbuf < 4096) throw usage_error("--sndbuf: '" + sndbuf + "' is not a number in {0} or [4096, 67108864]");
    }
    if (app.count("--max-queued-bytes")) {
        c.max_queued_bytes = parse_option<std::size_t>("--max-queued-bytes", queued, 65536, std::size_t(1) << 30, "[65536, 1073741824]");
    }
    if (app.count("--max-connections")) c.max_connections = parse_option<int>("--max-connections", max_conn, 0, 1000000, "[0, 1000000]");
    if (app.count("--io-threads")) c.io_threads = parse_option<int>("--io-threads", io_threads, 0, 64, "[0, 64]");
    unsigned char addr[16];
    if (inet_pton(AF_INET, c.bind.c_str(), addr) != 1 && inet_pton(AF_INET6, c.bind.c_str(), addr) != 1) {
        throw usage_error("--bind: '" + detail::excerpt(c.bind) + "' is not an IPv4 or IPv6 address");
    }
    if (!c.token.empty() || app.count("--token")) {
        bool ok = !c.token.empty() && c.token.size() <= 512;
        for (const char ch : c.token) ok = ok && ch > 0x20 && ch < 0x7f;
        if (!ok) throw usage_error("--token: must be 1 to 512 visible ASCII characters (got " + std::to_string(c.token.size()) + " bytes)");
    }
    for (auto& o : c.allowed_origins) {
        if (!detail::valid_origin(o)) throw usage_error("--allow-origin: '" + detail::excerpt(o) + "' is not scheme://host[:port]");
        o = rtrisk_live::detail::lower(o); // browsers send scheme and host in lower case
    }
    for (const auto& h : c.allowed_hosts) {
        const auto hp = parse_host(h);
        if (!hp.valid || hp.port != 0) {
            throw usage_error("--allow-host: '" + detail::excerpt(h) + "' is not a host name");
        }
    }
    if (no_db && !c.history.url.empty()) throw usage_error("--no-db: cannot be given with --db");
    if (!c.history.url.empty()) {
        try {
            pg::check_conninfo(c.history.url);
        } catch (const std::invalid_argument& e) {
            throw usage_error(e.what());
        }
    }
    if (c.history.journal.empty()) throw usage_error("--db-journal: a file name is required");
    if (app.count("--db-queue-rows")) c.history.queue_rows = parse_option<std::size_t>("--db-queue-rows", db_queue, 1000, 100000000, "[1000, 100000000]");
    if (app.count("--db-positions-every")) c.history.positions_every_s = parse_option<double>("--db-positions-every", db_positions, 0.0, 86400.0, "[0, 86400]");
    if (app.count("--db-retention-days")) c.history.retention_days = parse_option<int>("--db-retention-days", db_retention, 1, 36600, "[1, 36600]");
    if (app.count("--db-refresh-seconds")) {
        c.history.refresh_1m_s = parse_option<int>("--db-refresh-seconds", db_refresh, 1, 86400, "[1, 86400]");
        c.history.refresh_1h_s = 10 * c.history.refresh_1m_s;
    }
    if (app.count("--trade-ids")) c.kafka.trade_ids = parse_option<std::size_t>("--trade-ids", trade_ids, 0, 100000000, "[0, 100000000]");
    for (const auto& kv : kafka_props) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error("--kafka-property: '" + detail::excerpt(kv) + "' is not KEY=VALUE");
        c.kafka.extra.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    for (const auto* t : {&c.kafka.ticks_topic, &c.kafka.trades_topic, &c.kafka.dead_letter_topic, &c.kafka.group, &c.kafka.engine_id}) {
        if (t->empty() || t->size() > 249) throw usage_error("Kafka topic, group and engine names must be 1 to 249 bytes (got '" + detail::excerpt(*t) + "')");
    }
    if (c.aggregate) {
        if (c.kafka.brokers.empty() || c.kafka.brokers == "mock") throw usage_error("--aggregate: needs --kafka BROKERS of the engines' cluster");
        if (c.kafka.vectors_topic.empty()) c.kafka.vectors_topic = "risk.vectors";
        return c;
    }
    if (c.book.positions.empty()) throw usage_error("--book: a positions file is required (the demo: data/demo_book.csv)");
    if (c.book.history.empty()) throw usage_error("--history: a price history file is required (the demo: data/eu_stock_markets.csv)");
    return c;
}

} // namespace rtrisk_live
