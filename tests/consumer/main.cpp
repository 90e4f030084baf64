// Computes one VaR through the umbrella header; exits non-zero if the number is wrong.
#include <rtrisk/rtrisk.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    std::vector<double> pnl(100);
    for (int k = 0; k < 100; ++k) pnl[k] = k - 50.0; // VaR 95% = 45.05 (type 7, by hand)
    const double v = rtrisk::historical_var(pnl, 0.95);
    std::printf("rtrisk %d: historical VaR 95%% = %.2f\n", RTRISK_VERSION, v);
    return std::abs(v - 45.05) < 1e-9 ? 0 : 1;
}
