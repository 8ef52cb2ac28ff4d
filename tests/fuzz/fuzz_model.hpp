// The small model the binary fuzz targets read checkpoints and results with, and make_seeds.cpp
// writes their seed files from: 6 x 5 x 4 cells, two layers, two components (one binding).
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <unistd.h>

#include "models/transport_model.hpp"
#include "tests/test_support.hpp"

namespace mesosim::fuzz {

inline std::unique_ptr<TransportModel> small_model() { return testing::two_layer_model(); }

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
