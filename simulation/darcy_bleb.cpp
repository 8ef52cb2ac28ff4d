#include "simulation/darcy_bleb.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "io/results_file.hpp"
#include "solver/error.hpp"

namespace mesosim {

using json = nlohmann::json;

namespace {

constexpr double e_bleb = 0.1;  // excess fluid fraction that counts as bleb (MODEL §2)

/// The bleb's figures: the /bleb series column, whether each injection's row holds it too, and
/// the summary's key for its largest value over the run (null: none).
struct BlebColumn {
  const char* name;
  double BlebFigures::*member;
  bool per_injection;
  const char* summary_max;
};
constexpr BlebColumn bleb_columns[] = {
    {"excess_volume_m3", &BlebFigures::excess_volume, true, "max_excess_volume_m3"},
    {"peak_pressure_Pa", &BlebFigures::peak_pressure, true, "max_peak_pressure_Pa"},
    {"peak_depth_m", &BlebFigures::peak_depth, false, nullptr},
    {"diameter_m", &BlebFigures::diameter, true, "max_diameter_m"},
    {"thickness_m", &BlebFigures::thickness, true, "max_thickness_m"},
    {"peak_elevation_m", &BlebFigures::peak_elevation, true, "max_surface_elevation_m"},
};
constexpr std::size_t n_bleb_columns = std::size(bleb_columns);
// /bleb: time, the bleb columns, then these three.
constexpr std::size_t residual_column = 1 + n_bleb_columns, peak_excess_column = 2 + n_bleb_columns,
                      fluid_fraction_column = 3 + n_bleb_columns;

SeriesTable make_series() {
  SeriesTable table{"/bleb", {"time_s"}, {}};
  for (const BlebColumn& column : bleb_columns) table.names.push_back(column.name);
  table.names.insert(table.names.end(), {"fluid_ledger_residual", "peak_excess", "max_fluid_fraction"});
  table.columns.resize(table.names.size());
  return table;
}

SeriesTable make_per_injection() {
  SeriesTable table{"/bleb_per_injection", {"injection", "end_time_s"}, {}};
  for (const BlebColumn& column : bleb_columns)
    if (column.per_injection) table.names.push_back(column.name);
  table.columns.resize(table.names.size());
  return table;
}

/// Column `name` of a table (the names are the code's own: a miss is a bug).
const std::vector<double>& column_of(const SeriesTable& table, const std::string& name) {
  const auto found = std::find(table.names.begin(), table.names.end(), name);
  if (found == table.names.end()) throw std::logic_error(table.group + " has no column " + name);
  return table.columns[std::size_t(found - table.names.begin())];
}

}  // namespace

double SeriesTable::max_abs(std::size_t column) const {
  double m = 0.0;
  for (double v : columns[column]) m = std::max(m, std::abs(v));
  return m;
}

std::string darcy_check_note(const Scenario& scenario) {
  double shortest = 1e300, longest = 0.0;
  for (const Injection& injection : scenario.injections) {
    shortest = std::min(shortest, injection.volume / injection.rate);
    longest = std::max(longest, injection.volume / injection.rate);
  }
  char note[640];
  std::snprintf(note, sizeof note,
                "darcy reservoir: each injection flows for %.1f-%.1f s (volume / rate); the coupled solver then runs "
                "until the fluid is at rest (minutes to hours), each coupled step costing tens of plain steps. Layers "
                "without their own hydraulics take the forearm-dermis calibration (wheal size, pressure and "
                "half-life against published data: docs/calibration.md)\n",
                shortest, longest);
  return note;
}

DarcyBleb::DarcyBleb(const Scenario& scenario, std::vector<Injection> injections, bool resuming)
    : file_(scenario.file), scheduled_(scenario.injections), injections_(std::move(injections)), series_(make_series()),
      per_injection_(make_per_injection()) {
  DarcySettings settings;
  settings.at_rest = scenario.integrator;
  reservoir_ = std::make_unique<DarcyReservoir>(scenario.grid, scenario.boundaries, scenario.tissue,
                                                scenario.components, settings);
  if (!resuming) schedule(0.0, false);
  // When each injection's flow stops, and the lateral radius its own bleb is measured in: half
  // the distance to the nearest other tip (all of the tissue for a lone one).
  for (const Injection& injection : injections_) {
    end_.push_back(injection.time + injection.volume / injection.rate);
    double radius = std::numeric_limits<double>::infinity();
    for (const Injection& other : injections_) {
      const double d = std::hypot(other.x - injection.x, other.y - injection.y);
      if (d > 1e-9) radius = std::min(radius, 0.5 * d);
    }
    radius_.push_back(radius);
  }
  sorted_ends_ = end_;
  std::sort(sorted_ends_.begin(), sorted_ends_.end());
}

void DarcyBleb::schedule(double from, bool resuming) {
  try {
    for (const Injection& injection : scheduled_) {
      if (resuming) reservoir_->resume_injection(darcy_injection(injection, injection.rate));
      else if (injection.time >= from) reservoir_->add_injection(darcy_injection(injection, injection.rate));
    }
  } catch (const InputError& e) {
    throw InputError(file_ + ": injections: " + e.what());
  }
}

void DarcyBleb::record_series(double time) {
  const BlebFigures b = reservoir_->bleb(e_bleb);
  std::vector<double> row{time};
  for (const BlebColumn& column : bleb_columns) row.push_back(b.*column.member);
  row.push_back(reservoir_->fluid_ledger_residual());
  row.push_back(b.peak_excess);
  row.push_back(b.max_fluid_fraction);
  series_.add_row(row);
}

void DarcyBleb::begin(TransportState& state, InjectionEvents& /*events*/) { record_series(state.time); }

bool DarcyBleb::advance_to(TransportState& state, double t, const StepHook& on_step, InjectionEvents& events) {
  bool was_moving = !reservoir_->at_rest();
  return reservoir_->advance_to(state, t, [&](const TransportState& s) {
    if (!reservoir_->at_rest() || was_moving) record_series(s.time);
    was_moving = !reservoir_->at_rest();
    // The reservoir lands on every injection end: the step that ends one ends exactly there.
    if (std::binary_search(sorted_ends_.begin(), sorted_ends_.end(), s.time)) {
      std::vector<std::size_t> ended;
      for (std::size_t i = 0; i < injections_.size(); ++i) {
        if (end_[i] != s.time) continue;
        const Injection& injection = injections_[i];
        const BlebFigures b = reservoir_->bleb_near(e_bleb, injection.x, injection.y, radius_[i]);
        std::vector<double> row{double(i), s.time};
        for (const BlebColumn& column : bleb_columns)
          if (column.per_injection) row.push_back(b.*column.member);
        per_injection_.add_row(row);
        ended.push_back(i);
      }
      events.injections_ended(ended);
    }
    if (on_step) on_step(s);
  });
}

double DarcyBleb::mass_in_fluid(const TransportState& state, int c) const {
  return reservoir_->mass_in_fluid(state, c);
}

double DarcyBleb::ledger_residual(const TransportState& state, int c) const {
  return reservoir_->ledger_residual(state, c);
}

long DarcyBleb::n_steps() const {
  return reservoir_->stats().n_coupled_steps + reservoir_->rest_integrator().stats().n_accepted;
}

long DarcyBleb::n_rejected() const { return reservoir_->rest_integrator().stats().n_rejected; }

std::vector<ModelField> DarcyBleb::fields() const {
  return {{"excess_fluid", "excess fluid volume per tissue volume, dimensionless", reservoir_->excess().data()}};
}

double DarcyBleb::excess_half_life() const {
  const std::vector<double>& t = series_.columns[0];
  const std::vector<double>& v = column_of(series_, "excess_volume_m3");
  if (v.empty()) return -1.0;
  const std::size_t top = std::size_t(std::max_element(v.begin(), v.end()) - v.begin());
  for (std::size_t n = top + 1; n < v.size(); ++n)
    if (v[n] <= 0.5 * v[top])
      return t[n - 1] + (t[n] - t[n - 1]) * (v[n - 1] - 0.5 * v[top]) / std::max(v[n - 1] - v[n], 1e-300) - t[top];
  return -1.0;
}

const std::vector<std::string>& darcy_summary_figures() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const BlebColumn& column : bleb_columns)
      if (column.summary_max) k.push_back(column.summary_max);
    k.insert(k.end(), {"excess_volume_half_life_s", "fluid_at_rest_s", "max_excess_fraction", "max_fluid_fraction",
                       "max_fluid_ledger_residual"});
    return k;
  }();
  return keys;
}

