// One explicit and one implicit step on 128^3 and 256^3 grids of 20 um cells in four-layer skin,
// 1 and 5 components, 1 and 2 threads, beside the machine's bandwidth ceiling measured in the same
// run (a STREAM-style triad at the same thread count) and the cost of the TR-BDF2 line kernel.
// Figures of merit:
//   Mupd/s   cell x component updates per second, from the fastest timed step (the triad is also
//            its fastest repetition); "mean Mupd/s" is the average over the timed steps
//   GB/s     effective bandwidth = updates/s x the bytes one update must move at least (below)
//   %triad   that bandwidth as a share of the DRAM triad at the same thread count, measured before
//            the steps; the triad is measured again after them, and a drift of more than 5 % is
//            flagged (on a shared host the ceiling itself moves)
// Bytes are counted like STREAM: reads + writes, write-allocate (read-for-ownership) NOT counted,
// for the triad and the steps alike (with it: triad 32 B/element, explicit 24 B, implicit 72 B).
// `bench_transport --triad-only [THREADS]` prints the 3 x 256 MiB triad alone (GB/s) and exits.
//   triad     24 B/element: read b, read c, write a
//   explicit  16 B/update: read u, write the new value; the neighbour rows (k +- 1 planes, j +- 1)
//             are still in cache (solver/explicit_stepper.cpp, step_component)
//   implicit  48 B/update: per component three passes over the field, each reading and writing
//             it once (solver/implicit_stepper.cpp): lateral_pass (reaction + x + y sweeps per
//             depth plane, in cache), vertical_pass (z sweeps per y-row slab, in cache), then
//             lateral_pass again (y + x sweeps + reaction)
// Targets (2 threads): explicit >= 70 % of the triad, implicit >= 50 %.
//   bench_transport                                   # everything, about 2 minutes on 2 cores
//   bench_transport --benchmark_filter=explicit       # Google Benchmark options pass through
#include <benchmark/benchmark.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench_support.hpp"
#include "models/transport_model.hpp"
#include "solver/line_operator.hpp"
#include "solver/time_stepper.hpp"

using namespace mesosim;

