#pragma once
// `--kafka mock`'s stand-in for the trading system: the simulator's prices produced to the ticks
// topic (keyed by symbol) and, every `trade_every` ticks, a small trade on one of the book's
// linear positions produced to the trades topic (keyed by node path, murmur2 partitioner), on a
// thread of its own. The engine reads both back from Kafka like any other feed.

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../engine/engine.hpp"
#include "kafka_client.hpp"

namespace rtrisk_live::kafka {

class trading_system {
public:
    trading_system(const settings& s, const engine& eng, double rate, std::uint64_t seed, std::size_t trade_every = 200)
        : m_settings(s), m_sim(eng.make_simulator(rate, 0.1, seed)), m_trade_every(trade_every), m_rng(seed) {
        const auto& st = eng.state();
        for (const auto& k : st.contracts()) m_symbols.push_back(k.symbol);
        for (const auto& p : st.positions()) {
            if (!st.contracts()[p.contract].is_option) m_linear.push_back({st.nodes()[p.node].path, p.contract});
        }
        auto props = common_properties(s);
        props.insert(props.end(), {{"enable.idempotence", "true"}, {"partitioner", "murmur2_random"}, {"linger.ms", "2"}});
        m_rk = make_client(RD_KAFKA_PRODUCER, props);
        m_thread = std::thread([this] { run(); });
    }
    ~trading_system() {
        m_stop = true;
        m_thread.join();
        rd_kafka_flush(m_rk.get(), 2000);
    }

private:
    struct holding {
        std::string node;
        std::size_t contract;
    };
    void send(const std::string& topic, const std::string& key, const std::string& value) {
        while (!m_stop) {
            const auto err = rd_kafka_producev(m_rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
                                               RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return;
            rd_kafka_poll(m_rk.get(), 10); // back-pressure: wait for the brokers
        }
    }
    void run() {
        std::vector<tick> batch;
        std::vector<double> last(m_symbols.size(), 0.0);
        const auto run_id = std::to_string(now_us());
        std::uint64_t n = 0, trades = 0;
        while (!m_stop) {
            batch.clear();
            m_sim->next(batch, 4096);
            for (const auto& t : batch) {
                last[t.instrument] = t.price;
                send(m_settings.ticks_topic, m_symbols[t.instrument], nlohmann::json{{"symbol", m_symbols[t.instrument]}, {"price", t.price}, {"ts", t.event_time_us}}.dump());
                if (++n % m_trade_every == 0 && !m_linear.empty()) {
                    const auto& h = m_linear[std::uniform_int_distribution<std::size_t>(0, m_linear.size() - 1)(m_rng)];
                    if (last[h.contract] <= 0) continue; // no price yet for that symbol
                    const double px = last[h.contract];
                    int q = std::uniform_int_distribution<int>(-5, 5)(m_rng);
                    if (q == 0) q = 1;
                    send(m_settings.trades_topic, h.node,
                         nlohmann::json{{"id", "SIM-" + run_id + "-" + std::to_string(++trades)}, {"node", h.node}, {"symbol", m_symbols[h.contract]},
                                        {"quantity", q}, {"price", px}, {"ts", now_us()}}
                             .dump());
                }
            }
            rd_kafka_poll(m_rk.get(), 0);
            if (batch.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    settings m_settings;
    std::unique_ptr<simulator> m_sim;
    std::size_t m_trade_every;
    std::mt19937_64 m_rng;
    std::vector<std::string> m_symbols;
    std::vector<holding> m_linear;
    handle m_rk;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace rtrisk_live::kafka
