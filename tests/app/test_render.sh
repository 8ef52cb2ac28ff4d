#!/usr/bin/env bash
# `mesosim render` end to end on a small real run of the built-in case (500 um cells, 6 h):
#   - cross-sections, top views and plots at --size 800x600, checked by check_render.py (size, not
#     blank, colour bar is viridis low to high, the injection tip is at the hot end at t = 0);
#   - two renders of the same input are byte-identical PNGs;
#   - the 3-D view with DISPLAY unset or dead (runs itself under xvfb-run), and an MP4 movie;
#   - the default component is the one that stays longest, --component all renders each, and
#     --sampling cells differs from the interpolated default;
#   - input errors exit 2 with a message naming the option: no results, a damaged file, an
#     unknown component (the names are listed), a time outside the run, an unknown sampling.
# Usage: test_render.sh PATH_TO_MESOSIM PATH_TO_SOURCE_TREE
set -u
mesosim=$1
source_tree=$2
python=/usr/bin/python3  # Debian's, which sees python3-h5py and python3-matplotlib
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"  # pass, fail, check and the failure count

"$mesosim" run --cell "500 um" --end "6 h" --snapshot-interval "2 h" --threads 2 --quiet --out "$work/run" >"$work/run.log" 2>&1 ||
  { cat "$work/run.log"; exit 1; }

# 1. Frames and plots, checked pixel by pixel.
args=(--size 800x600 --view section,top,plots --contour "0.1 mg/mL")
if "$mesosim" render "$work/run" "${args[@]}" --out "$work/a" >"$work/a.log" 2>&1; then
  pass "render ($(tail -1 "$work/a.log"))"
else
  fail "render: $(cat "$work/a.log")"
fi
"$python" "$source_tree/tests/app/check_render.py" "$work/a" 800 600 "$work/run/results.h5" || fail "check_render.py"

# 2. Deterministic: the same input gives the same bytes.
"$mesosim" render "$work/run" "${args[@]}" --out "$work/b" >/dev/null 2>&1
n_png=$(ls "$work/a"/*.png | wc -l)
different=0
for file in "$work/a"/*.png; do cmp -s "$file" "$work/b/$(basename "$file")" || different=$((different + 1)); done
if ((n_png >= 10 && different == 0)); then pass "identical PNGs in two renders ($n_png files)"; else fail "$different of $n_png PNGs differ"; fi

# 3. The 3-D view without a display, and a movie.
if env -u DISPLAY "$mesosim" render "$work/run" --component lidocaine --size 800x600 --view 3d --times "2 h" --out "$work/c" >"$work/c.log" 2>&1 &&
   "$python" - "$work/c/lidocaine_3d_0000.png" <<'PY'
import sys, numpy as np, matplotlib.image as m
a = (m.imread(sys.argv[1])[:, :, :3] * 255).round()
n = len(np.unique(a.reshape(-1, 3), axis=0))
print("3-D frame %dx%d, %d colours" % (a.shape[1], a.shape[0], n))
sys.exit(0 if a.shape[:2] == (600, 800) and n > 100 else 1)
PY
then pass "3-D view under xvfb-run"; else fail "3-D view: $(cat "$work/c.log")"; fi
# A DISPLAY with no X server behind it (a stale ssh -X, say) is handled the same way.
if DISPLAY=:9876 "$mesosim" render "$work/run" --component lidocaine --size 800x600 --view 3d --times "2 h" --out "$work/c2" >"$work/c2.log" 2>&1 &&
   grep -q "no working X display" "$work/c2.log" && [[ -s $work/c2/lidocaine_3d_0000.png ]]; then
  pass "3-D view with a dead DISPLAY falls back to xvfb-run"
else
  fail "3-D view with a dead DISPLAY: $(cat "$work/c2.log")"
fi
if command -v ffmpeg >/dev/null; then
  "$mesosim" render "$work/run" --component lidocaine --size 800x600 --view section --movie --out "$work/d" >"$work/d.log" 2>&1
  frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height -of csv=p=0 "$work/d/lidocaine_section.mp4" 2>&1)
  if [[ $frames == "800,600,4" ]]; then pass "MP4 movie (width,height,frames = $frames)"; else fail "MP4 movie: '$frames' $(cat "$work/d.log")"; fi
fi

# 3b. Without --component: the one that stays longest (the protein); --component all: each one;
# --sampling cells draws each cell's value, unlike the interpolated default.
if grep -q '"component": "albumin-sized protein"' "$work/a/render.json"; then pass "default component: the one that stays longest"
else fail "default component: $(grep '"component"' "$work/a/render.json")"; fi
"$mesosim" render "$work/run" --component all --view section --size 800x600 --times "1 h" --out "$work/all" >"$work/all.log" 2>&1
n_all=$(ls "$work/all" | grep -c '_section_0000.png$')
if [[ $n_all == 3 && -s $work/all/render_lidocaine.json && -s $work/all/render.json ]]; then pass "--component all: 3 components"
else fail "--component all: $n_all section frames; $(cat "$work/all.log")"; fi
for sampling in cells smooth; do
  "$mesosim" render "$work/run" --component lidocaine --view top --size 800x600 --times "1 h" --sampling $sampling \
    --out "$work/$sampling" >/dev/null 2>&1
done
if [[ -s $work/cells/lidocaine_top_0000.png && -s $work/smooth/lidocaine_top_0000.png ]] &&
   ! cmp -s "$work/cells/lidocaine_top_0000.png" "$work/smooth/lidocaine_top_0000.png"; then
  pass "--sampling cells differs from the interpolated picture"
else
  fail "--sampling cells: no frame, or the same as the smooth one"
fi

# 4. Input errors: exit 2 and a message that names the problem.
expect_input_error() {
  local what=$1 pattern=$2
  shift 2
  local output
  output=$("$mesosim" render "$@" --out "$work/e" 2>&1)
  local rc=$?
  if [[ $rc -eq 2 && $output == *$pattern* ]]; then pass "$what: exit 2"; else fail "$what: exit $rc, '$output'"; fi
}
expect_input_error "no results" "no results.h5 here" "$work/nothing"
head -c 4000 "$work/run/results.h5" >"$work/damaged.h5"
expect_input_error "damaged file" "damaged" "$work/damaged.h5"
expect_input_error "unknown component" "it holds 'lidocaine', 'ascorbic acid', 'albumin-sized protein'" "$work/run" --component caffeine
expect_input_error "time outside the run" "--times 3 d is outside the run" "$work/run" --times "1 h,3 d"
expect_input_error "bad size" "--size" "$work/run" --size 800
expect_input_error "bad sampling" "--sampling nearest" "$work/run" --sampling nearest
[[ ! -e $work/e ]] && pass "nothing written on input errors" || fail "input errors left $work/e"

# A darcy-reservoir run: the frame at the end of the injection outlines the bleb (excess fluid >= 0.1).
if "$mesosim" run "$source_tree/scenarios/examples/single_injection.toml" --set 'domain.cell=500 um' \
     --set injections.0.reservoir=darcy --end "1 h" --out "$work/darcy" --quiet >/dev/null 2>&1 &&
   "$mesosim" render "$work/darcy" --view section --times "5 s" --size 800x600 >/dev/null 2>&1 &&
   grep -q 'bleb (excess fluid >= 0.1)' "$work/darcy/render/render.json"; then
  pass "bleb outlined in a darcy run"
else
  fail "bleb outline: render.json of a darcy run does not list it"
fi

((failures == 0)) && echo "all render checks passed" || echo "$failures render checks failed"
exit $((failures > 0))
