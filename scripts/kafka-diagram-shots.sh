#!/usr/bin/env bash
# Screenshots of the Kafka diagram, for looking at it: runs the ignored wasm test that prints
# the component's markup (tests/web.rs, kafka_diagram_markup: a replicated state, a state after
# faults, and the latter in Chinese, each in the wide and the narrow layout), wraps each in a
# page with www/style.css (light and dark) and has headless Chromium take a PNG of it.
# Output: target/kdiagram-shots/*.png. Starts no broker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$QP_ROOT"
out="$QP_ROOT/target/kdiagram-shots"
mkdir -p "$out"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$QP_ROOT/webdriver.json" \
  cargo test --target wasm32-unknown-unknown --test web -- --include-ignored --nocapture kafka_diagram_markup > "$out/markup.txt" 2>&1
python3 - "$out" "$QP_ROOT/www/style.css" <<'PY'
import re, sys
out, css = sys.argv[1], sys.argv[2]
text = open(f'{out}/markup.txt').read()
for m in re.finditer(r'KAFKA-DIAGRAM-(\w+)-BEGIN(.*?)KAFKA-DIAGRAM-END', text, re.S):
    name, body = m.group(1), m.group(2)
    width = 620 if name.startswith('800') else 340
    for theme in ('light', 'dark'):
        open(f'{out}/{name}-{theme}.html', 'w').write(
            f'<!doctype html><html data-theme="{theme}"><head><meta charset="utf-8"><link rel="stylesheet" href="file://{css}">'
            f'<style>body{{margin:8px}} .wrap{{width:{width}px}}</style></head><body><div class="wrap">{body}</div></body></html>')
PY
for page in "$out"/*.html; do
  name="$(basename "$page" .html)"
  case "$name" in 800*) width=640 ;; *) width=360 ;; esac
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1.5 \
    --virtual-time-budget=3000 --window-size="$width,1100" --screenshot="$out/$name.png" "file://$page" 2>/dev/null
done
ls "$out"/*.png
