#include <doctest/doctest.h>

#include <rtrisk/portfolio.hpp>

#include <limits>

TEST_CASE_TEMPLATE("portfolio values and exposures", Real, float, double) {
    rtrisk::basic_portfolio<Real> book;
    book.add({"DAX", 10, 1600, 1628.75});
    book.add({"FGBL", -2, 130, 128.5, 1000}); // a short future, multiplier 1000
    CHECK(book.size() == 2);
    CHECK(book.index_of("FGBL") == 1);
    CHECK(book.market_value(0) == doctest::Approx(16287.5));
    CHECK(book.market_value(1) == doctest::Approx(-257000));
    CHECK(book.net_exposure() == doctest::Approx(16287.5 - 257000));
    CHECK(book.gross_exposure() == doctest::Approx(16287.5 + 257000));
    CHECK(book.unrealized_pnl() == doctest::Approx(10 * 28.75 + (-2) * (-1.5) * 1000));
    book.set_price("DAX", 1700);
    CHECK(book.position(0).unrealized_pnl() == doctest::Approx(1000));
}

TEST_CASE("trades use average-cost accounting") {
    rtrisk::portfolio book;
    const auto i = book.add({"SMI", 0, 0, 100});
    CHECK(book.apply_trade(i, 10, 100) == 0.0);
    CHECK(book.apply_trade(i, 10, 110) == 0.0); // average cost (1000 + 1100) / 20 = 105
    CHECK(book.position(i).entry_price == doctest::Approx(105));
    CHECK(book.apply_trade(i, -5, 120) == doctest::Approx(5 * 15)); // realise 5 x (120 - 105)
    CHECK(book.position(i).quantity == doctest::Approx(15));
    CHECK(book.position(i).entry_price == doctest::Approx(105));
    CHECK(book.apply_trade(i, -20, 90) == doctest::Approx(15 * -15)); // close 15 at 90, open 5 short at 90
    CHECK(book.position(i).quantity == doctest::Approx(-5));
    CHECK(book.position(i).entry_price == doctest::Approx(90));
    CHECK(book.realized_pnl() == doctest::Approx(75 - 225));
    CHECK(book.position(i).price == 90);
}

TEST_CASE("portfolio rejects bad input with the value in the message") {
    rtrisk::portfolio book;
    book.add({"CAC", 1, 1, 1});
    CHECK_THROWS_WITH_AS(book.add({"CAC", 1, 1, 1}), "duplicate symbol 'CAC'", std::invalid_argument);
    CHECK_THROWS_WITH_AS(book.add({"", 1, 1, 1}), "position symbol is empty", std::invalid_argument);
    CHECK_THROWS_WITH_AS(book.add({"X", 1, 1, std::numeric_limits<double>::quiet_NaN()}), "price of 'X' nan is not finite",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(book.add({"Y", 1, 1, 1, -10}), "multiplier -10 of 'Y' must be positive and finite",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(book.index_of("FTSE"), "unknown symbol 'FTSE'", std::out_of_range);
    CHECK_THROWS_WITH_AS(book.set_price(3, 1.0), "position index 3 is out of range for a portfolio of 1 positions",
                         std::out_of_range);
}
