// wire/client_stream.hpp: what one /ws/risk client is sent, without a socket (both servers use
// it): snapshot first, deltas with strictly increasing seq, latest-wins conflation while a write
// is in flight, catch-up deltas, resync, close. docs/protocol.md is the reference.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "live/wire/client_stream.hpp"

using namespace rtrisk_live;
using nlohmann::json;

namespace {
struct fixture {
    metrics m;
    publication_feed feed{"0123456789abcdef"};
    publisher pub{10};
    publication_ptr publish(double var) {
        publication_ptr p = pub.next(json{{"var_99", var}, {"total_pnl", 1.0}}, 1, 2);
        feed.publish(p);
        return p;
    }
};
json parsed(const std::optional<outgoing_message>& m) {
    REQUIRE(m);
    return json::parse(*m->text);
}
} // namespace

TEST_CASE("a client gets a snapshot, then deltas based on what it holds") {
    fixture f;
    client_stream c(f.feed, f.m);
    const auto first = parsed(c.offer(f.publish(1)));
    CHECK(first["type"] == "snapshot");
    CHECK(first["seq"] == 1);
    CHECK(first["instance"] == "0123456789abcdef");
    CHECK(first["data"]["var_99"] == 1.0);
    CHECK_FALSE(c.ready());
    CHECK_FALSE(c.written()); // nothing pending
    CHECK(c.ready());
    const auto second = parsed(c.offer(f.publish(2)));
    CHECK(second["type"] == "delta");
    CHECK(second["seq"] == 2);
    CHECK(second["base"] == 1);
    CHECK(second["changes"]["var_99"] == 2.0);
    CHECK(f.m.snapshots_sent_total == 1);
}

TEST_CASE("while a write is in flight the latest publication wins and arrives as one catch-up delta") {
    fixture f;
    client_stream c(f.feed, f.m);
    (void)c.offer(f.publish(1));
    (void)c.written();
    (void)c.offer(f.publish(2)); // in flight
    CHECK_FALSE(c.offer(f.publish(3)));
    CHECK_FALSE(c.offer(f.publish(4))); // 3 dropped
    CHECK(f.m.conflated_total == 1);
    const auto next = parsed(c.written()); // 2 written; 4 is sent, from base 2
    CHECK(next["type"] == "delta");
    CHECK(next["seq"] == 4);
    CHECK(next["base"] == 2);
    CHECK(next["changes"]["history_append"].size() == 2); // the points of 3 and 4
    CHECK(f.m.catch_up_deltas_total == 1);
    CHECK(f.m.messages_sent_total == 2);
}

TEST_CASE("a resync is answered by a snapshot with a higher seq, never the same one") {
    fixture f;
    client_stream c(f.feed, f.m);
    (void)c.offer(f.publish(1));
    (void)c.written();
    CHECK_FALSE(c.resync()); // the client holds the latest: the snapshot waits for the next one
    const auto snap = parsed(c.offer(f.publish(2)));
    CHECK(snap["type"] == "snapshot");
    CHECK(snap["seq"] == 2);
    (void)c.written();
    CHECK(parsed(c.offer(f.publish(3)))["type"] == "delta");
}

TEST_CASE("a client too far behind gets a snapshot; a closed stream gets nothing") {
    fixture f;
    client_stream c(f.feed, f.m);
    (void)c.offer(f.publish(1));
    (void)c.written();
    (void)c.offer(f.publish(2)); // in flight
    for (int i = 0; i < int(recent_publications::depth) + 5; ++i) (void)c.offer(f.publish(3 + i));
    const auto next = parsed(c.written());
    CHECK(next["type"] == "snapshot");
    CHECK(next["seq"] == f.feed.latest()->version);
    (void)c.written();
    const auto beat = parsed(c.heartbeat(5));
    CHECK(beat["type"] == "heartbeat");
    CHECK(beat["send_time"] == 5);
    CHECK_FALSE(c.heartbeat(6)); // one write at a time
    c.close();
    CHECK_FALSE(c.offer(f.publish(100)));
    CHECK_FALSE(c.resync());
}
