// The live server's HTTP inputs (examples/live/http/): request targets (RFC 9112 section 3.2),
// static files that never leave their folder, the Host, Origin and token policy, and the
// transfer codings a request may carry (RFC 9112 section 6.1), the WebSocket key (RFC 6455).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "live/http/access_policy.hpp"
#include "live/http/request_target.hpp"
#include "live/http/static_files.hpp"
#include "live/http/transfer_coding.hpp"
#include "live/http/websocket_key.hpp"

using namespace rtrisk_live;
namespace fs = std::filesystem;

namespace {
int status_of(std::string_view target) {
    try {
        parse_request_target(target);
        return 0;
    } catch (const bad_target& e) {
        return e.status();
    }
}
} // namespace

TEST_CASE("request targets are decoded, normalised and refused by their class") {
    SUBCASE("origin-form with a decoded query") {
        const auto t = parse_request_target("/ws/risk?token=a%2Bb%20c&x=1&token=second");
        CHECK(t.path() == "/ws/risk");
        CHECK(t.param("token") == std::optional<std::string>("a+b c"));
        CHECK(t.param("x") == std::optional<std::string>("1"));
        CHECK(t.param("xtoken") == std::nullopt);
    }
    SUBCASE("'+' is a space in the query (form encoding, as URLSearchParams), not in the path") {
        CHECK(parse_request_target("/a+b?q=a+b").path() == "/a+b");
        CHECK(parse_request_target("/a+b?q=a+b").param("q") == std::optional<std::string>("a b"));
    }
    SUBCASE("empty segments merge, so '//etc/passwd' is relative") {
        const auto t = parse_request_target("//etc//passwd");
        REQUIRE(t.segments.size() == 2);
        CHECK(t.segments[0] == "etc");
        CHECK(t.path() == "/etc/passwd");
    }
    SUBCASE("absolute-form keeps its authority for the Host check") {
        const auto t = parse_request_target("http://127.0.0.1:8080/healthz");
        CHECK(t.authority == "127.0.0.1:8080");
        CHECK(t.path() == "/healthz");
        CHECK(parse_request_target("HTTP://h").path() == "/");
    }
    SUBCASE("dot segments, encoded separators and NUL are 400, plain or encoded") {
        for (const char* bad : {"/../etc/passwd", "/a/..", "/./x", "/%2e%2e/x", "/%2E%2e", "/a%2fb", "/a%5cb", "/a%00b", "/%", "/%4", "/%zz",
                                "*", "etc", "", "/a#b", "/a b", "/a\tb", "http://", "http://u@h/", "http://h?x"}) {
            CAPTURE(bad);
            CHECK(status_of(bad) == 400);
        }
    }
    SUBCASE("a long target is 414; a long segment below the limit is fine") {
        CHECK(status_of("/" + std::string(300, 'a')) == 0);
        CHECK(status_of("/" + std::string(max_target_length, 'a')) == 414);
    }
}

TEST_CASE("static files resolve only inside the static folder") {
    const fs::path base = fs::temp_directory_path() / "rtrisk_static_test";
    fs::remove_all(base);
    fs::create_directories(base / "dist" / "assets");
    std::ofstream(base / "dist" / "index.html") << "<html>";
    std::ofstream(base / "dist" / "assets" / "app.js") << "js";
    std::ofstream(base / "dist" / ".env") << "secret";
    std::ofstream(base / "outside.txt") << "secret";
    fs::create_symlink(base / "outside.txt", base / "dist" / "link.txt");
    fs::create_directory_symlink(base, base / "dist" / "up");
    const static_root root(base / "dist");
    auto resolve = [&](std::string_view target) { return root.resolve(parse_request_target(target)); };
    CHECK(resolve("/") == fs::canonical(base / "dist" / "index.html"));
    CHECK(resolve("/assets/app.js") == fs::canonical(base / "dist" / "assets" / "app.js"));
    CHECK(resolve("/assets") == std::nullopt);              // a folder
    CHECK(resolve("/missing") == std::nullopt);             // no fallback to index.html
    CHECK(resolve("//etc/passwd") == std::nullopt);
    CHECK(resolve("//proc/self/cmdline") == std::nullopt);
    CHECK(resolve("/link.txt") == std::nullopt);            // symlink out of the folder
    CHECK(resolve("/up/outside.txt") == std::nullopt);      // through a symlinked folder
    CHECK(resolve("/.env") == std::nullopt);                // dot-files
    CHECK(resolve("/" + std::string(300, 'a')) == std::nullopt); // ENAMETOOLONG is a miss, not an exception
    CHECK(resolve("/" + std::string(255, 'a') + "/" + std::string(255, 'b')) == std::nullopt);
    CHECK(static_root(base / "nope").resolve(parse_request_target("/")) == std::nullopt);
    fs::remove_all(base);
}

