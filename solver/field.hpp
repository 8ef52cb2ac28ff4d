// Field: one scalar per cell for each of n_components components, stored as one contiguous block
// per component (component slowest, then k, j, i fastest) so that hot loops stream one block at
// a time and vectorise over i. No ghost layer: boundary conditions enter through face
// coefficients (see layered_operator.hpp), which keeps the layout a plain dense array.
#pragma once

#include <cassert>
#include <cstddef>
#include <vector>

#include "solver/grid.hpp"

namespace mesosim {

class Field {
 public:
  Field() = default;
  Field(const Grid& grid, int n_components)
      : n_components_(n_components), n_cells_(grid.n_cells()),
        data_(std::size_t(n_components) * grid.n_cells(), 0.0) {}

  int n_components() const { return n_components_; }
  std::size_t n_cells() const { return n_cells_; }
  bool empty() const { return data_.empty(); }

  double* component(int c) {
    assert(c >= 0 && c < n_components_);
    return data_.data() + std::size_t(c) * n_cells_;
  }
  const double* component(int c) const {
    assert(c >= 0 && c < n_components_);
    return data_.data() + std::size_t(c) * n_cells_;
  }
  double& operator()(int c, std::size_t cell) {
    assert(cell < n_cells_);
    return component(c)[cell];
  }
  double operator()(int c, std::size_t cell) const {
    assert(cell < n_cells_);
    return component(c)[cell];
  }
  std::vector<double>& raw() { return data_; }
  const std::vector<double>& raw() const { return data_; }

 private:
  int n_components_ = 0;
  std::size_t n_cells_ = 0;
  std::vector<double> data_;
};

}  // namespace mesosim
