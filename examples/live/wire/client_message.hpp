#pragma once
// Messages a client may send on /ws/risk (docs/protocol.md): {"type":"resync"} and
// {"type":"ping"}. Anything else maps to the close code the protocol names. Nesting deeper
// than max_client_json_depth is refused while parsing, so no input can exhaust the stack.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace rtrisk_live {

// Close codes (docs/protocol.md).
constexpr std::uint16_t close_unsupported_data = 1003; // a binary message
constexpr std::uint16_t close_bad_json = 1007;         // malformed client message (or invalid UTF-8)
constexpr std::uint16_t close_policy = 1008;           // unknown message type
constexpr std::uint16_t close_too_big = 1009;          // larger than --max-message
constexpr std::uint16_t close_slow_consumer = 4408;    // stopped reading

constexpr int max_client_json_depth = 8;

enum class client_request { resync, ping };

struct client_message_error {
    std::uint16_t close_code;
    std::string reason;
};

/// Parses one text message from a client.
inline std::variant<client_request, client_message_error> parse_client_message(std::string_view text) {
    nlohmann::json msg;
    try {
        msg = nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (depth > max_client_json_depth) throw std::length_error("nesting too deep");
            return true;
        });
    } catch (const nlohmann::json::exception&) {
        return client_message_error{close_bad_json, "malformed JSON"};
    } catch (const std::length_error&) {
        return client_message_error{close_bad_json, "JSON nested too deep"};
    }
    if (msg.is_object()) {
        const auto it = msg.find("type");
        if (it != msg.end() && it->is_string()) {
            const auto& type = it->get_ref<const std::string&>();
            if (type == "resync") return client_request::resync;
            if (type == "ping") return client_request::ping;
        }
    }
    return client_message_error{close_policy, "unknown message type"};
}

} // namespace rtrisk_live
