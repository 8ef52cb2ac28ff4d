// Calibration probe for the reservoir (issue #3): 0.1 mL injected in 10 s at a given depth into
// the forearm layers of the built-in case (30 x 30 x 6 mm, 0.2 mm cells, closed sides), with every
// layer's compliance S and conductivity K set from the command line (the hypodermis gets 5 K).
// Prints the bleb figures (MODEL §7 targets: wheal 6-10 mm across, half-life ~18 min, back-pressure
// ~12 kPa mean / 30 kPa max) at 10 s, 1 min, 10 min, 18 min and 30 min.
//   bleb_calibration [S=1e-4 1/Pa] [K=1.4e-11 m^2/(Pa s)] [depth=0.5e-3 m] [e_bleb=0.1]
#include <cstdio>
#include <cstdlib>

#include "app/default_case.hpp"
#include "solver/integrator.hpp"
#include "solver/reservoir.hpp"

using namespace mesosim;

int main(int argc, char** argv) {
  const double storage = argc > 1 ? std::atof(argv[1]) : 1e-4;
  const double conductivity = argc > 2 ? std::atof(argv[2]) : 1.4e-11;
  const double depth = argc > 3 ? std::atof(argv[3]) : 0.5e-3;
  const double e_bleb = argc > 4 ? std::atof(argv[4]) : 0.1;
  const double h = 0.2e-3;
  const Grid grid{150, 150, 30, h, h};
  Tissue tissue = make_default_scenario("200 um").tissue;
  for (Layer& layer : tissue.layers) {
    layer.storage = storage;
    layer.hydraulic_conductivity = conductivity;
  }
  tissue.layers.back().hydraulic_conductivity = 5 * conductivity;
  const TransportModel model = make_pressure_model(grid, Boundaries{}, tissue);
  const double centre = grid.length_x() / 2;
  std::vector<Source> sources{make_point_source(grid, centre, centre, depth, 0.3e-3, 0.0, 10.0, {0.1e-6 / 10})};
  TransportState state(model);
  Integrator integrator(model, IntegratorSettings{});
  integrator.set_sources(&sources);
  std::printf("S = %.2g 1/Pa, K = %.2g m^2/(Pa s), tip %.2f mm deep, e_bleb = %.2f\n", storage, conductivity,
              depth * 1e3, e_bleb);
  for (double t : {10.0, 60.0, 600.0, 1080.0, 1800.0}) {
    integrator.advance_to(state, t);
    const BlebFigures bleb = measure_bleb(model, state, e_bleb);
    std::printf("t = %6.0f s: excess %.4f mL, peak p %9.0f Pa, peak e at %.2f mm, diameter %.1f mm, thickness %.1f mm, "
                "peak elevation %.2f mm (%ld steps)\n",
                t, bleb.excess_volume * 1e6, bleb.peak_pressure, bleb.peak_depth * 1e3, bleb.diameter * 1e3,
                bleb.thickness * 1e3, bleb.peak_elevation * 1e3, state.n_steps);
  }
  return 0;
}
