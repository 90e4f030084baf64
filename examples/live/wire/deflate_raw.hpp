#pragma once
// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper) through zlib: what the browser's
// DecompressionStream("deflate-raw") reads. One message is one complete stream, compressed on its
// own (no shared dictionary), so every client can decode any message it is sent.

#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rtrisk_live {

/// `text` compressed as one raw DEFLATE stream (zlib level 0-9; 6 is zlib's default).
inline std::string deflate_raw(std::string_view text, int level = 6) {
    z_stream z{};
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflate_raw: zlib refused to start");
    std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(out.size() - z.avail_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate_raw: zlib did not finish the stream");
    return out;
}

/// Reads one raw DEFLATE stream back: its first `max_out` bytes at most (a prefix is enough to read
/// a message's header fields); throws std::invalid_argument on data that is not raw DEFLATE.
inline std::string inflate_raw(std::string_view data, std::size_t max_out = std::string::npos) {
    if (data.size() > std::numeric_limits<uInt>::max()) throw std::invalid_argument("inflate_raw: input over 4 GiB");
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) throw std::runtime_error("inflate_raw: zlib refused to start");
    std::string out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    char chunk[16384];
    while (out.size() < max_out) {
        const std::size_t room = std::min(sizeof chunk, max_out - out.size());
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = static_cast<uInt>(room);
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(chunk, room - z.avail_out);
        if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR) || (rc == Z_BUF_ERROR && z.avail_in == 0)) break;
    }
    const bool trailing = rc == Z_STREAM_END && z.avail_in > 0;
    inflateEnd(&z);
    if (out.size() >= max_out) return out;
    if (rc != Z_STREAM_END || trailing) throw std::invalid_argument("inflate_raw: not one complete raw DEFLATE stream");
    return out;
}

} // namespace rtrisk_live
