// Stress scenario files (examples/common/scenarios_json.hpp): parsed, or refused with
// std::runtime_error; every accepted move is finite and above -1.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/scenarios_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const nlohmann::json::exception&) {
        return 0;
    }
    try {
        for (const auto& s : rtrisk_examples::scenarios_from_json(doc)) {
            if (s.name.empty() || !(s.market_move > -1) || !std::isfinite(s.market_move) || !std::isfinite(s.vol_shift)) std::abort();
            for (const auto& [k, v] : s.symbol_moves)
                if (!(v > -1) || !std::isfinite(v)) std::abort();
        }
    } catch (const std::runtime_error&) {
    }
    return 0;
}