void DarcyBleb::add_summary(const TransportState& /*state*/, json& report, std::ostringstream& text) const {
  // The bleb: largest figures over the run, and how fast the excess fluid went.
  const double half_life = excess_half_life();
  const DarcyStats& ds = reservoir_->stats();
  json bleb = {{"e_bleb", e_bleb},
               {"excess_volume_half_life_s", half_life < 0 ? json() : json(half_life)},
               {"fluid_at_rest_s", ds.rest_time < 0 ? json() : json(ds.rest_time)},
               {"released_volume_m3", ds.released_volume},
               {"max_fluid_ledger_residual", series_.max_abs(residual_column)},
               {"max_excess_fraction", series_.max_abs(peak_excess_column)},
               {"max_fluid_fraction", series_.max_abs(fluid_fraction_column)},
               {"coupled_steps", ds.n_coupled_steps},
               {"pressure_solves", ds.n_pressure_solves},
               {"pressure_iterations", ds.n_pressure_iterations},
               {"unconverged_steps", ds.n_unconverged_steps},
               {"largest_unconverged_change", ds.largest_unconverged_change},
               {"wall_pressure_s", ds.pressure_seconds},
               {"wall_advection_s", ds.advection_seconds},
               {"wall_diffusion_reaction_s", ds.diffusion_seconds}};
  for (std::size_t n = 0; n < n_bleb_columns; ++n)
    if (bleb_columns[n].summary_max) bleb[bleb_columns[n].summary_max] = series_.max_abs(1 + n);
  auto largest = [&](const char* name) { return bleb.at(name).get<double>(); };
  char line[320];
  std::snprintf(line, sizeof line,
                "\nbleb (excess fluid fraction >= %.2g): largest %.3f mL, %.1f mm across, %.2f mm thick, peak "
                "pressure %.0f Pa, wheal %.2f mm high; half the excess fluid gone after %s; fluid at rest at %s "
                "(%d coupled steps); fluid ledger residual %.1e\n",
                e_bleb, largest("max_excess_volume_m3") * 1e6, largest("max_diameter_m") * 1e3,
                largest("max_thickness_m") * 1e3, largest("max_peak_pressure_Pa"),
                largest("max_surface_elevation_m") * 1e3,
                half_life < 0 ? "(not reached)" : (std::to_string(long(half_life / 60)) + " min").c_str(),
                ds.rest_time < 0 ? "(not reached)" : format_day_time(ds.rest_time).c_str(), int(ds.n_coupled_steps),
                largest("max_fluid_ledger_residual"));
  text << line;
  std::snprintf(line, sizeof line,
                "coupled phase wall time: pressure %.1f s (%ld solves; %ld multigrid-CG iterations); advection "
                "%.1f s; diffusion and reactions %.1f s\n",
                ds.pressure_seconds, ds.n_pressure_solves, ds.n_pressure_iterations, ds.advection_seconds,
                ds.diffusion_seconds);
  text << line;
  if (ds.n_unconverged_steps > 0) {
    std::snprintf(line, sizeof line,
                  "pressure iteration unconverged on %ld of %ld coupled steps (after %d solves, e still moving by "
                  "up to %.1f %% of its peak; tolerance %.1f %%)\n",
                  ds.n_unconverged_steps, ds.n_coupled_steps, reservoir_->settings().max_picard_iterations,
                  100.0 * ds.largest_unconverged_change, 100.0 * reservoir_->settings().picard_tolerance);
    text << line;
  }
  json per_injection = json::array();
  for (std::size_t r = 0; r < per_injection_.size(); ++r) {
    json entry;
    for (std::size_t c = 0; c < per_injection_.names.size(); ++c)
      entry[per_injection_.names[c]] = per_injection_.columns[c][r];
    entry["injection"] = long(per_injection_.columns[0][r]);
    per_injection.push_back(entry);
  }
  bleb["per_injection"] = per_injection;
  report["bleb"] = bleb;
  const std::size_t n_rows = per_injection_.size(), n_shown = std::min<std::size_t>(n_rows, 6);
  const std::vector<double>&end = column_of(per_injection_, "end_time_s"),
                       &volume = column_of(per_injection_, "excess_volume_m3"),
                       &diameter = column_of(per_injection_, "diameter_m"),
                       &thickness = column_of(per_injection_, "thickness_m"),
                       &pressure = column_of(per_injection_, "peak_pressure_Pa");
  for (std::size_t r = 0; r < n_shown; ++r) {
    std::snprintf(line, sizeof line,
                  "  injection %ld at its end (t = %.1f s): %.3f mL of excess fluid, %.1f mm across, %.2f mm thick, "
                  "peak pressure %.0f Pa\n",
                  long(per_injection_.columns[0][r]), end[r], volume[r] * 1e6, diameter[r] * 1e3, thickness[r] * 1e3,
                  pressure[r]);
    text << line;
  }
  if (n_rows > n_shown)
    text << "  ... " << n_rows - n_shown << " more in summary.json and results.h5 (/bleb_per_injection)\n";
  // e is the tissue's volumetric strain: a wheal swells the dermis about threefold (e ~ 3 in the
  // calibration), but a tenfold swelling means parameters far outside the calibrated range.
  if (largest("max_excess_fraction") > 10.0)
    text << "warning: the excess fluid fraction reached " << largest("max_excess_fraction")
         << " (the tissue swelled more than tenfold near the tip): the layer hydraulics or the rate are far "
            "outside the calibrated range and the bleb figures are not physical (docs/calibration.md)\n";
}

