// Positions and proxies files (examples/live/engine/book_files.hpp): CSV with quoting or JSON
// Lines, read into records or refused with book_error naming the line; never a crash or a hang.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "live/engine/book_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        const auto records = rtrisk_live::detail::read_records(in, "fuzz.csv", rtrisk_live::position_fields());
        for (const auto& r : records) {
            for (const auto& [k, v] : r.fields) {
                if (!rtrisk_live::position_fields().contains(k)) std::abort();
            }
            try {
                (void)rtrisk_live::detail::number(r, "quantity");
                (void)rtrisk_live::detail::positive(r, "price");
                if (const auto* e = r.get("expiry")) (void)rtrisk_live::detail::parse_iso_date(*e);
            } catch (const rtrisk_live::book_error&) {
            }
        }
    } catch (const rtrisk_live::book_error&) {
    }
    return 0;
}
