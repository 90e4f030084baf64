#pragma once
// Counters for /metrics, written by either thread and read by the HTTP handler.

#include <atomic>
#include <cstdint>
#include <iterator>
#include <string>

namespace rtrisk_live {

/// Counters for /metrics (written by either thread, read by the HTTP handler).
struct metrics {
    std::atomic<std::uint64_t> ticks_total{0};
    std::atomic<double> ticks_per_second{0};
    std::atomic<std::uint64_t> publications_total{0};
    std::atomic<std::uint64_t> clients{0};
    std::atomic<std::uint64_t> messages_sent_total{0};
    std::atomic<std::uint64_t> snapshots_sent_total{0};
    std::atomic<std::uint64_t> conflated_total{0};
    std::atomic<std::uint64_t> catch_up_deltas_total{0};
    std::atomic<std::uint64_t> frames_compressed_total{0};
    std::atomic<std::uint64_t> slow_disconnects_total{0};
    std::atomic<std::uint64_t> bad_messages_total{0};
    std::atomic<std::uint64_t> rejected_upgrades_total{0};
    std::atomic<std::uint64_t> tick_rejects_total{0};
    std::atomic<std::uint64_t> bad_requests_total{0};
    std::atomic<std::uint64_t> rejected_hosts_total{0};
    std::atomic<std::uint64_t> connections{0};
    std::atomic<std::uint64_t> accept_errors_total{0};
    std::atomic<std::uint64_t> refused_connections_total{0};
    std::atomic<std::uint64_t> internal_errors_total{0};
    // Kafka (docs/protocol.md, "Kafka topics"); zero without --kafka.
    std::atomic<std::uint64_t> kafka_messages_total{0};
    std::atomic<std::uint64_t> kafka_replayed_total{0};
    std::atomic<std::uint64_t> kafka_rejects_total{0};
    std::atomic<std::uint64_t> kafka_dead_letters_total{0};
    std::atomic<std::uint64_t> kafka_duplicate_trades_total{0};
    std::atomic<std::uint64_t> kafka_stale_ticks_total{0};
    std::atomic<std::uint64_t> kafka_rebalances_total{0};
    std::atomic<std::uint64_t> kafka_produced_total{0};
    std::atomic<std::uint64_t> kafka_produce_errors_total{0};
    std::atomic<std::uint64_t> kafka_errors_total{0};
    // Risk history (docs/history.md); zero without a database.
    std::atomic<std::uint64_t> history_db_up{0};
    std::atomic<std::uint64_t> history_rows_written_total{0};
    std::atomic<std::uint64_t> history_rows_journaled_total{0};
    std::atomic<std::uint64_t> history_rows_replayed_total{0};
    std::atomic<std::uint64_t> history_dropped_rows_total{0};
    std::atomic<std::uint64_t> history_rejected_rows_total{0};
    std::atomic<std::uint64_t> history_queue_rows{0};
    std::atomic<std::uint64_t> history_journal_bytes{0};
    std::atomic<std::uint64_t> history_journal_bad_lines_total{0};
    std::atomic<std::uint64_t> history_write_errors_total{0};
    std::atomic<std::uint64_t> history_queries_total{0};
    std::atomic<std::uint64_t> history_query_errors_total{0};
    std::atomic<std::uint64_t> limit_breaches_total{0};
    std::atomic<std::uint64_t> limit_clears_total{0};
    std::atomic<std::uint64_t> limits_breached{0};
    std::atomic<std::uint64_t> what_if_total{0};
    // Publish latency histogram (seconds to build a publication), Prometheus buckets.
    static constexpr double bounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25};
    std::atomic<std::uint64_t> publish_buckets[std::size(bounds) + 1]{};
    std::atomic<double> publish_seconds_sum{0};

    void observe_publish(double seconds) {
        std::size_t i = 0;
        while (i < std::size(bounds) && seconds > bounds[i]) ++i;
        publish_buckets[i].fetch_add(1);
        double cur = publish_seconds_sum.load();
        while (!publish_seconds_sum.compare_exchange_weak(cur, cur + seconds)) {
        }
    }

