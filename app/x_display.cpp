#include "app/x_display.hpp"

#include <X11/Xlib.h>

#include <cstdlib>

namespace mesosim {

bool x_display_works() {
  if (std::getenv("DISPLAY") == nullptr) return false;
  Display* display = XOpenDisplay(nullptr);
  if (display == nullptr) return false;
  XCloseDisplay(display);
  return true;
}

}  // namespace mesosim
