#include "solver/source.hpp"

#include <algorithm>
#include <cmath>

#include "solver/error.hpp"

namespace mesosim {

double Source::amount(int c, double t0, double t1) const {
  const double overlap = std::min(t1, t_end) - std::max(t0, t_start);
  return overlap > 0.0 ? rate[c] * overlap : 0.0;
}

Source make_point_source(const Grid& grid, double x, double y, double z, double radius, double t_start,
                         double t_end, const std::vector<double>& rate) {
  if (x < 0 || x > grid.length_x() || y < 0 || y > grid.length_y() || z < 0 || z > grid.depth())
    throw InputError("source position (" + std::to_string(x * 1e3) + ", " + std::to_string(y * 1e3) + ", " +
                     std::to_string(z * 1e3) + ") mm lies outside the tissue block");
  if (!(t_end > t_start)) throw InputError("source must end after it starts");
  Source source;
  source.t_start = t_start;
  source.t_end = t_end;
  source.rate = rate;
  double nearest = 1e300;
  std::size_t nearest_cell = 0;
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        const double r2 = std::pow(grid.x_centre(i) - x, 2) + std::pow(grid.y_centre(j) - y, 2) +
                          std::pow(grid.z_centre(k) - z, 2);
        if (r2 <= radius * radius) source.cells.push_back(grid.index(i, j, k));
        if (r2 < nearest) {
          nearest = r2;
          nearest_cell = grid.index(i, j, k);
        }
      }
  if (source.cells.empty()) source.cells.push_back(nearest_cell);
  source.fractions.assign(source.cells.size(), 1.0 / double(source.cells.size()));
  return source;
}

}  // namespace mesosim
