#!/usr/bin/env bash
# Regenerate the pictures of docs/visualisation.md (docs/img/*.png) from the policies in examples/.
#
#   scripts/make-pictures.sh            # needs Graphviz (dot) and, for the viewer screenshots, Chromium
#   scripts/make-pictures.sh CORPUS_DIR # also docs/img/viewer-corpus.png: the sharing view of a corpus
#
# Each picture is made by the same `policykg export` command a reader would type; the viewer
# screenshot is headless Chromium opening the exported HTML page with the network switched off.
set -euo pipefail
cd "$(dirname "$0")/.."
policykg=${POLICYKG:-.venv/bin/policykg}
out=docs/img
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

"$policykg" ingest examples --store "$work/kg" -q

export_png() { "$policykg" export --store "$work/kg" "$@"; }
export_png --view sharing --format png --out "$out/sharing.png"
export_png --view collection --level 2 --format png --out "$out/collection-level2.png"
export_png --view policy --policy brightpath-learning --format png --out "$out/policy-brightpath-learning.png"
export_png --view question --question merger-transfer-without-consent --format png --out "$out/question-merger.png"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "make-pictures: Chromium not found, $out/viewer.png not remade (Debian: apt-get install chromium)" >&2
  exit 0
fi
rm -f "$out/viewer.png"
"$policykg" export --store "$work/kg" --view sharing --format html --out "$work/sharing.html"
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/chromium" \
  --window-size=1400,820 --virtual-time-budget=8000 --screenshot="$out/viewer.png" \
  "file://$work/sharing.html#search=acquirer" >/dev/null 2>&1 || true
[ -s "$out/viewer.png" ] || { echo "make-pictures: Chromium made no screenshot" >&2; exit 1; }

if [ -n "${1:-}" ]; then
  "$policykg" ingest "$1" --store "$work/corpus" -q || true     # an empty file is reported, not fatal
  "$policykg" export --store "$work/corpus" --view sharing --format html --out "$work/corpus.html"
  rm -f "$out/viewer-corpus.png"
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/chromium" \
    --window-size=1400,820 --virtual-time-budget=20000 --screenshot="$out/viewer-corpus.png" \
    "file://$work/corpus.html" >/dev/null 2>&1 || true
  [ -s "$out/viewer-corpus.png" ] || { echo "make-pictures: Chromium made no corpus screenshot" >&2; exit 1; }
fi
ls -l "$out"
