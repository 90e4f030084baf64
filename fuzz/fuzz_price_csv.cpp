// Price and return CSV files (examples/common/csv.hpp): read into a table whose every value is
// finite, or refused with std::runtime_error naming the line.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "common/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        const auto t = rtrisk_examples::read_csv(in, "fuzz.csv");
        if (t.values.rows() != static_cast<Eigen::Index>(t.labels.size())) std::abort();
        if (t.values.cols() != static_cast<Eigen::Index>(t.columns.size())) std::abort();
        if (!t.values.allFinite()) std::abort();
    } catch (const std::runtime_error&) {
    }
    return 0;
}
