// mesosim: the command-line program.
//   mesosim run [--out DIR] [--end "7 d"] [--scheme implicit|explicit] [--tolerance 1e-3]
//               [--cell "200 um"] [--threads N] [--force] [--quiet]
//   mesosim --version
// `run` without a scenario runs the built-in default case (default_case.hpp): one 0.05 mL
// injection followed for 7 days, writing the mass ledger over time to DIR/ledger.csv and a
// summary to DIR/summary.txt. Input errors exit with code 2, solver failures with 3.
#include <omp.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/default_case.hpp"
#include "scenarios/units.hpp"
#include "models/error.hpp"
#include "solver/integrator.hpp"

namespace fs = std::filesystem;
using namespace mesosim;

namespace {

struct RunOptions {
  std::string out;  // empty: a fresh results/default-YYYYmmdd-HHMMSS
  std::string end = "7 d";
  std::string cell = "200 um";
  std::string output_interval = "1 h";
  std::string scheme = "implicit";
  double tolerance = 1e-3;
  int threads = 0;
  bool force = false;
  bool quiet = false;
};

std::string format_time(double seconds) {
  const long total_minutes = long(std::floor(seconds / 60.0 + 1e-9));
  const long days = total_minutes / (24 * 60), hours = (total_minutes / 60) % 24, minutes = total_minutes % 60;
  char text[64];
  std::snprintf(text, sizeof text, "day %ld, %02ld:%02ld", days, hours, minutes);
  return text;
}

/// Creates the output directory; refuses to reuse a non-empty one unless forced.
void prepare_output(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec) && !force)
    throw InputError("output directory '" + dir.string() +
                     "' already holds results; choose another with --out, or pass --force to replace them");
  fs::create_directories(dir, ec);
  if (ec) throw InputError("cannot create output directory '" + dir.string() + "': " + ec.message());
  const fs::path probe = dir / ".write-test";
  std::ofstream test(probe);
  if (!test) throw InputError("output directory '" + dir.string() + "' is not writable");
  test.close();
  fs::remove(probe, ec);
}

