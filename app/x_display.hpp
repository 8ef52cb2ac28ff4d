// Whether an X server answers at $DISPLAY (VTK's OpenGL windows in Debian 12 need one). Kept in
// its own file: Xlib's headers define macros (None, Status, Bool) that clash with other code.
#pragma once

namespace mesosim {

/// True if DISPLAY is set and an X server accepts a connection there.
bool x_display_works();

}  // namespace mesosim
