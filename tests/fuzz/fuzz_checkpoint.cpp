// libFuzzer target, the resume reader: any byte string as DIR/checkpoint.h5 must be read (named
// values, then the fields into the state of fuzz_model.hpp's model, as `mesosim run --resume` does)
// or raise InputError: never crash, hang, leak or raise anything else. Seeded from
// tests/fuzz/corpus/checkpoint/ (current and old layout, written by make_seeds.cpp).
#include <cstddef>
#include <cstdint>

#include "io/checkpoint.hpp"
#include "solver/error.hpp"
#include "tests/fuzz/fuzz_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto model = mesosim::fuzz::small_model();
  const std::filesystem::path dir = mesosim::fuzz::scratch_directory();
  mesosim::fuzz::write_bytes(dir / "checkpoint.h5", data, size);
  try {
    const mesosim::Checkpoint checkpoint = mesosim::read_checkpoint(dir);
    if (checkpoint.has("test.integrator.next_step_s")) mesosim::get_integrator(checkpoint, "test.integrator");
    mesosim::TransportState state(*model);
    mesosim::read_checkpoint_state(dir, *model, state);
  } catch (const mesosim::InputError&) {
  }
  return 0;
}