namespace {

constexpr double triad_bytes = 24.0;     // per element, write-allocate not counted
constexpr double explicit_bytes = 16.0;  // per cell x component update
constexpr double implicit_bytes = 48.0;
constexpr double explicit_target = 0.70, implicit_target = 0.50;  // share of the triad, 2 threads
constexpr double cell_size = 20e-6;     // m

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Best-of-n triad a = b + s c over three arrays of n_elements doubles, GB/s. The arrays are
/// first touched in parallel with the same static schedule as the timed loop.
double measure_triad(std::size_t n_elements, int n_threads, int n_repetitions) {
  omp_set_num_threads(n_threads);
  const std::unique_ptr<double[]> storage_a(new double[n_elements]), storage_b(new double[n_elements]),
      storage_c(new double[n_elements]);  // uninitialised, so the loop below is the first touch
  double* out = storage_a.get();
  double* first = storage_b.get();
  double* second = storage_c.get();
#pragma omp parallel for schedule(static)
  for (std::size_t n = 0; n < n_elements; ++n) {
    out[n] = 0.0;
    first[n] = 1.0;
    second[n] = 2.0;
  }
  const double scalar = 3.0;
  double fastest = 1e30;
  for (int rep = 0; rep < n_repetitions; ++rep) {
    const auto start = Clock::now();
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < n_elements; ++n) out[n] = first[n] + scalar * second[n];
    fastest = std::min(fastest, seconds_since(start));
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  return triad_bytes * double(n_elements) / fastest * 1e-9;
}

/// Wall time of a compute-only loop (no memory traffic) on 1 thread over the same loop on every
/// one of n_threads threads: n_threads when every core is free, about 1 when another process
/// holds the other core. Flags shared-machine load that would spoil the multi-thread figures.
double compute_scaling(int n_threads) {
  auto run = [](int threads) {
    omp_set_num_threads(threads);
    double sink = 0.0;
    const auto start = Clock::now();
#pragma omp parallel reduction(+ : sink)
    {
      double x = 1.0;
      for (long n = 0; n < 200'000'000L; ++n) x = x * 1.0000001 + 1e-9;
      sink += x;
    }
    benchmark::DoNotOptimize(sink);
    return seconds_since(start);
  };
  const double one = run(1);
  return double(n_threads) * one / run(n_threads);
}

struct Ceiling {
  double dram_gbs = 0.0;   // arrays far larger than the last-level cache
  double dram_gbs_end = 0.0;  // the same, measured again after the steps
  double cache_gbs = 0.0;  // arrays of the size of a 128^3 field, which may stay in L3
};
std::map<int, Ceiling> ceilings;  // by thread count

/// Components of the step benchmarks: small to large molecules, sinks in every layer
/// (epidermis: degradation only; dermis: blood and lymph; hypodermis: slower blood uptake).
std::vector<Component> cocktail(int n_components) {
  const double diffusivity[] = {1e-9, 6e-10, 4e-10, 1e-10, 3e-10};  // m^2/s
  std::vector<Component> components;
  for (int c = 0; c < n_components; ++c) {
    SoluteInLayer epidermis, dermis, hypodermis;
    epidermis.diffusivity = dermis.diffusivity = hypodermis.diffusivity = diffusivity[c % 5];
    epidermis.k_degradation = dermis.k_degradation = hypodermis.k_degradation = 1e-5;
    dermis.k_blood = 5e-4;
    dermis.k_lymph = 2e-5;
    hypodermis.k_blood = 1e-4;
    hypodermis.k_lymph = 1e-5;
    components.push_back(Component{"component " + std::to_string(c + 1), {epidermis, dermis, dermis, hypodermis}});
  }
  return components;
}

struct Row {
  std::string name;
  int n_threads = 1;
  bool is_explicit = true;
  double field_mib = 0, ms_per_step = 0, mupd = 0, mean_mupd = 0, gbs = 0, share = 0;
};
// The last measurement of each configuration: Google Benchmark may call a function several times
// while it sizes the iteration count, and reports the last call.
std::vector<Row> rows;
std::map<std::pair<int, bool>, double> sweep_ns;  // (n, strided) -> ns per cell of one sweep

void step_benchmark(benchmark::State& bench, const std::string& scheme) {
  const int n = int(bench.range(0)), n_components = int(bench.range(1)), n_threads = int(bench.range(2));
  omp_set_num_threads(n_threads);
  const Grid grid{n, n, n, cell_size, cell_size};
  const TransportModel model(grid, Boundaries{}, bench::layered_skin(grid.depth()), cocktail(n_components));
  TransportState state(model);
  // A nonzero field, written in the stepper's static schedule over depth planes. (Field's
  // constructor already zero-fills on this thread, so on a NUMA machine pages would stay where
  // that first touch put them; this machine has one NUMA node.)
  const std::size_t plane = grid.plane_size();
  for (int c = 0; c < n_components; ++c) {
    double* u = state.u.component(c);
#pragma omp parallel for schedule(static)
    for (int k = 0; k < n; ++k)
      for (std::size_t m = 0; m < plane; ++m)
        u[std::size_t(k) * plane + m] = 1.0 + 1e-3 * double((m + std::size_t(k)) % 7);
  }
  auto stepper = make_stepper(scheme, model);
  const bool is_explicit = scheme == "explicit";
  // The explicit scheme at its stable limit; the implicit one at 50 times that (a typical step).
  const double dt = (is_explicit ? 1.0 : 50.0) * model.max_explicit_step();
  stepper->step(state, dt);  // warm-up: scratch, buffers, page faults
  double fastest = 1e30, total = 0.0;
  for (auto _ : bench) {
    const auto start = Clock::now();
    stepper->step(state, dt);
    const double elapsed = seconds_since(start);
    bench.SetIterationTime(elapsed);
    fastest = std::min(fastest, elapsed);
    total += elapsed;
  }
  Row row;
  char name[80];
  std::snprintf(name, sizeof name, "%s %d^3 %d comp %d thr", scheme.c_str(), n, n_components, n_threads);
  row.name = name;
  row.n_threads = n_threads;
  row.is_explicit = is_explicit;
  const double updates = double(grid.n_cells()) * n_components;
  row.field_mib = updates * 8.0 / (1 << 20) * (is_explicit ? 2 : 1);  // the explicit scheme keeps two copies
  row.ms_per_step = 1e3 * fastest;
  row.mupd = updates / fastest * 1e-6;
  row.mean_mupd = updates * double(bench.iterations()) / total * 1e-6;
  row.gbs = row.mupd * (is_explicit ? explicit_bytes : implicit_bytes) * 1e-3;
  row.share = row.gbs / ceilings[n_threads].dram_gbs;
  bench.counters["dt_s"] = dt;
  bench.counters["Mupd/s"] = row.mupd;
  bench.counters["mean_Mupd/s"] = row.mean_mupd;
  bench.counters["GB/s"] = row.gbs;
  bench.counters["%triad"] = 100.0 * row.share;
  bench.counters["upd/s"] = benchmark::Counter(updates * double(bench.iterations()), benchmark::Counter::kIsRate);
  const auto same = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.name == row.name; });
  if (same != rows.end()) *same = row;
  else rows.push_back(row);
}

