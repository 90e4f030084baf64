// The Kafka ingest's message parser and delivery bookkeeping (examples/live/kafka/), without a
// broker: the broker-level guarantees are tested against librdkafka's mock cluster in
// tests/python/test_kafka.py.
#include <doctest/doctest.h>

#include <string>

#include "live/kafka/delivery.hpp"
#include "live/kafka/market_message.hpp"

using rtrisk_live::parse_market_message;

namespace {
std::string refusal(const std::string& payload, bool is_trade) {
    try {
        (void)parse_market_message(payload, is_trade);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST_CASE("kafka messages: the documented tick and trade parse to their fields") {
    const auto t = parse_market_message(R"({"symbol": "DAX", "price": 6123.5, "ts": 1764072000123456})", false);
    CHECK(t.symbol == "DAX");
    CHECK(t.price == 6123.5);
    CHECK(t.ts == 1764072000123456);
    CHECK(t.quantity == 0);
    CHECK_FALSE(t.is_trade);
    const auto d = parse_market_message(
        R"({"id": "T-000123", "node": "FIRM/Equities/EU/alice", "symbol": "DAX", "quantity": -10, "price": 6120.0, "ts": 1764072000123456})", true);
    CHECK(d.is_trade);
    CHECK(d.id == "T-000123");
    CHECK(d.node == "FIRM/Equities/EU/alice");
    CHECK(d.quantity == -10);
    CHECK(d.price == 6120.0);
}

TEST_CASE("kafka messages: every refusal names the offending field or value") {
    CHECK(refusal(R"({"price": 1, "ts": 1})", false).find("missing \"symbol\"") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "ts": 1})", false).find("missing \"price\"") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 1})", false).find("missing \"ts\"") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 1, "ts": 1, "qty": 2})", false).find("unknown field \"qty\"") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 1, "ts": 1, "quantity": 2})", false).find("unknown field \"quantity\"") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 1e308, "ts": 1})", false).find("price 1e+308") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": "5", "ts": 1})", false).find("\"price\" must be a number") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 5, "ts": 1.5})", false).find("\"ts\" must be integer") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 5, "ts": -1})", false).find("\"ts\" -1 is outside") != std::string::npos);
    CHECK(refusal(R"({"symbol": "DAX", "price": 5, "ts": 99999999999999999999})", false).find("\"ts\"") != std::string::npos);
    CHECK(refusal(R"({"symbol": "", "price": 5, "ts": 1})", false).find("empty symbol") != std::string::npos);
    CHECK(refusal("[1, 2]", false).find("must be a JSON object") != std::string::npos);
    CHECK(refusal("{\"symbol\": ", false).find("malformed JSON") != std::string::npos);
    CHECK(refusal(std::string(5000, ' '), false).find("longer than 4096") != std::string::npos);
    const std::string trade = R"("node": "FIRM/a", "symbol": "DAX", "price": 5, "ts": 1)";
    CHECK(refusal("{" + trade + R"(, "quantity": 1})", true).find("missing \"id\"") != std::string::npos);
    CHECK(refusal("{" + trade + R"(, "id": "T1"})", true).find("missing \"quantity\"") != std::string::npos);
    CHECK(refusal("{" + trade + R"(, "id": "T1", "quantity": 0})", true).find("\"quantity\" is 0") != std::string::npos);
    CHECK(refusal("{" + trade + R"(, "id": "T1", "quantity": 2e9})", true).find("quantity 2000000000") != std::string::npos);
    CHECK(refusal("{" + trade + R"(, "id": "T\u0001", "quantity": 1})", true).find("\"id\"") != std::string::npos);
    CHECK(refusal("{" + trade + R"(, "id": ")" + std::string(129, 'x') + R"(", "quantity": 1})", true).find("\"id\" longer than 128") != std::string::npos);
    CHECK(refusal(R"({"id": "T1", "node": "", "symbol": "DAX", "price": 5, "ts": 1, "quantity": 1})", true).find("\"node\" is empty") != std::string::npos);
}

TEST_CASE("kafka delivery: a trade id is applied once while it is among the newest `capacity` ids") {
    rtrisk_live::kafka::seen_trade_ids ids(3);
    CHECK(ids.insert("a"));
    CHECK(ids.insert("b"));
    CHECK(ids.insert("c"));
    CHECK_FALSE(ids.insert("a")); // a redelivery
    CHECK(ids.size() == 3);
    CHECK(ids.insert("d"));       // evicts the oldest, "a"
    CHECK(ids.size() == 3);
    CHECK(ids.insert("a"));       // past the bound: documented as not detected
    CHECK_FALSE(ids.insert("d"));
    ids.clear();
    CHECK(ids.insert("d"));
}

TEST_CASE("kafka delivery: a tick older than the newest applied for its instrument is refused, an equal one kept") {
    rtrisk_live::kafka::tick_clock clock;
    CHECK(clock.admit(3, 100));
    CHECK(clock.admit(3, 100));
    CHECK_FALSE(clock.admit(3, 99));
    CHECK(clock.admit(4, 1));     // instruments are independent
    CHECK(clock.admit(3, 101));
    clock.clear();
    CHECK(clock.admit(3, 5));
}
