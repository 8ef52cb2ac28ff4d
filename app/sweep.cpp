#include "app/sweep.hpp"

#include <fcntl.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#ifdef MESOSIM_HAVE_MPI
#include <mpi.h>
#endif

#include "app/run.hpp"
#include "io/h5.hpp"
#include "io/results_file.hpp"
#include "models/metric_table.hpp"
#include "scenarios/sweep.hpp"
#include "simulation/injection_registry.hpp"
#include "solver/error.hpp"
#include "viz/canvas.hpp"
#include "viz/plots.hpp"

extern char** environ;

namespace mesosim {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::atomic<int> sweep_signal{0};
extern "C" void on_sweep_signal(int signal) { sweep_signal.store(signal); }

/// Which ranks this process is among: (rank, size); (0, 1) outside mpirun.
struct Ranks {
  int rank = 0, size = 1;
  bool mpi = false;
};

Ranks start_mpi() {
  Ranks ranks;
#ifdef MESOSIM_HAVE_MPI
  // Only under a launcher: a plain `mesosim sweep` never touches MPI.
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK")) {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &ranks.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks.size);
    ranks.mpi = true;
  }
#endif
  return ranks;
}

void barrier(const Ranks& ranks) {
#ifdef MESOSIM_HAVE_MPI
  if (ranks.mpi) MPI_Barrier(MPI_COMM_WORLD);
#else
  (void)ranks;
#endif
}

/// Every rank agrees on one number (the largest), e.g. an error flag.
int agree_max(const Ranks& ranks, int value) {
#ifdef MESOSIM_HAVE_MPI
  if (ranks.mpi) {
    int result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return result;
  }
#else
  (void)ranks;
#endif
  return value;
}

void finish_mpi(const Ranks& ranks) {
#ifdef MESOSIM_HAVE_MPI
  if (ranks.mpi) MPI_Finalize();
#else
  (void)ranks;
#endif
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return json();
  try {
    return json::parse(in);
  } catch (const json::exception&) {
    return json();
  }
}

void write_json(const fs::path& path, const json& value) { write_text_atomically(path, value.dump(2) + "\n"); }

std::string tail_of(const fs::path& log, std::size_t max_lines) {
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string text;
  for (std::size_t n = lines.size() > max_lines ? lines.size() - max_lines : 0; n < lines.size(); ++n)
    text.append(text.empty() ? "" : " | ").append(lines[n]);
  return text;
}

std::string describe_values(const SweepCase& c) {
  std::string text;
  for (const auto& [key, value] : c.values) text.append(text.empty() ? "" : ", ").append(key + "=" + value);
  return text;
}

/// What one case needs before it runs, checked in-process: the resolved scenario's memory and a
/// rough time estimate; an invalid combination is found here and never launched.
struct CasePlan {
  const SweepCase* sweep_case = nullptr;
  fs::path dir;
  double memory = 0.0;        ///< bytes
  double estimate = 0.0;      ///< s, rough
  std::string invalid;        ///< the InputError, if any
  int reruns = 0;             ///< times relaunched after a kill the sweep did not send
};

CasePlan plan_case(const Sweep& sweep, const SweepCase& c, const fs::path& out, int threads) {
  CasePlan plan;
  plan.sweep_case = &c;
  plan.dir = out / "cases" / c.id;
  try {
    RunOptions options;
    options.scenario = sweep.base;
    options.overrides = case_overrides(sweep, c);
    const Scenario scenario = resolve_scenario(options);
    plan.memory = memory_estimate(scenario);
    // Rough: ~50 adaptive steps per simulated day plus ~30 after each injection time, 3 stepper
    // calls per step, ~10 ns per cell and component per call on one thread (the built-in case:
    // 350 steps, 0.3 M cells x 3 components, 5 s on 2 threads).
    std::vector<double> times;
    for (const Injection& i : scenario.injections) times.push_back(i.time);
    std::sort(times.begin(), times.end());
    const double n_bursts = double(std::unique(times.begin(), times.end()) - times.begin());
    const double steps = 50.0 * scenario.end_time / 86400.0 + 30.0 * n_bursts;
    plan.estimate = double(scenario.grid.n_cells()) * double(scenario.components.size()) * steps * 3.0 * 10e-9 /
                    double(std::max(1, threads));
  } catch (const InputError& e) {
    plan.invalid = e.what();
  }
  return plan;
}

