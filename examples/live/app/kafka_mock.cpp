// rtrisk_kafka_mock: a Kafka cluster on loopback with nothing installed (librdkafka's mock
// cluster), for the tests and benchmarks of the Kafka ingest (docs/protocol.md, "Kafka topics").
//
//   rtrisk_kafka_mock [--brokers N] [TOPIC:PARTITIONS ...]
//
// Prints "bootstrap HOST:PORT,..." and then reads commands on stdin, one per line:
//   down ID | up ID   take broker ID (1..N) down or up
//   quit              (or end of input) stop
// Answers "ok" after each command. Exit status 2 on a bad argument.

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../kafka/mock_cluster.hpp"

int main(int argc, char** argv) {
    int brokers = 3;
    std::vector<std::pair<std::string, int>> topics;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--brokers" && i + 1 < argc) {
            brokers = std::atoi(argv[++i]);
            if (brokers < 1 || brokers > 16) {
                std::fprintf(stderr, "rtrisk_kafka_mock: --brokers: '%s' is not in [1, 16]\n", argv[i]);
                return 2;
            }
            continue;
        }
        const auto colon = a.rfind(':');
        const int parts = colon == std::string::npos ? 0 : std::atoi(a.c_str() + colon + 1);
        if (colon == std::string::npos || colon == 0 || parts < 1 || parts > 1000) {
            std::fprintf(stderr, "rtrisk_kafka_mock: '%s' is not TOPIC:PARTITIONS (1 to 1000)\n", a.c_str());
            return 2;
        }
        topics.emplace_back(a.substr(0, colon), parts);
    }
    try {
        rtrisk_live::kafka::mock_cluster cluster(brokers, topics);
        std::printf("bootstrap %s\n", cluster.bootstraps().c_str());
        std::fflush(stdout);
        std::string line;
        while (std::getline(std::cin, line)) {
            std::istringstream in(line);
            std::string cmd;
            int id = 0;
            in >> cmd >> id;
            if (cmd == "quit") break;
            if ((cmd == "down" || cmd == "up") && id >= 1 && id <= brokers) {
                cmd == "down" ? cluster.set_down(id) : cluster.set_up(id);
                std::puts("ok");
            } else {
                std::printf("error: '%s' is not down ID, up ID or quit\n", line.c_str());
            }
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtrisk_kafka_mock: %s\n", e.what());
        return 1;
    }
    return 0;
}