void DarcyBleb::save(Checkpoint& c) const {
  // After any step: at rest the plain integrator, counters and fluid ledger; in the coupled
  // phase also the fluid (e, p, z) and the coupled step control.
  const DarcyReservoir::Memory memory = reservoir_->memory();
  put_integrator(c, "darcy.rest", memory.rest);
  const DarcyStats& stats = memory.stats;
  c.put_real("darcy.stats.smallest_step_s", stats.smallest_step);
  c.put_real("darcy.stats.largest_step_s", stats.largest_step);
  c.put_real("darcy.stats.released_volume_m3", stats.released_volume);
  c.put_real("darcy.stats.rest_time_s", stats.rest_time);
  c.put_real("darcy.stats.pressure_seconds", stats.pressure_seconds);
  c.put_real("darcy.stats.advection_seconds", stats.advection_seconds);
  c.put_real("darcy.stats.diffusion_seconds", stats.diffusion_seconds);
  c.put_count("darcy.stats.n_coupled_steps", stats.n_coupled_steps);
  c.put_count("darcy.stats.n_rest_steps", stats.n_rest_steps);
  c.put_count("darcy.stats.n_pressure_solves", stats.n_pressure_solves);
  c.put_count("darcy.stats.n_pressure_iterations", stats.n_pressure_iterations);
  c.put_count("darcy.stats.n_unconverged_steps", stats.n_unconverged_steps);
  c.put_real("darcy.stats.largest_unconverged_change", stats.largest_unconverged_change);
  const MassLedger& f = memory.fluid_ledger;
  c.put_real("darcy.fluid_ledger.injected_m3", f.injected);
  c.put_real("darcy.fluid_ledger.to_blood_m3", f.to_blood);
  c.put_real("darcy.fluid_ledger.to_lymph_m3", f.to_lymph);
  c.put_real("darcy.fluid_ledger.degraded_m3", f.degraded);
  c.put_reals("darcy.fluid_ledger.boundary_m3", std::vector<double>(f.boundary.begin(), f.boundary.end()));
  c.put_count("darcy.fluid_steps", memory.fluid_steps);
  c.put_count("darcy.at_rest", memory.at_rest ? 1 : 0);
  c.put_real("darcy.next_step_s", memory.next_step);
  c.put_real("darcy.segment.start_s", memory.segment_start);
  c.put_real("darcy.segment.end_s", memory.segment_end);
  c.put_count("darcy.segment.n_steps", memory.segment_steps);
  c.put_count("darcy.segment.n_done", memory.segment_done);
  if (!memory.at_rest) {
    c.put_reals("darcy.excess_fluid", memory.excess);
    c.put_reals("darcy.pressure_Pa", memory.pressure);
    c.put_reals("darcy.relaxing_pressure_Pa", memory.relaxing);
  }
}

