// Stage 1 of MODEL §2, reservoir formation: the interstitial pressure equation
//   S dp/dt = div(K grad p) - chi p + sum_j Q_j(t) w_j(x)
// has exactly the form of one transport component with continuity variable u = p, capacity S,
// conductivity K and first-order removal chi, and "concentration" c = P u = S p = e, the excess
// fluid fraction (take P = S, D = K/S, k = chi/S). ReservoirModel builds that TransportModel, so the
// pressure is advanced by the same verified steppers and its ledger is the fluid ledger:
// injected volume = stored (integral of e) + removed by lymph/capillaries (chi p) + lost through
// open sides, to round-off. It also measures the bleb. It does not (yet) move solutes: coupling the
// Darcy flux q = -K grad p and phi = phi0 + e into the transport equations is the next stage.
#pragma once

#include <vector>

#include "models/transport_model.hpp"
#include "solver/pressure_multigrid.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// The pressure problem of a tissue: one pseudo-component "fluid" with u = p [Pa], c = e.
TransportModel make_pressure_model(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue);

/// Face conductances of the pressure model with the strain-stiffened K0 exp(m e) (MODEL §2): a
/// face takes exp(min(m e_face, max_stiffening_exponent)) times its conductance, with e_face the
/// mean excess fluid of its two cells (the cell's own at an open side) and m of its depth (the
/// mean of the two depths' m on a horizontal face); `stiffening` holds m per depth cell
/// (cell_average of strain_stiffening). Boundary faces follow the model: closed 0, sink twice a
/// lateral face (half a cell to p = 0) or the model's bottom conductance, periodic wrapped faces
/// equal at both ends.
/// The tissue swells in height only, so a lateral face of a swollen cell is (1 + e_face) times
/// taller and a vertical path (1 + e_face) times longer: lateral faces take the factor
/// (1 + e_face), vertical faces 1 / (1 + e_face) as well when `swelling_geometry` is set.
void stiffened_faces(const TransportModel& pressure_model, const std::vector<double>& stiffening, const double* e,
                     FaceConductances& faces, bool swelling_geometry = false);

/// What the bleb looks like at one instant. The tissue swells in height only (models/swelling.hpp):
/// lateral sizes are those of the unswollen grid, heights are swollen ones.
struct BlebFigures {
  double excess_volume = 0.0;  ///< m^3, integral of e over the tissue
  double peak_pressure = 0.0;  ///< Pa
  double peak_excess = 0.0;    ///< largest e, dimensionless
  double peak_depth = 0.0;     ///< m, depth (unswollen) of the largest e
  double diameter = 0.0;       ///< m, lateral extent of e >= e_bleb at the depth of the largest e
  double thickness = 0.0;      ///< m, swollen height of the cells with e >= e_bleb through the peak: sum (1 + e) hz
  double peak_elevation = 0.0; ///< m, largest surface elevation (integral of e dz over a column)
  double wheal_diameter = 0.0; ///< m, lateral extent through the highest column of the skin raised by >= visible_elevation
  double max_fluid_fraction = 0.0;  ///< largest (phi0 + e) / (1 + e), at most 1 (0 when phi0 is not given)
};

/// Surface elevation that counts as the visible wheal (what a nurse reads after a Mantoux test), m
/// (an estimate [E]: about the smallest rise seen and felt on the skin).
inline constexpr double visible_elevation = 0.1e-3;

/// Bleb figures of a swollen tissue over the columns whose centres lie within `radius` (laterally)
/// of (x, y) (infinite: the whole grid): e and p per cell, phi0 per depth cell (empty: no fluid
/// fraction); e_bleb is the excess fluid fraction that counts as bleb.
BlebFigures measure_swelling(const Grid& grid, const double* e, const double* p, const std::vector<double>& phi0,
                             double e_bleb, double x, double y, double radius);

/// Bleb figures of a pressure state of make_pressure_model (linear tissue, e = S p).
BlebFigures measure_bleb(const TransportModel& pressure_model, const TransportState& pressure, double e_bleb);

/// The same over the cells whose centres lie within `radius` (laterally) of (x, y): the bleb of one
/// injection among several (excess volume and elevation of that region only).
BlebFigures measure_bleb_near(const TransportModel& pressure_model, const TransportState& pressure, double e_bleb,
                              double x, double y, double radius);

/// Surface elevation map, integral of e dz per column (nx * ny values, i fastest), m: the height by
/// which the skin surface rises over each column.
std::vector<double> surface_elevation(const Grid& grid, const double* e);
/// The same for a pressure state of make_pressure_model (e = S p).
std::vector<double> surface_elevation(const TransportModel& pressure_model, const TransportState& pressure);

}  // namespace mesosim
