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

namespace {
/// The JSON of a message, inflated when it is a binary (raw DEFLATE) one.
json decoded(const std::optional<outgoing_message>& m) {
    REQUIRE(m);
    return json::parse(m->binary ? inflate_raw(*m->text) : *m->text);
}
json without_send_time(json j) {
    j.erase("send_time");
    return j;
}
} // namespace

TEST_CASE("the subprotocol rtrisk.deflate-raw is found in a Sec-WebSocket-Protocol list, exactly") {
    CHECK(requested_framing("rtrisk.deflate-raw") == framing::deflate_raw);
    CHECK(requested_framing("chat, rtrisk.deflate-raw") == framing::deflate_raw);
    CHECK(requested_framing(" rtrisk.deflate-raw ,x,") == framing::deflate_raw);
    CHECK(requested_framing("") == framing::text);
    CHECK(requested_framing("rtrisk.deflate-raw2") == framing::text);
    CHECK(requested_framing("xrtrisk.deflate-raw") == framing::text);
    CHECK(requested_framing("rtrisk.DEFLATE-RAW") == framing::text); // tokens compare case-sensitively (RFC 6455 11.3.4)
}

TEST_CASE("deflate-raw framing: the same compressed bytes for every client, one compression per message") {
    fixture f;
    constexpr int clients = 50;
    std::vector<client_stream> streams;
    for (int i = 0; i < clients; ++i) streams.emplace_back(f.feed, f.m, framing::deflate_raw);
    client_stream text(f.feed, f.m);
    const auto p1 = f.publish(1);
    std::vector<std::optional<outgoing_message>> first;
    for (auto& s : streams) first.push_back(s.offer(p1));
    const auto text_first = text.offer(p1);
    for (const auto& m : first) {
        REQUIRE(m);
        CHECK(m->binary);
        CHECK(m->text == first.front()->text); // one string, shared
    }
    CHECK_FALSE(text_first->binary);
    // What a client decodes equals the text framing's message but for send_time.
    CHECK(without_send_time(decoded(first.front())) == without_send_time(decoded(text_first)));
    CHECK(f.m.frames_compressed_total == 1); // the snapshot, once for 50 clients
    for (auto& s : streams) (void)s.written();
    (void)text.written();
    const auto p2 = f.publish(2);
    std::shared_ptr<const std::string> delta;
    for (auto& s : streams) {
        const auto m = s.offer(p2);
        REQUIRE(m);
        if (!delta) delta = m->text;
        CHECK(m->text == delta);
        const auto j = decoded(m);
        CHECK(j["type"] == "delta");
        CHECK(j["seq"] == 2);
        CHECK(j["base"] == 1);
        CHECK(j["changes"]["var_99"] == 2.0);
    }
    CHECK(without_send_time(decoded(text.offer(p2))) == without_send_time(decoded(std::optional<outgoing_message>({delta, 2, true}))));
    CHECK(f.m.frames_compressed_total == 2);
    // Clients that fell behind from the same version share one catch-up frame.
    for (auto& s : streams) (void)s.written();
    (void)f.publish(3);
    const auto p4 = f.publish(4);
    std::shared_ptr<const std::string> catch_up;
    for (auto& s : streams) {
        const auto m = s.offer(p4);
        REQUIRE(m);
        if (!catch_up) catch_up = m->text;
        CHECK(m->text == catch_up);
        const auto j = decoded(m);
        CHECK(j["seq"] == 4);
        CHECK(j["base"] == 2);
        CHECK_FALSE(j.contains("history_append"));
        CHECK(j["changes"]["history_append"].size() == 2);
    }
    CHECK(f.m.frames_compressed_total == 3);
    CHECK(f.m.catch_up_deltas_total == clients);
    // Heartbeats stay text frames.
    for (auto& s : streams) (void)s.written();
    const auto hb = streams.front().heartbeat(5);
    REQUIRE(hb);
    CHECK_FALSE(hb->binary);
    CHECK(json::parse(*hb->text)["type"] == "heartbeat");
}

TEST_CASE("raw DEFLATE round-trips any bytes and refuses what is not a complete stream") {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += static_cast<char>((i * 7919) % 251);
    const auto packed = deflate_raw(text);
    CHECK(inflate_raw(packed) == text);
    CHECK(inflate_raw(packed, 100) == text.substr(0, 100));
    CHECK(inflate_raw(deflate_raw("")).empty());
    CHECK_THROWS_AS(inflate_raw(packed.substr(0, packed.size() / 2)), std::invalid_argument);
    CHECK_THROWS_AS(inflate_raw(std::string("\xff\xff\xff\xff", 4)), std::invalid_argument);
    CHECK_THROWS_AS(inflate_raw(packed + "x"), std::invalid_argument); // bytes after the stream's end
}
