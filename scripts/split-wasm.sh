#!/usr/bin/env bash
# Splits the page's wasm: trunk runs this after its build (Trunk.toml, post_build hook).
# trunk has built the wasm with the `split` feature (index.html) and run wasm-bindgen on it;
# this takes cargo's wasm again and
#   1. wasm-split-cli: the functions only reachable through a `#[wasm_split(...)]` function
#      (the Kafka page: `ui::kafka_chunk`; scenario files: `ui::files_chunk`; share codes:
#      `ui::links_chunk`; the events' narration: `ui::narration_chunk`; what the share tools
#      do: `ui::share_chunk`; the engine measurement: `web::bench_api_now`) go to their own
#      module, split_<name>.wasm, fetched
#      the first time the page needs it; the rest is the first load. (.cargo/config.toml
#      links with --emit-relocs: the splitter reads which function uses which.)
#   2. wasm-bindgen --target web --keep-lld-exports (the split modules import the main
#      module's memory, table and stack pointer through those exports)
#   3. release: wasm-opt -Oz on every module (trunk's own wasm-opt is off in index.html)
# and writes the results over trunk's files in the staging folder, under trunk's names
# (queue-playground-<hash>.js and _bg.wasm), with __wasm_split.js (the modules' loader) and
# the split_*.wasm beside them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$QP_ROOT"
: "${TRUNK_STAGING_DIR:?run by trunk (trunk build / trunk serve), which sets TRUNK_STAGING_DIR}"
profile="${TRUNK_PROFILE:-debug}"
input="${CARGO_TARGET_DIR:-$QP_ROOT/target}/wasm32-unknown-unknown/$profile/queue-playground.wasm"
staged_js="$(ls "$TRUNK_STAGING_DIR"/queue-playground-*.js 2>/dev/null | grep -v '_bg' | head -1 || true)"
[[ -n "$staged_js" && -f "$input" ]] || { echo "[split-wasm] trunk's wasm or JS not found ($input, $TRUNK_STAGING_DIR)" >&2; exit 1; }
name="$(basename "$staged_js" .js)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wasm-split-cli --out-name "$name" "$input" "$work/split"
wasm-bindgen --target web --keep-lld-exports --no-typescript --out-name "$name" --out-dir "$work/pkg" "$work/split/$name.wasm"
# The loader and the split modules carry trunk's hash too: a browser must never pair a cached
# module of an older build with this one (the modules share one table and one memory).
hash="${name##*-}"
# chunk_N.wasm: code two split modules share (e.g. the JSON parser of the Kafka and files
# modules), fetched with whichever of them comes first.
sed "s/\.\/\(split_[a-z0-9_]*\|chunk_[0-9]*\)\.wasm/.\/\1-$hash.wasm/g" "$work/split/__wasm_split.js" > "$work/pkg/__wasm_split-$hash.js"
shopt -s nullglob
for chunk in "$work/split"/split_*.wasm "$work/split"/chunk_*.wasm; do
  cp "$chunk" "$work/pkg/$(basename "$chunk" .wasm)-$hash.wasm"
done
# Only the JS import's path: the key "./__wasm_split.js" of the imports object is the wasm's
# import module name and stays.
sed -i "s/^\(import .* from \)\"\.\/__wasm_split\.js\"/\1\".\/__wasm_split-$hash.js\"/" "$work/pkg/$name.js"
grep -q "^import .* from \"./__wasm_split-$hash.js\"" "$work/pkg/$name.js" || { echo "[split-wasm] the loader's import was not renamed" >&2; exit 1; }
if [[ "$profile" == release ]]; then
  for wasm in "$work/pkg"/*.wasm; do
    wasm-opt -Oz --strip-producers --strip-target-features --strip-debug "$wasm" -o "$wasm"
  done
fi
cp "$work/pkg"/* "$TRUNK_STAGING_DIR/"
ls -l "$TRUNK_STAGING_DIR"/*.wasm