int run(const RunOptions& options) {
  if (options.threads < 0) throw InputError("--threads must be >= 1 (or 0 for OMP_NUM_THREADS / all cores)");
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const double t_end = parse_quantity("--end", options.end, Dimension::of_time());
  const double cell = parse_quantity("--cell", options.cell, Dimension::of_length());
  const double interval = parse_quantity("--output-interval", options.output_interval, Dimension::of_time());
  if (!(t_end > 0.0)) throw InputError("--end must be positive, e.g. \"7 d\"");
  if (!(interval > 0.0)) throw InputError("--output-interval must be positive, e.g. \"1 h\"");
  if (!(cell >= 25e-6 && cell <= 1e-3))
    throw InputError("--cell " + options.cell + " is outside 25 um .. 1 mm for the default case");

  const DefaultCase setup = make_default_case(cell);
  const TransportModel model(setup.grid, setup.boundaries, setup.tissue, setup.components);
  IntegratorSettings settings;
  settings.scheme = options.scheme;
  settings.tolerance = options.tolerance;
  settings.adaptive = options.scheme == "implicit";
  Integrator integrator(model, settings);  // validates scheme and tolerance before anything is written

  fs::path out(options.out);
  if (options.out.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    out = fs::path("results") / (std::string("default-") + stamp);
  }
  prepare_output(out, options.force);
  TransportState state(model);
  const int n_filled = deposit_instant(model, state, setup);

  const Grid& g = model.grid();
  std::printf("MesoSim %s: built-in case, %d x %d x %d cells of %.0f um (%.1f M cells), %d components\n",
              MESOSIM_VERSION, g.nx, g.ny, g.nz, cell * 1e6, double(g.n_cells()) * 1e-6, model.n_components());
  std::printf("  injection: %.3f mL at %.2f mm depth (%s), instant deposit over %d cells; scheme %s, %d threads\n",
              setup.volume * 1e6, setup.tip_depth * 1e3,
              model.tissue().layers[model.tissue().layer_at(setup.tip_depth)].name.c_str(), n_filled,
              options.scheme.c_str(), omp_get_max_threads());

  std::ofstream ledger_csv(out / "ledger.csv");
  ledger_csv << "time_s,component,injected_kg,in_fluid_kg,bound_kg,to_blood_kg,to_lymph_kg,degraded_kg,"
                "boundary_kg,ledger_residual\n";
  auto write_ledger = [&] {
    for (int c = 0; c < model.n_components(); ++c) {
      const MassLedger& l = state.ledger[c];
      double boundary = 0.0;
      for (double b : l.boundary) boundary += b;
      ledger_csv << state.time << ',' << '"' << model.component(c).name << '"' << ',' << l.injected << ','
                 << mass_in_fluid(model, state, c) << ',' << mass_bound(model, state, c) << ',' << l.to_blood
                 << ',' << l.to_lymph << ',' << l.degraded << ',' << boundary << ','
                 << ledger_residual(model, state, c) << '\n';
    }
    ledger_csv.flush();
    if (!ledger_csv) throw InputError("writing " + (out / "ledger.csv").string() + " failed (disk full?)");
  };
  ledger_csv.precision(12);
  write_ledger();

  const bool terminal = isatty(STDOUT_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  double last_log = -1e300;
  long n_outputs = long(std::ceil(t_end / interval - 1e-9));
  for (long n = 1; n <= n_outputs; ++n) {
    const double t_out = n == n_outputs ? t_end : double(n) * interval;
    integrator.advance_to(state, t_out);
    write_ledger();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.quiet) continue;
    const double fraction = state.time / t_end;
    const double eta = fraction > 0 ? wall * (1.0 - fraction) / fraction : 0.0;
    double in_tissue = 0.0, injected = 0.0;
    for (int c = 0; c < model.n_components(); ++c) {
      in_tissue += mass_in_fluid(model, state, c) + mass_bound(model, state, c);
      injected += state.ledger[c].injected;
    }
    if (terminal) {
      const int width = 30, filled = int(fraction * width);
      std::printf("\r  [%s%s] %s  %5.1f%%  %ld steps  %.1f sim-d/wall-s  ETA %.0f s  in tissue %.1f%%   ",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                  format_time(state.time).c_str(), 100 * fraction, state.n_steps, state.time / 86400.0 / wall,
                  eta, 100 * in_tissue / injected);
      std::fflush(stdout);
    } else if (wall - last_log >= 5.0 || n == n_outputs) {
      last_log = wall;
      std::printf("  %s: %ld steps, %.1f s wall, ETA %.0f s, %.1f%% of the injected mass in tissue\n",
                  format_time(state.time).c_str(), state.n_steps, wall, eta, 100 * in_tissue / injected);
      std::fflush(stdout);
    }
  }
  if (terminal && !options.quiet) std::printf("\n");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::ostringstream summary;
  summary << "MesoSim " << MESOSIM_VERSION << " built-in case, " << format_time(t_end) << "\n";
  summary << "steps " << integrator.stats().n_accepted << " accepted, " << integrator.stats().n_rejected
          << " rejected; wall " << wall << " s\n";
  summary << "component, injected mg, in tissue %, to blood %, to lymph %, degraded %, out of box %, ledger residual\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const MassLedger& l = state.ledger[c];
    double boundary = 0.0;
    for (double b : l.boundary) boundary += b;
    const double m0 = l.injected;
    char line[256];
    std::snprintf(line, sizeof line, "%s, %.3f, %.2f, %.2f, %.2f, %.2f, %.2f, %.1e\n", model.component(c).name.c_str(),
                  m0 * 1e6, 100 * (mass_in_fluid(model, state, c) + mass_bound(model, state, c)) / m0,
                  100 * l.to_blood / m0, 100 * l.to_lymph / m0, 100 * l.degraded / m0, 100 * boundary / m0,
                  ledger_residual(model, state, c));
    summary << line;
  }
  std::ofstream(out / "summary.txt") << summary.str();
  std::cout << summary.str();
  std::printf("results: %s (ledger.csv, summary.txt)\n", fs::absolute(out).string().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MesoSim: mesotherapy microinjection transport in layered skin"};
  app.set_version_flag("--version", std::string("mesosim ") + MESOSIM_VERSION);
  app.require_subcommand(1);
  RunOptions options;
  CLI::App* run_command = app.add_subcommand("run", "Run a simulation (without a scenario: the built-in default case)");
  run_command->add_option("--out", options.out, "Output directory (default: results/default-DATE-TIME; refused if it holds results, see --force)");
  run_command->add_option("--end", options.end, "Simulated time with unit, e.g. \"7 d\", \"12 h\"")->capture_default_str();
  run_command->add_option("--cell", options.cell, "Cell size with unit, e.g. \"100 um\"")->capture_default_str();
  run_command->add_option("--output-interval", options.output_interval, "Ledger output interval, e.g. \"1 h\"")
      ->capture_default_str();
  run_command->add_option("--scheme", options.scheme, "Time stepping: implicit (adaptive) or explicit")
      ->capture_default_str();
  run_command->add_option("--tolerance", options.tolerance, "Adaptive local error per step, relative to the peak")
      ->capture_default_str();
  run_command->add_option("--threads", options.threads, "OpenMP threads (default: OMP_NUM_THREADS or all cores)");
  run_command->add_flag("--force", options.force, "Replace the results in an existing output directory");
  run_command->add_flag("--quiet", options.quiet, "No progress output");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return run(options);
  } catch (const InputError& e) {
    std::cerr << "mesosim: error: " << e.what() << "\n";
    return 2;
  } catch (const SolverError& e) {
    std::cerr << "mesosim: solver failure: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "mesosim: unexpected error: " << e.what() << "\n";
    return 4;
  }
}