double available_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  while (in >> key >> kb) {
    if (key == "MemAvailable:") return kb * 1024.0;
    in.ignore(256, '\n');
  }
  return double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
}

/// Starts `mesosim run` for one case in its own process, with its output in the case directory:
/// the case's inputs are its case.json (base scenario, overrides, float32), or its checkpoint
/// when resuming; only the process's threads and quietness are flags.
pid_t launch(const CasePlan& plan, int threads) {
  std::vector<std::string> args{"/proc/self/exe", "run"};
  if (fs::exists(plan.dir / "checkpoint.h5"))
    args.insert(args.end(), {"--resume", plan.dir.string()});
  else
    args.insert(args.end(), {"--case", (plan.dir / "case.json").string()});
  args.insert(args.end(), {"--threads", std::to_string(threads), "--quiet"});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (plan.dir / "run.log").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw OutputError("cannot start a case process: " + std::string(std::strerror(rc)));
  return pid;
}

/// The table: one row per case, in case order, from the case directories.
void write_table(const Sweep& sweep, const std::vector<const SweepCase*>& cases, const std::vector<fs::path>& roots,
                 const fs::path& out, const std::string& stem) {
  // The summary.json figures of each component (the metric table's sweep columns), and those an
  // injection model adds (the registry's summary_figures: the bleb in darcy runs), that become
  // columns (named "component:figure" and "group:figure").
  static const std::vector<std::string> metrics = [] {
    std::vector<std::string> keys;
    for (const RunFigure& figure : figure_table())
      if (figure.sweep_column) keys.push_back(figure.key);
    return keys;
  }();
  auto columns_of = [&](const std::string& component) -> const std::vector<std::string>& {
    for (const InjectionModelType& type : injection_model_types())
      if (!type.summary_group.empty() && type.summary_group == component) return type.summary_figures;
    return metrics;
  };
  struct Row {
    std::string status, error;
    double wall = std::nan("");
    std::map<std::string, double> values;  // "component:metric"
  };
  std::vector<Row> rows;
  std::vector<std::string> components;
  for (const SweepCase* c : cases) {
    Row row;
    row.status = "not run";
    for (const fs::path& root : roots) {
      const fs::path dir = root / "cases" / c->id;
      const json summary = read_json(dir / "summary.json");
      const json status = read_json(dir / "status.json");
      if (summary.is_object()) {
        row.status = "ok";
        row.wall = status.is_object() ? status.value("wall_s", std::nan("")) : summary["run"].value("wall_time_s", 0.0);
        auto take = [&](const std::string& name, const json& figures) {
          if (std::find(components.begin(), components.end(), name) == components.end()) components.push_back(name);
          for (const std::string& column : columns_of(name)) {
            const json& v = figures.contains(column) ? figures[column] : json();
            row.values[name + ":" + column] = v.is_number() ? v.get<double>() : std::nan("");
          }
        };
        for (const InjectionModelType& type : injection_model_types())  // the bleb of darcy runs
          if (!type.summary_group.empty() && summary.contains(type.summary_group) && summary[type.summary_group].is_object())
            take(type.summary_group, summary[type.summary_group]);
        for (const json& component : summary["components"]) take(component.value("name", "?"), component);
        break;
      }
      if (status.is_object()) {
        row.status = status.value("status", "failed");
        row.error = status.value("error", "");
        row.wall = status.value("wall_s", std::nan(""));
      }
    }
    rows.push_back(row);
  }
  // CSV
  std::ofstream csv(out / (stem + ".csv"));
  csv.precision(10);
  csv << "case,status,wall_s";
  for (const std::string& key : sweep.keys) csv << ",\"" << key << "\"";
  for (const std::string& component : components)
    for (const std::string& column : columns_of(component)) csv << ",\"" << component << ":" << column << "\"";
  csv << ",error\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const SweepCase& c = *cases[r];
    csv << c.id << ',' << rows[r].status << ',' << rows[r].wall;
    for (const std::string& key : sweep.keys) {
      std::string value;
      for (const auto& [k, v] : c.values)
        if (k == key) value = v;
      csv << ",\"" << value << "\"";
    }
    for (const std::string& component : components)
      for (const std::string& column : columns_of(component)) {
        const auto found = rows[r].values.find(component + ":" + column);
        csv << ',';
        if (found != rows[r].values.end() && !std::isnan(found->second)) csv << found->second;
      }
    std::string error = rows[r].error;
    std::replace(error.begin(), error.end(), '"', '\'');
    csv << ",\"" << error << "\"\n";
  }
  if (!csv) throw OutputError("writing " + (out / (stem + ".csv")).string() + " failed (disk full?)");
  // HDF5, the same columns
  h5::File file((out / (stem + ".h5")).string(), h5::Mode::create_truncate);
  {
    const h5::Handle root(H5Oopen(file.id(), "/", H5P_DEFAULT));
    h5::write_attribute(file, root.id(), "sweep_name", sweep.name);
    h5::write_attribute(file, root.id(), "sweep_file", sweep.file);
    h5::write_attribute(file, root.id(), "base_scenario", sweep.base);
    h5::write_attribute(file, root.id(), "fixed_overrides", sweep.fixed);
  }
  std::vector<std::string> ids, statuses, errors;
  std::vector<double> walls;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    ids.push_back(cases[r]->id);
    statuses.push_back(rows[r].status);
    errors.push_back(rows[r].error);
    walls.push_back(rows[r].wall);
  }
  h5::create_group(file, "/cases");
  h5::write_strings(file, "/cases/id", ids);
  h5::write_strings(file, "/cases/status", statuses);
  h5::write_strings(file, "/cases/error", errors);
  h5::write_dataset(file, "/cases/wall_s", {hsize_t(walls.size())}, walls.data());
  const h5::Handle inputs = h5::create_group(file, "/inputs");
  h5::write_attribute(file, inputs.id(), "keys", sweep.keys);
  for (std::size_t k = 0; k < sweep.keys.size(); ++k) {
    std::vector<std::string> values;
    for (const SweepCase* c : cases) {
      std::string value;
      for (const auto& [key, v] : c->values)
        if (key == sweep.keys[k]) value = v;
      values.push_back(value);
    }
    h5::write_strings(file, "/inputs/" + dataset_key(sweep.keys[k]), values);
  }
  h5::create_group(file, "/metrics");
  for (const std::string& component : components) {
    h5::create_group(file, "/metrics/" + dataset_key(component));
    for (const std::string& column : columns_of(component)) {
      std::vector<double> values;
      for (const Row& row : rows) {
        const auto found = row.values.find(component + ":" + column);
        values.push_back(found == row.values.end() ? std::nan("") : found->second);
      }
      h5::write_dataset(file, "/metrics/" + dataset_key(component) + "/" + column, {hsize_t(values.size())},
                        values.data());
    }
  }
  file.close();
}