    std::string prometheus(const std::string& instance) const {
        std::string out = "# HELP rtrisk_instance_info The server instance (new at every start; also in snapshots).\n"
                          "# TYPE rtrisk_instance_info gauge\nrtrisk_instance_info{instance=\"" + instance + "\"} 1\n";
        auto line = [&](const char* name, const char* type, const char* help, double v) {
            out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
                   std::to_string(v) + "\n";
        };
        line("rtrisk_ticks_total", "counter", "Ticks applied to the risk state.", double(ticks_total));
        line("rtrisk_ticks_per_second", "gauge", "Ticks applied over the last second.", ticks_per_second);
        line("rtrisk_tick_rejects_total", "counter", "Ticks rejected (malformed line, bad price, quantity or symbol); every one counted, the log rate-limited.", double(tick_rejects_total));
        line("rtrisk_publications_total", "counter", "Snapshots published.", double(publications_total));
        line("rtrisk_clients", "gauge", "Connected WebSocket clients.", double(clients));
        line("rtrisk_messages_sent_total", "counter", "WebSocket messages written.", double(messages_sent_total));
        line("rtrisk_snapshots_sent_total", "counter", "Full snapshots written (connects, resyncs, catch-up).", double(snapshots_sent_total));
        line("rtrisk_messages_conflated_total", "counter", "Publications replaced by a newer one before a slow client took them.", double(conflated_total));
        line("rtrisk_catch_up_deltas_total", "counter", "Deltas spanning skipped versions (instead of snapshots).", double(catch_up_deltas_total));
        line("rtrisk_frames_compressed_total", "counter", "Messages compressed for the rtrisk.deflate-raw subprotocol: once each, whatever the number of clients sent it.", double(frames_compressed_total));
        line("rtrisk_slow_disconnects_total", "counter", "Clients disconnected for not reading.", double(slow_disconnects_total));
        line("rtrisk_bad_messages_total", "counter", "Malformed, oversized, binary or badly framed client WebSocket messages.", double(bad_messages_total));
        line("rtrisk_bad_requests_total", "counter", "HTTP requests refused as malformed (400, 413, 414, 421, 431, 501).", double(bad_requests_total));
        line("rtrisk_rejected_hosts_total", "counter", "HTTP requests refused for a Host this server does not answer to.", double(rejected_hosts_total));
        line("rtrisk_connections", "gauge", "Open TCP connections (HTTP and WebSocket).", double(connections));
        line("rtrisk_accept_errors_total", "counter", "Failed accepts (out of file descriptors and the like).", double(accept_errors_total));
        line("rtrisk_refused_connections_total", "counter", "Connections past the limit (answered /healthz or 503, or shed).", double(refused_connections_total));
        line("rtrisk_internal_errors_total", "counter", "Exceptions caught in a handler or a publication (logged).", double(internal_errors_total));
        line("rtrisk_kafka_messages_total", "counter", "Kafka messages consumed live (ticks and trades topics).", double(kafka_messages_total));
        line("rtrisk_kafka_replayed_total", "counter", "Kafka messages read again below the committed offsets to rebuild the state after a start or rebalance.", double(kafka_replayed_total));
        line("rtrisk_kafka_rejects_total", "counter", "Kafka messages refused (malformed, unknown symbol, mis-keyed, refused by the engine); each goes to the dead-letter topic.", double(kafka_rejects_total));
        line("rtrisk_kafka_dead_letters_total", "counter", "Messages delivered to the dead-letter topic.", double(kafka_dead_letters_total));
        line("rtrisk_kafka_duplicate_trades_total", "counter", "Trades skipped because their id was already applied.", double(kafka_duplicate_trades_total));
        line("rtrisk_kafka_stale_ticks_total", "counter", "Ticks skipped because a newer tick (event time) of the symbol was applied.", double(kafka_stale_ticks_total));
        line("rtrisk_kafka_rebalances_total", "counter", "Partition assignments and revocations.", double(kafka_rebalances_total));
        line("rtrisk_kafka_produced_total", "counter", "Messages delivered to the risk and vectors topics.", double(kafka_produced_total));
        line("rtrisk_kafka_produce_errors_total", "counter", "Messages that could not be produced or delivered (queue full, broker error).", double(kafka_produce_errors_total));
        line("rtrisk_kafka_errors_total", "counter", "Consumer errors reported by librdkafka (broker down and the like; it retries).", double(kafka_errors_total));
        line("rtrisk_history_db_up", "gauge", "1 while the history writer is connected to the database.", double(history_db_up));
        line("rtrisk_history_rows_written_total", "counter", "Risk history rows written to the database (journal replays included).", double(history_rows_written_total));
        line("rtrisk_history_rows_journaled_total", "counter", "Rows put in the local journal (database down, slow, or a backlog ahead of them).", double(history_rows_journaled_total));
        line("rtrisk_history_rows_replayed_total", "counter", "Rows written from the journal.", double(history_rows_replayed_total));
        line("rtrisk_history_dropped_rows_total", "counter", "Rows not stored: the queue was full, or the journal's disk refused them (logged).", double(history_dropped_rows_total));
        line("rtrisk_history_rejected_rows_total", "counter", "Rows the database refused as data (logged with the reason), skipped.", double(history_rejected_rows_total));
        line("rtrisk_history_queue_rows", "gauge", "Rows waiting for the history writer.", double(history_queue_rows));
        line("rtrisk_history_journal_bytes", "gauge", "Bytes in the journal not yet written to the database.", double(history_journal_bytes));
        line("rtrisk_history_journal_bad_lines_total", "counter", "Journal lines that did not parse (torn by a crash), skipped.", double(history_journal_bad_lines_total));
        line("rtrisk_history_write_errors_total", "counter", "Failed connections and writes of the history writer (it journals and retries).", double(history_write_errors_total));
        line("rtrisk_history_queries_total", "counter", "GET /api/history answered.", double(history_queries_total));
        line("rtrisk_history_query_errors_total", "counter", "GET /api/history database errors (answered from memory or 503).", double(history_query_errors_total));
        line("rtrisk_limit_breaches_total", "counter", "Limit breaches raised (a figure went above its limit, docs/limits.md).", double(limit_breaches_total));
        line("rtrisk_limit_clears_total", "counter", "Limit breaches cleared (the figure fell below 95 % of its limit, or the limit was removed).", double(limit_clears_total));
        line("rtrisk_limits_breached", "gauge", "Limits in breach now.", double(limits_breached));
        line("rtrisk_what_if_total", "counter", "POST /api/whatif answered (200).", double(what_if_total));
        line("rtrisk_rejected_upgrades_total", "counter", "WebSocket upgrades refused (Origin, token, path).", double(rejected_upgrades_total));
        out += "# HELP rtrisk_publish_seconds Time to build one publication.\n# TYPE rtrisk_publish_seconds histogram\n";
        std::uint64_t cum = 0;
        for (std::size_t i = 0; i <= std::size(bounds); ++i) {
            cum += publish_buckets[i];
            const std::string le = i < std::size(bounds) ? std::to_string(bounds[i]) : "+Inf";
            out += "rtrisk_publish_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cum) + "\n";
        }
        out += "rtrisk_publish_seconds_sum " + std::to_string(publish_seconds_sum.load()) + "\n";
        out += "rtrisk_publish_seconds_count " + std::to_string(cum) + "\n";
        return out;
    }
};

} // namespace rtrisk_live
