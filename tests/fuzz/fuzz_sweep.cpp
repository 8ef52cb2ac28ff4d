// libFuzzer target, sweep files: any byte string as a sweep TOML (next to the sweep examples, so a
// base of "nappage_base.toml" resolves) must give cases or raise InputError: never crash, hang, leak
// or raise anything else. Seeded from tests/fuzz/corpus/sweep/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "scenarios/sweep.hpp"
#include "solver/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mesosim::Sweep sweep = mesosim::load_sweep_text(text, MESOSIM_SWEEPS_DIR "/fuzz_sweep.toml");
    if (sweep.cases.empty()) std::abort();
  } catch (const mesosim::InputError&) {
  }
  return 0;
}
