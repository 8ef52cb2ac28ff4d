// libFuzzer target, scenario files: any byte string as a scenario TOML and as a quantity must either
// resolve or raise InputError: never crash, hang, leak or raise anything else. Built by
// tests/fuzz/CMakeLists.txt (clang, ASan + UBSan), seeded from tests/fuzz/corpus/scenario/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenarios/scenario.hpp"
#include "scenarios/units.hpp"
#include "solver/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    mesosim::parse_quantity("fuzz", text, mesosim::Dimension::of_length());
  } catch (const mesosim::InputError&) {
  }
  try {
    const mesosim::Scenario scenario = mesosim::load_scenario_text(text, "fuzz.toml");
    // A resolved scenario must be one the engine accepts without further surprises.
    if (scenario.grid.n_cells() == 0 || scenario.components.empty()) std::abort();
  } catch (const mesosim::InputError&) {
  }
  return 0;
}
