// mesosim: the command-line program.
//   mesosim run [SCENARIO.toml] [--set key=value]... [--out DIR] [--end "7 d"] [--scheme implicit|explicit]
//               [--tolerance 1e-3] [--cell "200 um"] [--threads N] [--snapshot-interval "6 h"]
//               [--checkpoint-every "10 min"] [--float32] [--force] [--quiet]
//   mesosim run --resume DIR
//   mesosim run --case OUT/cases/case-NNNN/case.json   (one sweep case, as `mesosim sweep` starts it)
//   mesosim check SCENARIO.toml [--set key=value]...
//   mesosim sweep SWEEP.toml [--out DIR] [--jobs N] [--threads-per-job M] [--shard i/N] [--resume]
//                [--dry-run] [--gather [--from DIR]...]
//   mesosim presets [tissue|component|technique [NAME]]
//   mesosim describe keys [--markdown]   (every scenario key: unit, default, range, meaning)
//   mesosim describe metrics [--markdown | --json]   (every output metric: unit, meaning, where written)
//   mesosim render DIR [--view section,top,3d,plots] [--component NAME|all] [--times "0 h,1 d"] [--movie] (app/render.hpp)
//   mesosim view DIR [--out FILE] [--component NAME]   (one HTML page for a browser, app/view.hpp)
//   mesosim --version
// `run` without a scenario runs the built-in default case (default_case.hpp, the same as
// scenarios/examples/single_injection.toml): one 0.05 mL injection followed for 7 days. A run
// writes results.h5 (+ results.xmf for ParaView), ledger.csv, metrics.csv, summary.txt and
// summary.json to its output directory (README, "Output").
// Exit codes: 0 done, 2 input error, 3 solver failure, 4 results could not be written,
// 5 unexpected error, 6 a sweep finished with failed cases, 130 / 143 stopped by SIGINT / SIGTERM
// (a checkpoint was written).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app/render.hpp"
#include "app/run.hpp"
#include "app/sweep.hpp"
#include "app/view.hpp"
#include "models/metric_table.hpp"
#include "scenarios/deposit_report.hpp"
#include "scenarios/parameters.hpp"
#include "scenarios/presets.hpp"
#include "scenarios/units.hpp"
#include "simulation/injection_registry.hpp"
#include "solver/error.hpp"
#include "solver/integrator.hpp"

using namespace mesosim;