TEST_CASE("Accept-Encoding (RFC 9110, 12.5.3): a coding is accepted when listed or covered by *, unless its q is 0") {
    CHECK(accepts_coding("gzip, deflate, br", "br"));
    CHECK(accepts_coding("gzip, deflate, br", "gzip"));
    CHECK(accepts_coding("GZIP", "gzip"));                 // case-insensitive
    CHECK(accepts_coding(" br ; q=0.5 ", "br"));
    CHECK(accepts_coding("br;q=0.001", "br"));
    CHECK_FALSE(accepts_coding("br;q=0", "br"));
    CHECK_FALSE(accepts_coding("br; q=0.000, gzip", "br"));
    CHECK_FALSE(accepts_coding("br;Q=0.", "br"));
    CHECK_FALSE(accepts_coding("", "br"));
    CHECK_FALSE(accepts_coding("identity", "gzip"));
    CHECK_FALSE(accepts_coding("xbr, brx", "br"));           // whole names only
    CHECK(accepts_coding("*", "br"));
    CHECK_FALSE(accepts_coding("*;q=0", "gzip"));
    CHECK_FALSE(accepts_coding("gzip;q=0, *", "gzip"));      // a listed coding overrides *
    CHECK(accepts_coding("br, *;q=0", "br"));
    CHECK_FALSE(accepts_coding(",,;;;q=,", "br"));           // malformed: nothing accepted, nothing thrown
}

TEST_CASE("precompressed static files: brotli, then gzip, then the file itself, each inside the folder") {
    const fs::path base = fs::temp_directory_path() / "rtrisk_static_encoded_test";
    fs::remove_all(base);
    fs::create_directories(base / "dist" / "assets");
    std::ofstream(base / "dist" / "assets" / "app.js") << "js";
    std::ofstream(base / "dist" / "assets" / "app.js.br") << "br";
    std::ofstream(base / "dist" / "assets" / "app.js.gz") << "gz";
    std::ofstream(base / "dist" / "assets" / "app.css") << "css";
    std::ofstream(base / "dist" / "assets" / "app.css.gz") << "gz";
    std::ofstream(base / "dist" / "plain.svg") << "<svg/>";
    std::ofstream(base / "outside.gz") << "secret";
    std::ofstream(base / "dist" / "leak.txt") << "text";
    fs::create_symlink(base / "outside.gz", base / "dist" / "leak.txt.gz");
    const static_root root(base / "dist");
    auto get = [&](std::string_view target, std::string_view ae) { return root.resolve(parse_request_target(target), ae); };
    const auto js = fs::canonical(base / "dist" / "assets" / "app.js");
    auto f = get("/assets/app.js", "gzip, deflate, br");
    REQUIRE(f);
    CHECK(f->path == fs::path(js.string() + ".br"));
    CHECK(f->encoding == "br");
    CHECK(f->type == "application/javascript"); // the requested file's type, not the variant's
    CHECK(f->has_variants);
    f = get("/assets/app.js", "gzip");
    CHECK((f && f->encoding == "gzip" && f->path == fs::path(js.string() + ".gz")));
    f = get("/assets/app.js", "br;q=0, gzip;q=0");
    CHECK((f && f->encoding.empty() && f->path == js && f->has_variants));
    f = get("/assets/app.css", "br");              // no brotli variant: the file itself
    CHECK((f && f->encoding.empty() && f->type == "text/css" && f->has_variants));
    f = get("/assets/app.css", "br, gzip");
    CHECK((f && f->encoding == "gzip"));
    f = get("/plain.svg", "br, gzip");             // no variants: the file, and nothing varies
    CHECK((f && f->encoding.empty() && !f->has_variants));
    f = get("/leak.txt", "gzip");                  // a variant that links out of the folder is not one
    CHECK((f && f->encoding.empty() && !f->has_variants && f->path == fs::canonical(base / "dist" / "leak.txt")));
    CHECK_FALSE(get("/missing.js", "br"));
    fs::remove_all(base);
}

