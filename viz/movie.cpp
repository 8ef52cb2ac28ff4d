#include "viz/movie.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkOggTheoraWriter.h>
#include <vtkPNGReader.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "solver/error.hpp"

namespace mesosim {

namespace fs = std::filesystem;

namespace {

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string directories = path;
  std::size_t start = 0;
  while (start <= directories.size()) {
    const std::size_t end = std::min(directories.find(':', start), directories.size());
    const fs::path candidate = fs::path(directories.substr(start, end - start)) / program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

/// Runs a program with arguments (no shell); returns its exit status.
int run_program(std::vector<std::string> command) {
  std::vector<char*> argv;
  for (std::string& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  const pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

fs::path write_movie(const std::vector<fs::path>& frames, const fs::path& base, double fps) {
  if (frames.empty()) throw OutputError("no frames to make " + base.string() + " from");
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", fps);
  if (on_path("ffmpeg")) {
    // A concat list keeps any file names; each frame is shown for 1/fps seconds.
    const fs::path list = base.string() + ".frames.txt";
    {
      std::FILE* file = std::fopen(list.c_str(), "w");
      if (!file) throw OutputError("cannot write " + list.string());
      for (const fs::path& frame : frames)
        std::fprintf(file, "file '%s'\nduration %.6f\n", fs::absolute(frame).c_str(), 1.0 / fps);
      std::fprintf(file, "file '%s'\n", fs::absolute(frames.back()).c_str());  // the concat demuxer's last-frame rule
      std::fclose(file);
    }
    const fs::path movie = base.string() + ".mp4";
    const int status = run_program({"ffmpeg", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i",
                                    list.string(), "-vf", std::string("fps=") + rate + ",pad=ceil(iw/2)*2:ceil(ih/2)*2",
                                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                                    movie.string()});
    std::error_code ec;
    fs::remove(list, ec);
    if (status != 0) throw OutputError("ffmpeg failed (status " + std::to_string(status) + ") writing " + movie.string());
    return movie;
  }
  const fs::path movie = base.string() + ".ogv";
  vtkNew<vtkPNGReader> reader;
  vtkNew<vtkOggTheoraWriter> writer;
  writer->SetInputConnection(reader->GetOutputPort());
  writer->SetFileName(movie.c_str());
  writer->SetRate(std::max(1, int(std::lround(fps))));
  writer->SetQuality(2);
  writer->SetSubsampling(1);  // 4:2:0; Theora needs even sizes then, as the frames are
  for (std::size_t n = 0; n < frames.size(); ++n) {
    reader->SetFileName(frames[n].c_str());
    reader->Modified();
    if (n == 0) writer->Start();
    writer->Write();
  }
  writer->End();
  if (writer->GetError() || !fs::exists(movie)) throw OutputError("VTK's Ogg/Theora writer failed writing " + movie.string());
  return movie;
}

}  // namespace mesosim
