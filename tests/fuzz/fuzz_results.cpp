// libFuzzer target, the results reader of `mesosim render`: any byte string as results.h5 must open
// and give its fields and series, or raise InputError: never crash, hang, leak or raise anything
// else. Seeded from tests/fuzz/corpus/results/ (written by make_seeds.cpp).
#include <cstddef>
#include <cstdint>

#include "io/results_file.hpp"
#include "io/results_reader.hpp"
#include "solver/error.hpp"
#include "tests/fuzz/fuzz_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto model = mesosim::fuzz::small_model();
  const std::filesystem::path file = mesosim::fuzz::scratch_directory() / "results.h5";
  mesosim::fuzz::write_bytes(file, data, size);
  try {
    const mesosim::ResultsReader reader(file);
    reader.resolved_json();
    for (std::size_t c = 0; c < reader.component_names.size(); ++c) {
      reader.component(reader.component_names[c]);
      reader.series(c, "in_tissue");
      reader.series(c, "coverage");
      for (std::size_t s = 0; s < reader.snapshot_times.size() && s < 3; ++s) reader.field(s, c);
    }
    for (std::size_t s = 0; s < reader.snapshot_times.size() && s < 3; ++s) reader.excess_fluid(s);
    reader.longest_staying();
    if (!reader.layer_names.empty()) reader.layer_at(0.5 * reader.depth());
  } catch (const mesosim::InputError&) {
  }
  try {
    mesosim::read_series(file, *model);  // the resume path reads the series back too
  } catch (const mesosim::InputError&) {
  }
  return 0;
}
