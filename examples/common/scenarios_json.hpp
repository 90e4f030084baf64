#pragma once
// Stress scenarios from JSON (nlohmann/json): the application-side loader for the core's
// rtrisk::stress_scenario, which knows no I/O. Format, every field but "name" optional:
//
//   {"scenarios": [{"name": "crash", "market_move": -0.10, "vol_shift": 0.5,
//                   "group_moves": {"banks": -0.3}, "symbol_moves": {"DAX": -0.12}}]}
//
// Moves and shifts are relative (-0.10 = -10 %). An unknown key, a missing name or one given
// before, a value that is not a finite number, or a spot move <= -1 throws std::runtime_error
// naming the scenario and the field, so a typo never silently becomes "no shock".

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <rtrisk/stress.hpp>

namespace rtrisk_examples {

inline std::vector<rtrisk::stress_scenario> scenarios_from_json(const nlohmann::json& doc) {
    if (!doc.is_object() || !doc.contains("scenarios") || !doc["scenarios"].is_array()) {
        throw std::runtime_error("scenario file: expected an object with a \"scenarios\" array");
    }
    std::vector<rtrisk::stress_scenario> out;
    std::size_t i = 0;
    for (const auto& item : doc["scenarios"]) {
        const std::string where = "scenario " + std::to_string(i++);
        if (!item.is_object()) throw std::runtime_error(where + ": expected an object");
        if (!item.contains("name") || !item["name"].is_string() || item["name"].get<std::string>().empty()) {
            throw std::runtime_error(where + ": \"name\" must be a non-empty string");
        }
        rtrisk::stress_scenario s;
        s.name = item["name"].get<std::string>();
        const std::string who = where + " ('" + s.name + "')";
        auto number = [&](const nlohmann::json& v, const std::string& field, bool is_move) {
            if (!v.is_number()) throw std::runtime_error(who + ": " + field + " must be a number, got " + v.dump());
            const double x = v.get<double>();
            if (!std::isfinite(x)) throw std::runtime_error(who + ": " + field + " is not finite");
            if (is_move && !(x > -1)) throw std::runtime_error(who + ": " + field + " " + v.dump() + " must be greater than -1");
            return x;
        };
        auto moves = [&](const nlohmann::json& v, const std::string& field) {
            if (!v.is_object()) throw std::runtime_error(who + ": " + field + " must be an object of moves");
            std::map<std::string, double> m;
            for (const auto& [k, x] : v.items()) m[k] = number(x, field + "." + k, true);
            return m;
        };
        for (const auto& [key, value] : item.items()) {
            if (key == "name") continue;
            else if (key == "market_move") s.market_move = number(value, key, true);
            else if (key == "vol_shift") s.vol_shift = number(value, key, true);
            else if (key == "symbol_moves") s.symbol_moves = moves(value, key);
            else if (key == "group_moves") s.group_moves = moves(value, key);
            else throw std::runtime_error(who + ": unknown field \"" + key + "\"");
        }
        for (std::size_t j = 0; j < out.size(); ++j) // results are labelled by name
            if (out[j].name == s.name) throw std::runtime_error(who + ": scenario " + std::to_string(j) + " has this name already");
        out.push_back(std::move(s));
    }
    return out;
}

inline std::vector<rtrisk::stress_scenario> load_scenarios(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open '" + path + "'");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
    return scenarios_from_json(doc);
}

} // namespace rtrisk_examples