/// Splits one line of sweep.csv (fields optionally in double quotes, no embedded quotes).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') quoted = !quoted;
    else if (ch == ',' && !quoted) fields.emplace_back();
    else fields.back() += ch;
  }
  return fields;
}

int plot_sweep(const Sweep& sweep, const SweepOptions& options, const fs::path& out) {
  const fs::path table = out / "sweep.csv";
  std::ifstream in(table);
  if (!in) throw InputError(table.string() + " does not exist: run the sweep (or --gather its shards) before --plot");
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = csv_fields(line);
  auto column = [&](const std::string& name, const char* option) {
    const auto found = std::find(header.begin(), header.end(), name);
    if (found == header.end()) {
      std::string known;
      for (const std::string& h : header)
        if (h.find(':') != std::string::npos || std::find(sweep.keys.begin(), sweep.keys.end(), h) != sweep.keys.end())
          known.append(known.empty() ? "" : ", ").append(h);
      throw InputError(std::string(option) + " " + name + ": no such column in " + table.string() + "; choose from " + known);
    }
    return std::size_t(found - header.begin());
  };
  const std::size_t metric = column(options.plot, "--plot"), x_column = column(options.plot_x, "--x");
  if (std::find(sweep.keys.begin(), sweep.keys.end(), options.plot_x) == sweep.keys.end())
    throw InputError("--x " + options.plot_x + ": not a swept key of " + sweep.file);
  // Lines: one per combination of the other swept keys (--by first in the label).
  std::vector<std::size_t> line_columns;
  if (!options.plot_by.empty()) line_columns.push_back(column(options.plot_by, "--by"));
  for (const std::string& key : sweep.keys)
    if (key != options.plot_x && key != options.plot_by) line_columns.push_back(column(key, "--x"));
  std::map<std::string, std::vector<std::pair<double, double>>> lines;
  std::string x_unit;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = csv_fields(line);
    if (f.size() != header.size() || f[1] != "ok" || f[metric].empty()) continue;
    std::string label;
    for (std::size_t c : line_columns) label.append(label.empty() ? "" : ", ").append(header[c] + " " + f[c]);
    char* end = nullptr;
    const double x = std::strtod(f[x_column].c_str(), &end);
    if (end == f[x_column].c_str())
      throw InputError("--x " + options.plot_x + ": value '" + f[x_column] + "' is not a number; plot against a numeric key");
    x_unit = end;
    x_unit.erase(0, x_unit.find_first_not_of(' '));
    lines[label].push_back({x, std::strtod(f[metric].c_str(), nullptr)});
  }
  if (lines.empty()) throw InputError(table.string() + ": no finished case has a value of " + options.plot);
  // Fractions as %, times in hours; other columns as stored.
  auto ends_with = [&](const std::string& suffix) {
    return options.plot.size() >= suffix.size() &&
           options.plot.compare(options.plot.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const bool percent = ends_with(":max_coverage") || ends_with("_fraction");
  const bool hours = ends_with("_s");
  const double factor = percent ? 100.0 : hours ? 1.0 / 3600.0 : 1.0;
  double x_min = 1e300, x_max = -1e300, y_max = 0.0;
  std::vector<PlotLine> plot_lines;
  std::size_t n = 0;
  for (auto& [label, points] : lines) {
    std::sort(points.begin(), points.end());
    PlotLine plot_line;
    plot_line.label = label;
    plot_line.colour = viridis_at(lines.size() == 1 ? 0.0 : 0.9 * double(n++) / double(lines.size() - 1));
    plot_line.thickness = 3;
    for (const auto& [x, y] : points) {
      plot_line.x.push_back(x);
      plot_line.y.push_back(factor * y);
      x_min = std::min(x_min, x);
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, plot_line.y.back());
    }
    plot_lines.push_back(plot_line);
  }
  if (x_max <= x_min) x_max = x_min + 1.0;
  Canvas canvas(1000, 650);
  const int font = 16;
  const Box title = canvas.text(font, font, sweep.name + ": " + options.plot + " against " + options.plot_x,
                                {.size = font * 5 / 4, .bold = true});
  const int legend_height = draw_legend(canvas, font, title.bottom() + font / 2, canvas.width() - 2 * font, plot_lines, font);
  const int top = title.bottom() + font + legend_height;
  const Box axes_box = draw_line_plot(canvas, {font, top, canvas.width() - 2 * font, canvas.height() - top - font / 2},
                 {"", options.plot_x + (x_unit.empty() ? "" : " (" + x_unit + ")"),
                  options.plot.substr(0, options.plot.size() - (hours ? 2 : 0)) + (percent ? " (%)" : hours ? " (h)" : ""),
                  x_min, x_max, 0.0, y_max > 0 ? 1.05 * y_max : 1.0},
                 plot_lines, font);
  // A dot on every case (the lines only join them).
  const ColourScale x_scale{Scale::linear, x_min, x_max}, y_scale{Scale::linear, 0.0, y_max > 0 ? 1.05 * y_max : 1.0};
  for (const PlotLine& l : plot_lines)
    for (std::size_t k = 0; k < l.x.size(); ++k)
      canvas.disc(axes_box.x + x_scale.position(l.x[k]) * (axes_box.width - 1),
                  axes_box.bottom() - 1 - y_scale.position(l.y[k]) * (axes_box.height - 1), 4.5, l.colour);
  std::string name = "plot_" + dataset_key(options.plot) + "_vs_" + dataset_key(options.plot_x) + ".png";
  canvas.write_png(out / name);
  std::printf("wrote %s (%zu lines, %s)\n", (out / name).string().c_str(), plot_lines.size(), table.string().c_str());
  return 0;
}

}  // namespace

