// The one doctest main of the C++ suites; each test_<header>.cpp holds the cases of one header.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