void explicit_step(benchmark::State& bench) { step_benchmark(bench, "explicit"); }
void implicit_step(benchmark::State& bench) { step_benchmark(bench, "implicit"); }

void step_arguments(benchmark::internal::Benchmark* b) {
  for (int n : {128, 256})
    for (int n_components : {1, 5})
      for (int n_threads : {1, 2}) b->Args({n, n_components, n_threads});
  b->ArgNames({"n", "comp", "thr"})->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
}
BENCHMARK(explicit_step)->Apply(step_arguments);
BENCHMARK(implicit_step)->Apply(step_arguments);

/// One TR-BDF2 step (solver/line_operator.hpp) on a batch of n lines of n cells held in cache,
/// one thread: the kernel every implicit sweep runs. strided = 0: the n lines are contiguous and
/// cells n apart (a y sweep of one depth plane; x sweeps run the same after a transpose);
/// strided = 1: cells one depth plane (n^2) apart (a z sweep of one y-row slab).
void line_sweep(benchmark::State& bench) {
  const int n = int(bench.range(0));
  const bool strided = bench.range(1) != 0;
  omp_set_num_threads(1);
  const double capacity = 0.30, diffusivity = 4e-10;  // reticular dermis
  const LineOperator op = LineOperator::uniform(n, capacity, capacity * diffusivity / (cell_size * cell_size),
                                                false, false, false);
  const double tau = 50.0 * capacity / (6.0 * op.west[1]);  // 50 x the explicit limit, as above
  LineFactor factor;
  factor.factor(op, tr_bdf2_d * tau);
  const std::size_t n_lines = std::size_t(n), stride = strided ? n_lines * n_lines : n_lines;
  std::vector<double> u(stride * (n_lines - 1) + n_lines, 1.0), stage(n_lines * n_lines);
  for (std::size_t m = 0; m < u.size(); ++m) u[m] += 1e-3 * double(m % 7);
  for (auto _ : bench) {
    LineOutflow outflow;
    tr_bdf2_lines(u.data(), std::ptrdiff_t(stride), n, op, factor, tau, stage.data(), outflow);
    benchmark::DoNotOptimize(outflow);
    benchmark::ClobberMemory();
  }
  const double cells = double(n) * double(n);
  bench.counters["cells/s"] = benchmark::Counter(cells * double(bench.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(line_sweep)->ArgsProduct({{128, 256}, {0, 1}})->ArgNames({"n", "strided"})->MinTime(0.5);

/// Console output (colour only on a terminal) plus the ns/cell of the line-kernel runs, kept for
/// the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& reports) override {
    for (const Run& run : reports) {
      const std::string name = run.benchmark_name();
      if (name.rfind("line_sweep/", 0) != 0 || run.iterations == 0) continue;
      const auto cell_rate = run.counters.find("cells/s");
      if (cell_rate == run.counters.end()) continue;
      const int n = name.find("n:256") != std::string::npos ? 256 : 128;
      sweep_ns[{n, name.find("strided:1") != std::string::npos}] = 1e9 / cell_rate->second.value;
    }
    ConsoleReporter::ReportRuns(reports);
  }
};

void print_summary() {
  std::printf("\n== Summary (bytes per update counted like the triad: reads + writes, no write-allocate)\n");
  std::printf("triad a = b + s c, 24 B/element, 3 x 256 MiB (DRAM): %.1f GB/s on 1 thread, %.1f GB/s on 2 threads\n",
              ceilings[1].dram_gbs, ceilings[2].dram_gbs);
  double drift = 0.0;
  for (int n_threads : {1, 2})
    drift = std::max(drift, std::abs(ceilings[n_threads].dram_gbs_end / ceilings[n_threads].dram_gbs - 1.0));
  std::printf("  the same triad after the steps: %.1f / %.1f GB/s (drift %.0f %%)%s\n", ceilings[1].dram_gbs_end,
              ceilings[2].dram_gbs_end, 100 * drift,
              drift > 0.05 ? "  WARNING: the host's bandwidth moved during the run; shares are uncertain by as much" : "");
  std::printf("triad, 3 x 16 MiB (may sit in L3, for the 128^3 rows): %.1f GB/s on 1 thread, %.1f GB/s on 2 threads\n",
              ceilings[1].cache_gbs, ceilings[2].cache_gbs);
  std::printf("bytes per update: explicit %.0f B (read u, write next), implicit %.0f B (3 passes x read + write)\n",
              explicit_bytes, implicit_bytes);
  std::printf("targets on 2 threads: explicit >= %.0f %% of the triad, implicit >= %.0f %%\n\n", 100 * explicit_target,
              100 * implicit_target);
  std::printf("%-28s %9s %9s %10s %10s %9s %8s  %s\n", "step", "field MiB", "ms/step", "Mupd/s", "mean", "GB/s eff",
              "%triad", "target (2 threads)");
  for (const Row& row : rows) {
    std::string verdict;
    if (row.n_threads == 2) {
      const double target = row.is_explicit ? explicit_target : implicit_target;
      verdict = (row.share >= target ? ">= " : "< ") + std::to_string(int(100 * target)) + " %: " +
                (row.share >= target ? "met" : "MISSED");
    }
    std::printf("%-28s %9.0f %9.2f %10.1f %10.1f %9.2f %7.1f%%  %s\n", row.name.c_str(), row.field_mib,
                row.ms_per_step, row.mupd, row.mean_mupd, row.gbs, 100 * row.share, verdict.c_str());
  }
  std::printf("\n");
  for (const Row& row : rows)
    std::printf("%s: %.1f Mupd/s, %.2f GB/s effective = %.0f%% of triad\n", row.name.c_str(), row.mupd, row.gbs,
                100 * row.share);
  for (int n : {128, 256}) {
    const auto lateral = sweep_ns.find({n, false}), vertical = sweep_ns.find({n, true});
    if (lateral == sweep_ns.end() || vertical == sweep_ns.end() || lateral->second <= 0 || vertical->second <= 0)
      continue;
    // A step sweeps x twice, y twice and z once; transposes and reactions come on top.
    const double floor_ns = 4 * lateral->second + vertical->second;
    std::printf("line kernel, %d-cell lines in cache, 1 thread: %.2f ns/cell (contiguous batch), %.2f ns/cell "
                "(plane-strided batch); 5 sweeps per implicit update >= %.1f ns -> <= %.0f Mupd/s per thread "
                "= %.1f GB/s at 48 B (%.0f%% of the 1-thread triad) before any memory traffic\n",
                n, lateral->second, vertical->second, floor_ns, 1e3 / floor_ns, 48.0 / floor_ns,
                100 * 48.0 / floor_ns / ceilings[1].dram_gbs);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // `bench_transport --triad-only [THREADS]`: the DRAM triad alone (for scripted timings that
    // report the ceiling beside their own figures, e.g. benchmarks/run_week.sh).
    if (argc >= 2 && std::string_view(argv[1]) == "--triad-only") {
      const int n_threads = argc >= 3 ? mesosim::bench::parse_int(argv[2], "threads", 1, 1024) : 2;
      std::printf("triad_gbs=%.2f threads=%d\n", measure_triad(std::size_t(32) << 20, n_threads, 10), n_threads);
      return 0;
    }
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    std::printf("bench_transport: %d hardware threads, L3 %.0f MiB (as reported)\n", omp_get_num_procs(),
                l3 > 0 ? double(l3) / (1 << 20) : 0.0);
    const double scaling = compute_scaling(2);
    std::printf("compute-only loop on 2 threads: %.2fx the 1-thread rate (2.00 = both cores free)%s\n", scaling,
                scaling < 1.8 ? "  WARNING: another process is using a core; 2-thread figures are understated" : "");
    for (int n_threads : {1, 2}) {
      ceilings[n_threads].dram_gbs = measure_triad(std::size_t(32) << 20, n_threads, 10);  // 3 x 256 MiB
      ceilings[n_threads].cache_gbs = measure_triad(std::size_t(2) << 20, n_threads, 40);  // 3 x 16 MiB
    }
    std::printf("STREAM-style triad a[i] = b[i] + s c[i], 24 B per element (2 reads + 1 write; write-allocate "
                "NOT counted), best of 10:\n  3 x 256 MiB: %.1f GB/s (1 thread), %.1f GB/s (2 threads);  "
                "3 x 16 MiB: %.1f / %.1f GB/s\n",
                ceilings[1].dram_gbs, ceilings[2].dram_gbs, ceilings[1].cache_gbs, ceilings[2].cache_gbs);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    SummaryReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    // The host's bandwidth can drift during the run (a shared VM): measure the triad again and say
    // by how much the ceiling moved. The shares stay against the first measurement.
    for (int n_threads : {1, 2}) ceilings[n_threads].dram_gbs_end = measure_triad(std::size_t(32) << 20, n_threads, 10);
    print_summary();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_transport: %s\n", error.what());
    return 2;
  }
  return 0;
}
