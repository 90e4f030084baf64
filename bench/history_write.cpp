// Rows per second into risk_history, three ways in one run against the same database:
//   copy        binary COPY, one transaction per batch (the writer's path)
//   copy+stage  binary COPY into a staging table, INSERT ... ON CONFLICT DO NOTHING (the journal replay)
//   insert      multi-row INSERT with bound parameters, 1,000 rows per statement, one transaction per batch
// Usage: history_write URL [nodes per publication] [publications per batch] [batches]
// Prints one JSON line per method: {"method", "rows", "seconds", "rows_per_s"}.
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "live/store/history_store.hpp"

using namespace rtrisk_live;

namespace {
std::vector<history::record> batch(const std::string& instance, std::uint64_t first_seq, int publications, int nodes, std::int64_t t0) {
    std::vector<history::record> out;
    for (int p = 0; p < publications; ++p) {
        history::record r{instance, first_seq + static_cast<std::uint64_t>(p), t0 + (static_cast<std::int64_t>(first_seq) + p) * 100000, {}, {}, {}};
        for (int n = 0; n < nodes; ++n) r.nodes.push_back({"FIRM/desk" + std::to_string(n % 10) + "/trader" + std::to_string(n), 1.5 * p, 1e6 + n, 1.2e6, 3e7, -4.0});
        out.push_back(std::move(r));
    }
    return out;
}

void insert_rows(pg::connection& c, const std::vector<history::record>& records) {
    std::vector<std::string> params;
    std::string sql;
    int row = 0;
    auto flush = [&] {
        if (row == 0) return;
        c.exec("INSERT INTO risk_history (ts, instance, seq, node, pnl, var_99, es_975, gross_exposure, net_delta) VALUES " + sql, params);
        params.clear();
        sql.clear();
        row = 0;
    };
    c.exec("BEGIN");
    for (const auto& r : records) {
        for (const auto& n : r.nodes) {
            const int b = row * 9;
            sql += std::string(row ? "," : "") + "(to_timestamp($" + std::to_string(b + 1) + "::double precision / 1e6)";
            for (int k = 2; k <= 9; ++k) sql += ",$" + std::to_string(b + k);
            sql += ")";
            for (auto v : {std::to_string(r.time_us), r.instance, std::to_string(r.seq), n.node}) params.push_back(v);
            for (double v : {n.pnl, n.var_99, n.es_975, n.gross_exposure, n.net_delta}) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.17g", v);
                params.emplace_back(buf);
            }
            if (++row == 1000) flush();
        }
    }
    flush();
    c.exec("COMMIT");
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: history_write URL [nodes] [publications per batch] [batches]\n");
        return 2;
    }
    const std::string url = argv[1];
    const int nodes = argc > 2 ? std::stoi(argv[2]) : 100, pubs = argc > 3 ? std::stoi(argv[3]) : 100, batches = argc > 4 ? std::stoi(argv[4]) : 20;
    auto connect = [&] { return pg::connection(url, "history_write bench"); };
    const auto storage = history::migrate(connect, [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); });
    auto c = connect();
    const std::int64_t t0 = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    int run = 0;
    for (const char* method : {"copy", "copy+stage", "insert", "copy"}) { // copy twice: first and last, to see drift
        const std::string instance = std::string("bench-") + method + "-" + std::to_string(t0) + "-" + std::to_string(run++);
        std::set<std::int64_t> days;
        std::size_t rows = 0;
        double seconds = 0;
        for (int b = 0; b < batches; ++b) {
            const auto records = batch(instance, static_cast<std::uint64_t>(b) * pubs + 1, pubs, nodes, t0);
            const auto start = std::chrono::steady_clock::now();
            if (std::string(method) == "insert") {
                if (storage == history::storage::native) {
                    for (const auto& r : records) {
                        if (days.insert(history::day_of(r.time_us)).second) history::create_partitions(c, history::day_of(r.time_us));
                    }
                }
                insert_rows(c, records);
            } else {
                history::write(c, storage, records, std::string(method) == "copy+stage", days);
            }
            seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            rows += static_cast<std::size_t>(pubs) * nodes;
        }
        std::printf("{\"method\": \"%s\", \"rows\": %zu, \"seconds\": %.4f, \"rows_per_s\": %.0f}\n", method, rows, seconds, rows / seconds);
        std::fflush(stdout);
    }
    return 0;
}
