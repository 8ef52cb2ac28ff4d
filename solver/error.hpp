// Typed errors shared by every layer of MesoSim. InputError is an always-on, user-facing check
// (bad parameters, unstable settings); main() catches it, prints it and exits with code 2.
// Debug-only invariants use assert() instead and never reach a user.
#pragma once

#include <stdexcept>
#include <string>

namespace mesosim {

/// A problem with what the user asked for. The message says what is wrong and how to fix it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A numerical failure the user could not have prevented by valid input (a bug, or a limit hit).
class SolverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Results could not be written (unwritable directory, disk full, a damaged file). main() prints it
/// and exits with code 4; what was written before stays readable.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mesosim
