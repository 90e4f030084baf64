// HTTP request targets, static-file resolution and the Host policy (examples/live/http/): a
// target is parsed or refused with 400/414; whatever it names, a resolved file lies inside the
// static folder (which holds a symlink pointing out of it), its precompressed variant too, for
// any Accept-Encoding value. The same bytes as a Sec-WebSocket-Protocol value ask for shared
// compressed frames only when one of its comma-separated tokens is exactly rtrisk.deflate-raw;
// as a Transfer-Encoding value they pass only when its non-empty elements are chunked alone,
// and a refusal quotes them in printable ASCII.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>
#include <string_view>

#include "live/http/access_policy.hpp"
#include "live/http/request_target.hpp"
#include "live/http/static_files.hpp"
#include "live/http/transfer_coding.hpp"
#include "live/wire/framing.hpp"

namespace fs = std::filesystem;

namespace {
struct scratch { // removed at exit
    fs::path base = fs::temp_directory_path() / ("rtrisk_fuzz_static_" + std::to_string(::getpid()));
    ~scratch() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
};
const fs::path& root_dir() {
    static const scratch s;
    static const fs::path dir = [] {
        const fs::path& base = s.base;
        fs::create_directories(base / "dist" / "assets");
        std::ofstream(base / "dist" / "index.html") << "x";
        std::ofstream(base / "dist" / "assets" / "a.js") << "x";
        std::ofstream(base / "dist" / "assets" / "a.js.br") << "x";
        std::ofstream(base / "secret") << "x";
        std::error_code ec;
        fs::create_symlink(base / "secret", base / "dist" / "link", ec);
        fs::create_symlink(base / "secret", base / "dist" / "assets" / "a.js.gz", ec); // a variant pointing out
        return fs::canonical(base / "dist");
    }();
    return dir;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const rtrisk_live::static_root root(root_dir());
    static const rtrisk_live::access_policy policy("127.0.0.1", 8080, {"risk.example"}, {"http://a.example:3000"}, "tok");
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)policy.host_allowed(text, true);
    (void)policy.origin_allowed(text, "127.0.0.1:8080");
    { // an occurrence of the subprotocol with only spaces and tabs between it and a comma or an end on each side
        const std::string padded = "," + std::string(text) + ",";
        const auto sub = rtrisk_live::deflate_raw_subprotocol;
        const auto blank = [](char c) { return c == ' ' || c == '\t'; };
        bool named = false;
        for (auto at = padded.find(sub); at != std::string::npos && !named; at = padded.find(sub, at + 1)) {
            auto l = at, r = at + sub.size();
            while (blank(padded[l - 1])) --l;
            while (blank(padded[r])) ++r;
            named = padded[l - 1] == ',' && padded[r] == ',';
        }
        if ((rtrisk_live::requested_framing(text) == rtrisk_live::framing::deflate_raw) != named) std::abort();
    }
    { // transfer codings: lower-cased, split at commas, trimmed of spaces and tabs, empties dropped
        std::vector<std::string> elements;
        std::string lowered(text);
        for (char& c : lowered) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
        std::size_t at = 0;
        while (true) {
            const auto comma = lowered.find(',', at);
            std::string e = lowered.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
            const auto first = e.find_first_not_of(" \t"), last = e.find_last_not_of(" \t");
            if (first != std::string::npos) elements.push_back(e.substr(first, last - first + 1));
            if (comma == std::string::npos) break;
            at = comma + 1;
        }
        const bool chunked_alone = elements.size() == 1 && elements[0] == "chunked";
        const auto refusal = rtrisk_live::transfer_coding_refusal(std::vector<std::string_view>{text});
        if (refusal.has_value() == chunked_alone) std::abort();
        if (refusal)
            for (const char c : *refusal)
                if (c < 0x20 || c >= 0x7f) std::abort();
    }
    try {
        const auto t = rtrisk_live::parse_request_target(text);
        for (const auto& s : t.segments)
            if (s.empty() || s == "." || s == ".." || s.find('/') != std::string::npos) std::abort();
        if (const auto f = root.resolve(t)) {
            const auto rel = f->lexically_relative(root_dir());
            if (rel.empty() || *rel.begin() == "..") std::abort();
        }
        (void)rtrisk_live::accepts_coding(text, "br");
        if (const auto f = root.resolve(t, text)) { // the same input as an Accept-Encoding value
            const auto rel = f->path.lexically_relative(root_dir());
            if (rel.empty() || *rel.begin() == "..") std::abort();
        }
        if (const auto tok = t.param("token")) (void)policy.token_ok("", &*tok);
    } catch (const rtrisk_live::bad_target& e) {
        if (e.status() != 400 && e.status() != 414) std::abort();
    }
    return 0;
}