/// --dry-run: every case with its memory and rough time, and the totals; returns 0.
int print_plans(const Sweep& sweep, std::size_t n_selected, const std::vector<CasePlan>& plans, int requested_jobs,
                int cores, int threads) {
  std::printf("%s: %zu cases (%zu in this shard) from %s\n", sweep.file.c_str(), sweep.cases.size(), n_selected,
              sweep.base.c_str());
  double total_time = 0, largest_memory = 0;
  for (const CasePlan& p : plans) {
    if (p.invalid.empty())
      std::printf("  %s  %7.0f MB  ~%7.1f s  %s\n", p.sweep_case->id.c_str(), p.memory / 1e6, p.estimate,
                  describe_values(*p.sweep_case).c_str());
    else
      std::printf("  %s  invalid: %s\n", p.sweep_case->id.c_str(), p.invalid.c_str());
    total_time += p.estimate;
    largest_memory = std::max(largest_memory, p.memory);
  }
  const int jobs = requested_jobs > 0 ? requested_jobs : std::max(1, cores / threads);
  std::printf("estimated: ~%.0f s of case time (rough), ~%.0f s wall with %d jobs x %d threads; largest case %.0f MB\n",
              total_time, total_time / jobs, jobs, threads, largest_memory / 1e6);
  return 0;
}

