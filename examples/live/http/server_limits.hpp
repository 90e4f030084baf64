#pragma once
// Limits both live servers keep (the C++ one, app/main.cpp, and the Python service): liveness
// pings, request header time, static file size, file descriptors kept in reserve. The request
// size limits are in request_target.hpp.

#include <chrono>
#include <cstddef>

namespace rtrisk_live {

inline constexpr auto ping_interval = std::chrono::seconds(1);
inline constexpr auto header_timeout = std::chrono::seconds(10); // whole request header, first or next
inline constexpr std::size_t max_static_file_bytes = 64u << 20;
inline constexpr int connection_reserve = 64; // file descriptors kept for /healthz, files and the engine

} // namespace rtrisk_live