TEST_CASE("Host, Origin and token policy") {
    const access_policy p("127.0.0.1", 8080, {"risk.example"}, {"http://dash.example:3000"}, "s3cret");
    SUBCASE("Host: loopback names, the bind address, --allow-host and --allow-origin hosts, with this port or none") {
        for (const char* ok : {"127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080", "127.0.0.1", "risk.example:8080",
                               "dash.example:3000"}) {
            CAPTURE(ok);
            CHECK(p.host_allowed(ok, true));
        }
        for (const char* bad : {"evil.com:8080", "evil.com", "127.0.0.1:8081", "localhost.evil.com:8080", "127.0.0.1:", "127.0.0.1:0",
                                "127.0.0.1:99999", "[::1", "a b", "127.0.0.1:80x", "dash.example:8080", ""}) {
            CAPTURE(bad);
            CHECK_FALSE(p.host_allowed(bad, true));
        }
        CHECK(p.host_allowed("", false)); // HTTP/1.0 may omit Host
    }
    SUBCASE("Origin: the page's own origin on an allowed Host, or an exact --allow-origin") {
        CHECK(p.origin_allowed("", "127.0.0.1:8080"));
        CHECK(p.origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080"));
        CHECK(p.origin_allowed("http://dash.example:3000", "127.0.0.1:8080"));
        CHECK_FALSE(p.origin_allowed("http://evil.com:8080", "evil.com:8080")); // DNS rebinding: Host matches Origin, both foreign
        CHECK_FALSE(p.origin_allowed("http://127.0.0.1:8080", "localhost:8080"));
        CHECK_FALSE(p.origin_allowed("null", "127.0.0.1:8080"));
        CHECK_FALSE(p.origin_allowed("http://dash.example:3000/", "127.0.0.1:8080"));
    }
    SUBCASE("token: exact, after decoding; a Bearer header when sent") {
        const std::string good = "s3cret", longer = "s3cretx", shorter = "s3cre", empty;
        CHECK(p.token_ok("", &good));
        CHECK_FALSE(p.token_ok("", &longer));
        CHECK_FALSE(p.token_ok("", &shorter));
        CHECK_FALSE(p.token_ok("", &empty));
        CHECK_FALSE(p.token_ok("", nullptr));
        CHECK(p.token_ok("Bearer s3cret", nullptr));
        CHECK(p.token_ok("bearer s3cret", nullptr));
        CHECK_FALSE(p.token_ok("Bearer s3cretx", &good)); // a wrong header is not rescued by the query
        CHECK_FALSE(p.token_ok("Basic s3cret", nullptr));
        CHECK_FALSE(p.token_ok("Bearer", nullptr));
        // ?xtoken=s3cret is a different parameter
        CHECK(parse_request_target("/ws/risk?xtoken=s3cret").param("token") == std::nullopt);
        const access_policy q("127.0.0.1", 8080, {}, {}, "a+b/c%d&e");
        const auto t = parse_request_target("/ws/risk?token=a%2Bb%2Fc%25d%26e");
        const auto decoded = t.param("token");
        REQUIRE(decoded);
        CHECK(*decoded == "a+b/c%d&e");
        CHECK(q.token_ok("", &*decoded));
        CHECK(access_policy("127.0.0.1", 8080, {}, {}, "").token_ok("", nullptr)); // no token configured
    }
    SUBCASE("constant_time_equal is plain equality") {
        CHECK(constant_time_equal("abc", "abc"));
        CHECK_FALSE(constant_time_equal("abd", "abc"));
        CHECK_FALSE(constant_time_equal("ab", "abc"));
        CHECK_FALSE(constant_time_equal(std::string_view("abc\0", 4), "abc"));
        CHECK(constant_time_equal("", ""));
    }
}

TEST_CASE("a request's transfer codings: chunked alone, in any case, or none; anything else refused, quoted") {
    using list = std::vector<std::string>;
    CHECK_FALSE(transfer_coding_refusal(list{}));
    for (const list& ok : {list{"chunked"}, list{"Chunked"}, list{"CHUNKED"}, list{" chunked\t"}, list{", chunked ,"}, list{"", "chunked"}})
        CHECK_MESSAGE(!transfer_coding_refusal(ok), ok.back());
    // The last coding not chunked: no determinable length (the body would be the next request).
    // Another coding before chunked: not decoded. chunked twice, parameters, an empty field,
    // near-misses: refused too.
    for (const list& bad : {list{"gzip"}, list{"identity"}, list{"chunked, gzip"}, list{"gzip, chunked"}, list{"chunked", "gzip"},
                            list{"gzip", "chunked"}, list{"chunked, chunked"}, list{"chunked", "chunked"}, list{"chunked;a=b"},
                            list{""}, list{" , "}, list{"chunke"}, list{"chunkedx"}, list{"xchunked"}, list{"chunked\x0b"}})
        CHECK_MESSAGE(transfer_coding_refusal(bad), bad.front());
    // HTTP/1.0: any Transfer-Encoding (RFC 9112 section 6.1: the framing is faulty).
    CHECK_FALSE(transfer_coding_refusal(list{}, false));
    CHECK(*transfer_coding_refusal(list{"chunked"}, false) ==
          "Transfer-Encoding 'chunked' in an HTTP/1.0 request: its framing is not trusted (RFC 9112 section 6.1)");
    CHECK(*transfer_coding_refusal(list{"chunked", "gzip"}) == "Transfer-Encoding 'chunked, gzip' is not supported: chunked alone is (RFC 9112 section 6.1)");
    const auto shown = *transfer_coding_refusal(list{std::string("g\x01z\xff") + std::string(200, 'x')});
    CHECK(shown.find("'g?z?xxx") != std::string::npos);
    CHECK(shown.find("...'") != std::string::npos);
    CHECK(shown.size() < 200);
}

TEST_CASE("a WebSocket key is one field of 16 bytes in base64") {
    using list = std::vector<std::string>;
    CHECK(websocket_key_valid(list{"dGhlIHNhbXBsZSBub25jZQ=="})); // RFC 6455 section 1.3's example
    CHECK(websocket_key_valid(list{" AAAAAAAAAAAAAAAAAAAA+/==\t"}));
    for (const list& bad : {list{}, list{"abc"}, list{"dGhlIHNhbXBsZSBub25jZQ="}, list{"dGhlIHNhbXBsZSBub25jZQ==="},
                            list{"dGhlIHNhbXBsZSBub25jZQ=A"}, list{"dGhlIHNhbXBsZSBub25j!Q=="}, list{"dGhlIHNhbXBsZSBub25jZQ", "=="},
                            list{"dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=="}, list{"dGhlIHNhbXBsZSBub25jZXh4eA=="},
                            list{"dGhlIHNhbXBsZSBub25jZQ-_"}, list{""}})
        CHECK_MESSAGE(!websocket_key_valid(bad), (bad.empty() ? std::string("(none)") : bad.front()));
}
