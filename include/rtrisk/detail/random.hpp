#pragma once
/// @file detail/random.hpp
/// A seeded standard normal generator whose stream is the same on every standard library:
/// std::mt19937_64 (fully specified by the C++ standard) for the bits, 53-bit uniforms, and the
/// Box-Muller transform (std::normal_distribution is implementation-defined, so not used).

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace rtrisk::detail {

class normal_generator {
public:
    explicit normal_generator(std::uint64_t seed) : m_engine(seed) {}

    /// Next N(0, 1) draw.
    double operator()() {
        if (m_has_spare) {
            m_has_spare = false;
            return m_spare;
        }
        // u1 in (0, 1] so that log(u1) is finite; u2 in [0, 1).
        const double u1 = 1.0 - uniform();
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double t = 2.0 * std::numbers::pi * u2;
        m_spare = r * std::sin(t);
        m_has_spare = true;
        return r * std::cos(t);
    }

private:
    double uniform() { return static_cast<double>(m_engine() >> 11) * 0x1.0p-53; }

    std::mt19937_64 m_engine;
    double m_spare = 0.0;
    bool m_has_spare = false;
};

} // namespace rtrisk::detail
