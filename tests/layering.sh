#!/usr/bin/env bash
# The floor plan of docs/architecture.md, checked: a C++ file may include headers of its own
# folder and of folders on lower floors only. Floors, lowest first:
#   solver < models < scenarios, io < viz < simulation < app < python
# (scenarios and io share a floor and do not include each other). Prints every upward include as
# FILE:LINE: FOLDER (floor N) includes FOLDER (floor M) and exits 1 if there is one.
#   tests/layering.sh [SOURCE_DIR]        # the `layering` CTest test runs this
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
declare -A floor=([solver]=0 [models]=1 [scenarios]=2 [io]=2 [viz]=3 [simulation]=4 [app]=5 [python]=6)
n_bad=0
n_files=0
for folder in "${!floor[@]}"; do
  [[ -d $root/$folder ]] || continue
  while IFS= read -r -d '' file; do
    n_files=$((n_files + 1))
    while IFS=: read -r line target; do
      [[ -n ${floor[$target]+set} ]] || continue  # a generated header or a folder outside the plan
      if [[ $target != "$folder" && ${floor[$target]} -ge ${floor[$folder]} ]]; then
        echo "${file#"$root"/}:$line: $folder (floor ${floor[$folder]}) includes $target (floor ${floor[$target]})"
        n_bad=$((n_bad + 1))
      fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' "$file" |
             sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([a-z_]+)\/.*/\1:\2/')
  done < <(find "$root/$folder" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.hpp.in' -o -name '*.h' \) -print0)
done
if ((n_files == 0)); then
  echo "layering: no source files under $root" >&2
  exit 2
fi
if ((n_bad > 0)); then
  echo "layering: $n_bad upward include(s); move the code down a floor or the include up (docs/architecture.md)" >&2
  exit 1
fi
echo "layering: $n_files files, every include runs down the floor plan"
