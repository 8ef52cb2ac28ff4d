// The small model the binary fuzz targets read checkpoints and results with, and make_seeds.cpp
// writes their seed files from: 6 x 5 x 4 cells, two layers, two components (one binding).
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <unistd.h>

#include "solver/transport_model.hpp"
#include "tests/test_support.hpp"

namespace mesosim::fuzz {

inline std::unique_ptr<TransportModel> small_model() {
  Grid grid;
  grid.nx = 6;
  grid.ny = 5;
  grid.nz = 4;
  grid.hx = 1e-4;
  grid.hz = 2e-4;
  Tissue tissue;
  tissue.layers = {Layer{"upper", 3e-4, 0.3}, Layer{"lower", 5e-4, 0.2}};
  Component drug = testing::uniform_component(2, 1e-10, 1e-4);
  drug.name = "drug a";
  Component other = testing::uniform_component(2, 2e-10);
  other.name = "other/b";
  other.in_layer[1].partition = 2.0;
  return std::make_unique<TransportModel>(grid, Boundaries{}, tissue, std::vector<Component>{drug, other});
}

/// A directory of this process for the file a target reads (HDF5 reads files, not memory).
inline std::filesystem::path scratch_directory() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path d = std::filesystem::temp_directory_path() / ("mesosim_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline void write_bytes(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
}

}  // namespace mesosim::fuzz