void DarcyBleb::load(const Checkpoint& c, const TransportState& state) {
  // The reservoir's plain integrator, counters and fluid ledger, in the coupled phase the fluid
  // and its step control, then the injections still running or to come; the bleb tables so far
  // come from results.h5.
  DarcyReservoir::Memory memory;
  memory.rest = get_integrator(c, "darcy.rest");
  DarcyStats& stats = memory.stats;
  stats.smallest_step = c.real("darcy.stats.smallest_step_s");
  stats.largest_step = c.real("darcy.stats.largest_step_s");
  stats.released_volume = c.real("darcy.stats.released_volume_m3");
  stats.rest_time = c.real("darcy.stats.rest_time_s");
  // Checkpoints before the stiffened reservoir lack the solver statistics: they start from 0.
  stats.pressure_seconds = c.real_or("darcy.stats.pressure_seconds", 0.0);
  stats.advection_seconds = c.real_or("darcy.stats.advection_seconds", 0.0);
  stats.diffusion_seconds = c.real_or("darcy.stats.diffusion_seconds", 0.0);
  stats.n_coupled_steps = long(c.count("darcy.stats.n_coupled_steps"));
  stats.n_rest_steps = long(c.count("darcy.stats.n_rest_steps"));
  stats.n_pressure_solves = long(c.count_or("darcy.stats.n_pressure_solves", 0));
  stats.n_pressure_iterations = long(c.count_or("darcy.stats.n_pressure_iterations", 0));
  stats.n_unconverged_steps = long(c.count_or("darcy.stats.n_unconverged_steps", 0));
  stats.largest_unconverged_change = c.real_or("darcy.stats.largest_unconverged_change", 0.0);
  MassLedger& f = memory.fluid_ledger;
  f.injected = c.real("darcy.fluid_ledger.injected_m3");
  f.to_blood = c.real("darcy.fluid_ledger.to_blood_m3");
  f.to_lymph = c.real("darcy.fluid_ledger.to_lymph_m3");
  f.degraded = c.real("darcy.fluid_ledger.degraded_m3");
  const std::vector<double>& boundary = c.reals("darcy.fluid_ledger.boundary_m3");
  if (boundary.size() != f.boundary.size())
    throw InputError(c.label() + ": darcy.fluid_ledger.boundary_m3 holds " + std::to_string(boundary.size()) +
                     " sides, not " + std::to_string(f.boundary.size()));
  std::copy(boundary.begin(), boundary.end(), f.boundary.begin());
  memory.fluid_steps = long(c.count("darcy.fluid_steps"));
  // Checkpoints from before the coupled checkpoint were all taken at rest.
  memory.at_rest = c.count_or("darcy.at_rest", 1) != 0;
  memory.next_step = c.real_or("darcy.next_step_s", 0.0);
  memory.segment_start = c.real_or("darcy.segment.start_s", 0.0);
  memory.segment_end = c.real_or("darcy.segment.end_s", -1.0);
  memory.segment_steps = long(c.count_or("darcy.segment.n_steps", 0));
  memory.segment_done = long(c.count_or("darcy.segment.n_done", 0));
  if (!memory.at_rest) {
    const std::size_t n_cells = reservoir_->solute_model().grid().n_cells();
    auto field = [&](const char* key) {
      const std::vector<double>& values = c.reals(key);
      if (values.size() != n_cells)
        throw InputError(c.label() + ": " + key + " holds " + std::to_string(values.size()) + " cells, not the " +
                         std::to_string(n_cells) + " of the scenario's grid");
      return values;
    };
    memory.excess = field("darcy.excess_fluid");
    memory.pressure = field("darcy.pressure_Pa");
    memory.relaxing = field("darcy.relaxing_pressure_Pa");
  }
  reservoir_->restore(memory, state.time);
  schedule(state.time, true);
}

}  // namespace mesosim