/// --gather: the table of every case from the case directories under `out` and `from`; returns 0.
int gather(const Sweep& sweep, const fs::path& out, const std::vector<std::string>& from) {
  std::vector<fs::path> roots{out};
  for (const std::string& f : from) roots.push_back(f);
  std::vector<const SweepCase*> all;
  for (const SweepCase& c : sweep.cases) all.push_back(&c);
  fs::create_directories(out);
  write_table(sweep, all, roots, out, "sweep");
  std::printf("gathered %zu cases into %s and %s\n", all.size(), (out / "sweep.csv").string().c_str(),
              (out / "sweep.h5").string().c_str());
  return 0;
}

/// Runs this rank's cases, `jobs` at once within `memory_budget` bytes, skipping finished ones and
/// recording each case's status.json; a signal is passed on to the running cases, and no new one
/// starts. Returns the number of failed (or invalid, or interrupted) cases.
std::size_t run_cases(const Sweep& sweep, const std::vector<CasePlan*>& mine, int jobs, int threads,
                      double memory_budget, const Ranks& ranks, bool quiet) {
  std::error_code ec;
  std::map<pid_t, std::pair<CasePlan*, std::chrono::steady_clock::time_point>> running;
  double memory_in_use = 0.0;
  std::size_t next = 0, n_done = 0, n_failed = 0, n_skipped = 0;
  auto report = [&](const CasePlan& p, const char* status, double wall, const std::string& error) {
    if (quiet) return;
    std::printf("  [%zu/%zu] %s %s%s (%.1f s) %s%s%s\n", n_done + n_failed + n_skipped, mine.size(),
                p.sweep_case->id.c_str(), status, ranks.mpi ? (" rank " + std::to_string(ranks.rank)).c_str() : "",
                wall, describe_values(*p.sweep_case).c_str(), error.empty() ? "" : ": ", error.c_str());
    std::fflush(stdout);
  };
  while (next < mine.size() || !running.empty()) {
    // Launch while there is room (always at least one case, however large).
    while (next < mine.size() && int(running.size()) < jobs && sweep_signal.load() == 0) {
      CasePlan& p = *mine[next];
      if (fs::exists(p.dir / "summary.json")) {  // finished in an earlier run of the sweep
        ++next;
        ++n_skipped;
        report(p, "done before", read_json(p.dir / "status.json").value("wall_s", 0.0), "");
        continue;
      }
      fs::create_directories(p.dir, ec);
      if (!p.invalid.empty()) {
        ++next;
        ++n_failed;
        write_json(p.dir / "status.json", {{"status", "invalid"}, {"exit_code", 2}, {"wall_s", 0.0}, {"error", p.invalid}});
        report(p, "invalid", 0.0, p.invalid);
        continue;
      }
      if (!running.empty() && memory_in_use + p.memory > memory_budget) break;  // wait for memory
      write_json(p.dir / "case.json", {{"id", p.sweep_case->id},
                                       {"index", p.sweep_case->index},
                                       {"base", sweep.base},
                                       {"overrides", case_overrides(sweep, *p.sweep_case)},
                                       {"float32", sweep.float32}});
      fs::remove(p.dir / "status.json", ec);
      running[launch(p, threads)] = {&p, std::chrono::steady_clock::now()};
      memory_in_use += p.memory;
      ++next;
    }
    if (running.empty()) break;
    int wait_status = 0;
    const pid_t pid = waitpid(-1, &wait_status, 0);
    if (pid < 0) {
      if (errno == EINTR) {  // a signal: pass it on to the cases, they checkpoint and stop
        for (const auto& [child, entry] : running) kill(child, sweep_signal.load());
        continue;
      }
      break;
    }
    const auto found = running.find(pid);
    if (found == running.end()) continue;
    CasePlan& p = *found->second.first;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - found->second.second).count();
    running.erase(found);
    // A case killed by a signal the sweep did not pass on (the OOM killer, a stray kill -9) runs
    // again once, from its checkpoint if it wrote one, so the table stays whole.
    if (WIFSIGNALED(wait_status) && sweep_signal.load() == 0 && p.reruns == 0) {
      ++p.reruns;
      report(p, ("killed by signal " + std::to_string(WTERMSIG(wait_status)) + ", run again").c_str(), wall, "");
      running[launch(p, threads)] = {&p, std::chrono::steady_clock::now()};
      continue;
    }
    memory_in_use -= p.memory;
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
    std::string status = code == 0 ? "ok" : code == 130 || code == 143 ? "interrupted" : "failed";
    const std::string error = code == 0 ? "" : tail_of(p.dir / "run.log", 2);
    write_json(p.dir / "status.json",
               {{"status", status}, {"exit_code", code}, {"wall_s", wall}, {"error", error}, {"reruns", p.reruns}});
    if (code == 0) ++n_done;
    else ++n_failed;
    report(p, status.c_str(), wall, error);
  }
  return n_failed;
}

