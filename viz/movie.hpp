// Movies from rendered frames: MP4 (H.264, yuv420p, plays everywhere) through the ffmpeg program
// when it is on PATH, otherwise Ogg/Theora through VTK's vtkOggTheoraWriter (no extra program).
#pragma once

#include <filesystem>
#include <vector>

namespace mesosim {

/// Writes the PNG `frames` (one size, in order) as BASE.mp4 or BASE.ogv at `fps` frames per
/// second; returns the file written. OutputError if the encoder fails.
std::filesystem::path write_movie(const std::vector<std::filesystem::path>& frames, const std::filesystem::path& base,
                                  double fps);

}  // namespace mesosim