namespace {

int check(const RunOptions& options) {
  const Scenario scenario = resolve_scenario(options);
  const std::unique_ptr<Prepared> prepared = prepare(scenario);
  const TransportModel& model = *prepared->model;
  const Integrator& integrator = *prepared->integrator;
  const Grid& g = model.grid();
  std::printf("%s: '%s' is valid\n", scenario.file.c_str(), scenario.name.c_str());
  std::printf("grid: %d x %d x %d cells of %.0f x %.0f x %.0f um = %.1f x %.1f x %.1f mm, %.2f M cells\n", g.nx, g.ny,
              g.nz, g.hx * 1e6, g.hx * 1e6, g.hz * 1e6, g.length_x() * 1e3, g.length_y() * 1e3, g.depth() * 1e3,
              double(g.n_cells()) * 1e-6);
  std::printf("memory: about %.0f MB for the fields (%d components)\n", memory_estimate(scenario) / 1e6,
              model.n_components());
  std::printf("boundaries: x_low %s, x_high %s, y_low %s, y_high %s, bottom %s (top: no_flux)\n",
              to_string(scenario.boundaries.x_low), to_string(scenario.boundaries.x_high),
              to_string(scenario.boundaries.y_low), to_string(scenario.boundaries.y_high),
              to_string(scenario.boundaries.bottom));
  double top = 0.0;
  for (const Layer& layer : scenario.tissue.layers) {
    std::printf("layer %-20s %6.3f - %6.3f mm, fluid fraction %.2f; swelling S0 %.2g 1/Pa, stiffening %.3g, "
                "relaxing %.2f over %.0f s; K0 %.2g m^2/(Pa s) x exp(%.3g e); bleb half-life %.0f min\n",
                layer.name.c_str(), top * 1e3, (top + layer.thickness) * 1e3, layer.fluid_fraction, layer.storage,
                layer.pressure_stiffening, layer.relaxation_fraction, layer.relaxation_time,
                layer.hydraulic_conductivity, layer.strain_stiffening, layer.bleb_half_life / 60);
    top += layer.thickness;
  }
  for (int c = 0; c < model.n_components(); ++c) {
    const Component& component = scenario.components[c];
    if (component.molecular_weight > 0.0)
      std::printf("component %-22s molecular weight %.4g Da: lymph share of k_clearance %.1f %% (Supersaxo 1990)\n",
                  component.name.c_str(), component.molecular_weight * 1e3,
                  100 * lymph_share(component.molecular_weight * 1e3));
    else
      std::printf("component %-22s no molecular weight: k_blood and k_lymph as given\n", component.name.c_str());
    for (std::size_t n = 0; n < component.in_layer.size(); ++n) {
      const SoluteInLayer& s = component.in_layer[n];
      std::printf("  in %-20s D %.2e m^2/s, k_blood %.2e, k_lymph %.2e, k_deg %.2e 1/s\n",
                  scenario.tissue.layers[n].name.c_str(), s.diffusivity, s.k_blood, s.k_lymph, s.k_degradation);
    }
  }
  // Which layers each needle point's deposit fills, and a warning for cocktail outside the target.
  std::printf("%s", deposit_report(scenario).c_str());
  double last_injection = 0.0;
  for (const Injection& injection : scenario.injections) last_injection = std::max(last_injection, injection.time);
  std::printf("injections: %zu deposits (%s), first at %.0f s, last at %.0f s (%.2f d); the run ends %.2f d after "
              "the last one\n",
              scenario.injections.size(), scenario.injections.front().reservoir.c_str(), scenario.injections.front().time,
              last_injection, last_injection / 86400.0, (scenario.end_time - last_injection) / 86400.0);
  std::printf("%s", injection_model_type(injection_model_name(scenario)).check_note(scenario).c_str());
  const double stable = model.max_explicit_step();
  std::printf("time: end %.4g s (%.2f d), scheme %s, explicit stable step %.3g s (%.3g steps for the run)",
              scenario.end_time, scenario.end_time / 86400.0, scenario.integrator.scheme.c_str(), stable,
              scenario.end_time / stable);
  if (scenario.integrator.adaptive)
    std::printf("; adaptive tolerance %.1e: typically a few hundred steps\n", scenario.integrator.tolerance);
  else
    std::printf("; %.0f fixed steps\n", std::ceil(scenario.end_time / integrator.next_step()));
  std::printf("%s", describe_resolved(scenario.resolved).c_str());
  return 0;
}

int presets(const std::string& kind, const std::string& name) {
  if (kind.empty()) {
    for (const std::string& k : preset_kinds()) {
      std::printf("%s presets:", k.c_str());
      for (const std::string& n : preset_names(k)) std::printf(" %s", n.c_str());
      std::printf("\n");
    }
    std::printf("details: mesosim presets KIND [NAME]\n");
  } else if (name.empty()) {
    for (const std::string& n : preset_names(kind)) std::printf("%s\n", describe_preset(kind, n).c_str());
  } else {
    std::printf("%s", describe_preset(kind, name).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Waiting OpenMP threads sleep instead of spinning unless the user chose a policy: on a machine
  // shared with other jobs a spinning thread takes the core its partner needs (a darcy run took
  // 83 s instead of 26 s). libgomp reads the variable when it loads, so set it and start again
  // (the same process; if exec fails the run goes on with the default policy).
  if (!std::getenv("OMP_WAIT_POLICY") && argc > 0) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);
  }
  CLI::App app{"MesoSim: mesotherapy microinjection transport in layered skin"};
  app.set_version_flag("--version", std::string("mesosim ") + MESOSIM_VERSION);
  app.require_subcommand(1);
  RunOptions options;
  CLI::App* run_command = app.add_subcommand("run", "Run a simulation (without a scenario: the built-in default case)");
  run_command->add_option("scenario", options.scenario, "Scenario file (TOML); see scenarios/examples/");
  run_command->add_option("--resume", options.resume,
                          "Continue the interrupted run whose output directory this is (from its checkpoint)");
  run_command->add_option("--set", options.overrides, "Override a scenario key, e.g. --set domain.cell=\"100 um\"");
  run_command->add_option("--case", options.case_file,
                          "Run one case of a sweep from its case.json (what `mesosim sweep` starts; output beside it)");
  run_command->add_option("--out", options.out,
                          "Output directory (default: the scenario's [output] directory or results/NAME-DATE-TIME; "
                          "refused if it holds results, see --force)");
  run_command->add_option("--end", options.end, "Simulated time with unit, e.g. \"7 d\" (default: the scenario's)");
  run_command->add_option("--cell", options.cell, "Cell size of the built-in case, e.g. \"100 um\"")->capture_default_str();
  run_command->add_option("--output-interval", options.output_interval,
                          "Simulated time between metrics and ledger rows, e.g. \"1 h\" (default: the scenario's "
                          "[output] interval, 1 h)");
  run_command->add_option("--snapshot-interval", options.snapshot_interval,
                          "Simulated time between 3-D snapshots in results.h5, rounded to whole output intervals "
                          "(default: the scenario's [output] snapshot_interval; without one geometric, 0, 5, 15, "
                          "30 min, 1, 2, 4, 8, 12 h after each session, then daily)");
  run_command->add_option("--checkpoint-every", options.checkpoint_interval,
                          "Wall-clock time between checkpoints, e.g. \"10 min\" (default: the scenario's [output] "
                          "checkpoint_interval, 10 min)");
  run_command->add_flag("--float32", options.float32, "Store snapshot fields in single precision (half the size)");
  run_command->add_option("--scheme", options.scheme, "Time stepping: implicit (adaptive) or explicit");
  run_command->add_option("--tolerance", options.tolerance, "Adaptive local error per step, relative to the peak");
  run_command->add_option("--threads", options.threads, "OpenMP threads (default: OMP_NUM_THREADS or all cores)");
  run_command->add_flag("--force", options.force, "Replace the results in an existing output directory");
  run_command->add_flag("--quiet", options.quiet, "No progress output");
  CLI::App* check_command =
      app.add_subcommand("check", "Validate a scenario and print the resolved parameters, without running");
  check_command->add_option("scenario", options.scenario, "Scenario file (TOML)")->required();
  check_command->add_option("--set", options.overrides, "Override a scenario key, e.g. --set time.end=\"2 d\"");
  SweepOptions sweep_options;
  CLI::App* sweep_command = app.add_subcommand(
      "sweep", "Run every case of a sweep file (parallel, resumable) and gather one table (sweep.csv, sweep.h5)");
  sweep_command->add_option("sweep", sweep_options.file, "Sweep file (TOML); see scenarios/sweeps/")->required();
  sweep_command->add_option("--out", sweep_options.out, "Output directory (default: results/<sweep file stem>)");
  sweep_command->add_option("--jobs", sweep_options.jobs, "Cases at once (default: cores / threads per job; 1 per MPI rank)");
  sweep_command->add_option("--threads-per-job", sweep_options.threads_per_job, "OpenMP threads of each case")
      ->capture_default_str();
  sweep_command->add_option("--shard", sweep_options.shard, "Run only cases i, i+N, i+2N, ... (i/N, e.g. 0/4) for job arrays");
  sweep_command->add_flag("--resume", sweep_options.resume, "Continue a sweep in --out: skip finished cases, resume interrupted ones");
  sweep_command->add_flag("--dry-run", sweep_options.dry_run, "List the cases with estimated memory and time, run nothing");
  sweep_command->add_flag("--gather", sweep_options.gather, "Only build sweep.csv / sweep.h5 from the case directories (after shards)");
  sweep_command->add_option("--from", sweep_options.from, "With --gather: other output directories holding cases");
  sweep_command->add_flag("--quiet", sweep_options.quiet, "No per-case lines");
  sweep_command->add_option("--plot", sweep_options.plot,
                            "Plot a table column (e.g. caffeine:max_coverage) from OUT/sweep.csv; runs nothing");
  sweep_command->add_option("--x", sweep_options.plot_x, "With --plot: the swept key on the x axis");
  sweep_command->add_option("--by", sweep_options.plot_by, "With --plot: the swept key whose values give one line each");
  std::string preset_kind, preset_name;
  CLI::App* presets_command = app.add_subcommand("presets", "List presets (tissue, component, technique) with their values and sources");
  presets_command->add_option("kind", preset_kind, "tissue, component or technique");
  presets_command->add_option("name", preset_name, "One preset");
  std::string describe_what;
  bool describe_markdown = false;
  CLI::App* describe_command =
      app.add_subcommand("describe", "Describe the scenario format: `describe keys` lists every key with unit, default and range");
  bool describe_json = false;
  describe_command->add_option("what", describe_what, "keys (the scenario keys) or metrics (the output metrics)")
      ->required()
      ->check(CLI::IsMember({"keys", "metrics"}));
  describe_command->add_flag("--markdown", describe_markdown,
                             "The markdown tables of docs/scenario-reference.md (keys) or docs/output.md (metrics); "
                             "scripts/gen-docs writes them there");
  describe_command->add_flag("--json", describe_json, "With metrics: the metric table as JSON (for scripts)");
  RenderOptions render_options;
  CLI::App* render_command = add_render_command(app, render_options);
  ViewOptions view_options;
  CLI::App* view_command = add_view_command(app, view_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (presets_command->parsed()) return presets(preset_kind, preset_name);
    if (describe_command->parsed()) {
      if (describe_json && describe_what != "metrics") throw InputError("describe: --json lists the metrics only (describe metrics --json)");
      const std::string text = describe_what == "metrics"
                                   ? (describe_json ? describe_metrics_json()
                                                    : describe_markdown ? describe_metrics_markdown() : describe_metrics())
                                   : (describe_markdown ? describe_keys_markdown() : describe_keys());
      return std::printf("%s", text.c_str()) < 0 ? 4 : 0;
    }
    if (sweep_command->parsed()) return run_sweep(sweep_options);
    if (render_command->parsed()) return render(render_options);
    if (view_command->parsed()) return view(view_options);
    return check_command->parsed() ? check(options) : run(options);
  } catch (const InputError& e) {
    std::cerr << "mesosim: error: " << e.what() << "\n";
    return 2;
  } catch (const SolverError& e) {
    std::cerr << "mesosim: solver failure: " << e.what() << "\n";
    return 3;
  } catch (const OutputError& e) {
    std::cerr << "mesosim: cannot write results: " << e.what() << "\n";
    // Skip HDF5's exit-time clean-up: after a failed write (disk full) it may try to flush the
    // same file again and crash; everything written before was flushed already.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(4);
  } catch (const std::exception& e) {
    std::cerr << "mesosim: unexpected error: " << e.what() << "\n";
    return 5;
  }
}