int run_sweep(const SweepOptions& options) {
  const Sweep sweep = load_sweep(options.file);
  if (options.threads_per_job < 1) throw InputError("--threads-per-job must be >= 1");
  if (options.jobs < 0) throw InputError("--jobs must be >= 1 (or 0: cores / threads per job)");
  const fs::path out = options.out.empty() ? fs::path("results") / fs::path(options.file).stem() : fs::path(options.out);
  std::vector<const SweepCase*> selected;
  int shard_index = 0, shard_count = 1;
  if (!options.shard.empty()) std::tie(shard_index, shard_count) = parse_shard(options.shard);
  for (const SweepCase& c : sweep.cases)
    if (c.index % shard_count == shard_index) selected.push_back(&c);
  const std::string stem = options.shard.empty() ? "sweep"
                                                 : "sweep-shard-" + std::to_string(shard_index) + "-of-" +
                                                       std::to_string(shard_count);

  if (!options.plot.empty()) {
    if (options.plot_x.empty()) throw InputError("--plot needs --x KEY, the swept key for the x axis");
    return plot_sweep(sweep, options, out);
  }
  if (options.gather) return gather(sweep, out, options.from);

  const int cores = std::max(1, int(sysconf(_SC_NPROCESSORS_ONLN)));
  const int threads = options.threads_per_job;
  std::vector<CasePlan> plans;
  for (const SweepCase* c : selected) plans.push_back(plan_case(sweep, *c, out, threads));

  if (options.dry_run) return print_plans(sweep, selected.size(), plans, options.jobs, cores, threads);

  const Ranks ranks = start_mpi();
  // Refuse to mix with an earlier run of these cases unless resuming (other shards' cases may share
  // the directory); every rank decides the same.
  std::error_code ec;
  int refuse = 0;
  if (!options.resume)
    for (const CasePlan& p : plans) refuse |= fs::exists(p.dir, ec) ? 1 : 0;
  if (agree_max(ranks, refuse)) {
    finish_mpi(ranks);
    throw InputError("'" + out.string() + "' already holds cases of this sweep; continue it with --resume, or choose "
                     "another --out");
  }
  if (ranks.rank == 0) {
    fs::create_directories(out / "cases", ec);
    if (ec) throw OutputError("cannot create '" + (out / "cases").string() + "': " + ec.message());
    fs::copy_file(sweep.file, out / "sweep.toml", fs::copy_options::overwrite_existing, ec);
  }
  barrier(ranks);

  // This rank's cases: every size-th of the selection.
  std::vector<CasePlan*> mine;
  for (std::size_t n = 0; n < plans.size(); ++n)
    if (int(n % std::size_t(ranks.size)) == ranks.rank) mine.push_back(&plans[n]);
  const int jobs = options.jobs > 0 ? options.jobs
                                    : std::max(1, ranks.mpi ? 1 : cores / threads);
  const double memory_budget = 0.8 * available_memory() / double(ranks.size);
  if (ranks.rank == 0 && !options.quiet)
    std::printf("MesoSim sweep %s: %zu cases%s, %d jobs x %d threads%s; output %s\n", sweep.name.c_str(),
                selected.size(), options.shard.empty() ? "" : (" (shard " + options.shard + ")").c_str(), jobs,
                threads, ranks.mpi ? (" per rank, " + std::to_string(ranks.size) + " MPI ranks").c_str() : "",
                out.string().c_str());

  struct sigaction action {}, old_int {}, old_term {};
  action.sa_handler = on_sweep_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);

  const auto start = std::chrono::steady_clock::now();
  const std::size_t n_failed = run_cases(sweep, mine, jobs, threads, memory_budget, ranks, options.quiet);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  const int interrupted = agree_max(ranks, sweep_signal.load());
  barrier(ranks);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int any_failed = agree_max(ranks, n_failed > 0 ? 1 : 0);
  if (ranks.rank == 0) {
    write_table(sweep, selected, {out}, out, stem);
    std::printf("sweep %s in %.1f s: table %s (and .h5)\n", interrupted ? "interrupted" : "finished", wall,
                (out / (stem + ".csv")).string().c_str());
    if (interrupted)
      std::printf("continue with: mesosim sweep %s --out %s --resume%s\n", options.file.c_str(), out.string().c_str(),
                  options.shard.empty() ? "" : (" --shard " + options.shard).c_str());
  }
  finish_mpi(ranks);
  if (interrupted) return interrupted == SIGTERM ? 143 : 130;
  return any_failed ? 6 : 0;
}

}  // namespace mesosim
