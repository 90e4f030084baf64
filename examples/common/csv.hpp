#pragma once
// A small, strict CSV reader for the market data files of data/ (comma-separated, one header
// line, '.' decimal point, no quoting). The first column is a label (day or date) and is kept
// as text; the others must parse completely as numbers. A malformed row throws with its line
// number, so no row is skipped silently. I/O lives here, in examples/, never in the core.

#include <charconv>
#include <cmath>
#include <istream>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

namespace rtrisk_examples {

struct table {
    std::vector<std::string> columns; ///< numeric column names (the label column excluded)
    std::vector<std::string> labels;  ///< first field of each row
    Eigen::MatrixXd values;           ///< rows x columns, column-major
};

inline std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = line.find(',', start);
        out.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

/// Reads a CSV table from `in`; `path` names it in messages. Throws std::runtime_error naming
/// the file, line and column for a malformed row, a duplicate or empty column name, or a value
/// that is not a finite number. A UTF-8 byte-order mark is skipped.
inline table read_csv(std::istream& in, const std::string& path) {
    std::string line;
    if (!std::getline(in, line)) throw std::runtime_error(path + ": empty file");
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    table t;
    const auto header = split(line);
    if (header.size() < 2) throw std::runtime_error(path + ":1: expected a label column and at least one value column");
    for (std::size_t i = 1; i < header.size(); ++i) {
        const std::string name(header[i]);
        if (name.empty()) throw std::runtime_error(path + ":1: column " + std::to_string(i + 1) + " has no name");
        for (const auto& c : t.columns)
            if (c == name) throw std::runtime_error(path + ":1: column name '" + name + "' appears twice");
        t.columns.push_back(name);
    }
    std::vector<double> flat;
    std::size_t lineno = 1;
    while (std::getline(in, line)) {
        ++lineno;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto fields = split(line);
        if (fields.size() != header.size()) {
            throw std::runtime_error(path + ":" + std::to_string(lineno) + ": expected " + std::to_string(header.size()) +
                                     " fields, got " + std::to_string(fields.size()));
        }
        t.labels.emplace_back(fields[0]);
        for (std::size_t i = 1; i < fields.size(); ++i) {
            double v = 0;
            const auto f = fields[i];
            const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
            if (ec != std::errc() || ptr != f.data() + f.size() || f.empty() || !std::isfinite(v)) {
                throw std::runtime_error(path + ":" + std::to_string(lineno) + ": field '" + std::string(f) + "' in column " +
                                         t.columns[i - 1] + " is not a finite number");
            }
            flat.push_back(v);
        }
    }
    if (t.labels.empty()) throw std::runtime_error(path + ": no data rows");
    const auto rows = static_cast<Eigen::Index>(t.labels.size());
    const auto cols = static_cast<Eigen::Index>(t.columns.size());
    t.values = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(flat.data(), rows, cols);
    return t;
}

/// Reads `path`; see read_csv(std::istream&, ...).
inline table read_csv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open '" + path + "'");
    return read_csv(in, path);
}

} // namespace rtrisk_examples
