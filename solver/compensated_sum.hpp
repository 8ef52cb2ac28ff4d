// Neumaier's compensated summation. Ledger totals add up millions of cells; a plain running sum
// drifts by up to n x epsilon, this one stays within a few ulps of the exact sum.
#pragma once

#include <cmath>

namespace mesosim {

class CompensatedSum {
 public:
  void add(double value) {
    const double t = sum_ + value;
    compensation_ += std::abs(sum_) >= std::abs(value) ? (sum_ - t) + value : (value - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0.0, compensation_ = 0.0;
};

}  // namespace mesosim
