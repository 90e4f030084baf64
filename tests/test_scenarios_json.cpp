// The JSON loader of examples/common/scenarios_json.hpp: data/scenarios/standard.json holds the
// core's standard scenarios, and malformed files are rejected with the scenario and field named.
#include <doctest/doctest.h>

#include "common/scenarios_json.hpp"
#include "rtrisk_data_dir.hpp"

TEST_CASE("the standard scenario file holds the core's standard scenarios") {
    const auto loaded = rtrisk_examples::load_scenarios(std::string(rtrisk_data_dir) + "/scenarios/standard.json");
    const auto standard = rtrisk::standard_scenarios();
    REQUIRE(loaded.size() >= standard.size());
    for (std::size_t i = 0; i < standard.size(); ++i) {
        CHECK(loaded[i].name == standard[i].name);
        CHECK(loaded[i].market_move == standard[i].market_move);
        CHECK(loaded[i].vol_shift == standard[i].vol_shift);
    }
    CHECK(loaded[4].symbol_moves.at("FTSE") == -0.02);
}

TEST_CASE("malformed scenarios are rejected with the scenario and field named") {
    using nlohmann::json;
    auto load = [](const char* text) { return rtrisk_examples::scenarios_from_json(json::parse(text)); };
    CHECK_THROWS_WITH_AS(load(R"({"scenarios": [{"name": "x", "market_mvoe": -0.1}]})"),
                         "scenario 0 ('x'): unknown field \"market_mvoe\"", std::runtime_error);
    CHECK_THROWS_WITH_AS(load(R"({"scenarios": [{"name": "x", "market_move": "-10%"}]})"),
                         "scenario 0 ('x'): market_move must be a number, got \"-10%\"", std::runtime_error);
    CHECK_THROWS_WITH_AS(load(R"({"scenarios": [{"name": "ok"}, {"market_move": -0.1}]})"),
                         "scenario 1: \"name\" must be a non-empty string", std::runtime_error);
    CHECK_THROWS_WITH_AS(load(R"({"scenarios": [{"name": "x", "symbol_moves": {"DAX": -1.5}}]})"),
                         "scenario 0 ('x'): symbol_moves.DAX -1.5 must be greater than -1", std::runtime_error);
    CHECK_THROWS_WITH_AS(load(R"({"scenarios": [{"name": "crash"}, {"name": "rally"}, {"name": "crash", "market_move": -0.2}]})"),
                         "scenario 2 ('crash'): scenario 0 has this name already", std::runtime_error);
    CHECK(load(R"({"scenarios": [{"name": "crash"}, {"name": "Crash"}]})").size() == 2);
    CHECK_THROWS_WITH_AS(load(R"([1, 2])"), "scenario file: expected an object with a \"scenarios\" array",
                         std::runtime_error);
}
