#!/usr/bin/env bash
# Rebuilds tests/EvidenceHub.Tests/Media/pdq-reference.tsv: the PDQ hashes and qualities that Meta's own C++ hasher
# (facebook/ThreatExchange, pdq/cpp) gives the repository's synthetic test images. CI does not run this (it cannot
# fetch ThreatExchange); run it after changing SyntheticImages (bump its Version) or the SkiaSharp pin (JPEG bytes).
#
#   bash ops/pdq-reference.sh PATH/TO/ThreatExchange/pdq/cpp [COMMIT]
#
# COMMIT names the ThreatExchange commit in the file's header (default: git rev-parse in the checkout, if it is one).
# Needs g++, libpng-dev and libjpeg-dev (installed when missing): CImg then decodes PNG and JPEG itself, with the
# libjpeg-turbo and libpng of the machine, so the very files the C# tests hash go into the reference.
set -euo pipefail
# shellcheck source=ops/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CPP="${1:?usage: pdq-reference.sh PATH/TO/ThreatExchange/pdq/cpp [COMMIT]}"
CPP="$(cd "$CPP" && pwd -P)"
[ -f "$CPP/hashing/pdqhashing.cpp" ] || die "$CPP is not ThreatExchange's pdq/cpp"
COMMIT="${2:-$(git -C "$CPP" rev-parse HEAD 2>/dev/null || echo unknown)}"
require_dotnet

if ! [ -f /usr/include/png.h ] || ! [ -f /usr/include/jpeglib.h ]; then
  if is_root; then apt-get install -y libpng-dev libjpeg-dev >&2; else die "install libpng-dev and libjpeg-dev"; fi
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The include paths are <pdq/cpp/...>: build from the folder two levels above pdq/cpp.
log "building the reference pdq-photo-hasher (CImg.h is large: about two minutes)"
(cd "$CPP" && g++ -std=c++11 -O3 -Dcimg_use_png -Dcimg_use_jpeg -I../.. -I. -w \
  bin/pdq-photo-hasher.cpp common/pdqhashtypes.cpp io/hashio.cpp common/pdqhamming.cpp hashing/pdqhashing.cpp \
  downscaling/downscaling.cpp io/pdqio.cpp hashing/torben.cpp common/pdqutils.cpp \
  -o "$WORK/pdq-photo-hasher" -lpng -ljpeg -lz -lm -lpthread)

log "generating the test images"
(cd "$REPO" && dotnet run ops/pdq-images.cs -- "$WORK/images" >&2)

log "hashing them with the reference"
(cd "$WORK/images" && cut -f1 manifest.tsv | xargs "$WORK/pdq-photo-hasher") > "$WORK/reference.csv"

VERSION="$(grep -oP 'public const int Version = \K[0-9]+' "$REPO/src/EvidenceHub.Media/Samples/SyntheticImages.cs")"
SEED="$(grep -oP 'public const ulong DefaultSeed = \K[0-9]+' "$REPO/src/EvidenceHub.Media/Samples/SyntheticImages.cs")"
OUT="$REPO/tests/EvidenceHub.Tests/Media/pdq-reference.tsv"
mkdir -p "$(dirname "$OUT")"
{
  echo "# PDQ of SyntheticImages version $VERSION, seed $SEED, by facebook/ThreatExchange pdq/cpp at $COMMIT"
  echo "# (pdq-photo-hasher, g++ -O3, CImg with libpng $(pkg-config --modversion libpng 2>/dev/null || echo '?') and" \
       "$(dpkg-query -W -f '${Package} ${Version}' libjpeg62-turbo 2>/dev/null || echo libjpeg)); rebuilt by ops/pdq-reference.sh"
  printf 'file\tkind\ttransform\toriginal\tsha256\thash\tquality\n'
  # The reference prints hash,quality,file; join on the file name, in the manifest's order.
  awk -F'\t' -v OFS='\t' 'NR == FNR { split($0, r, ","); hash[r[3]] = r[1]; quality[r[3]] = r[2]; next }
    { if (!($1 in hash)) { print "no reference hash for " $1 > "/dev/stderr"; exit 1 }
      print $1, $2, $3, $4, $5, hash[$1], quality[$1] }' "$WORK/reference.csv" "$WORK/images/manifest.tsv"
} > "$OUT"
log "wrote $OUT ($(($(grep -vc '^#' "$OUT") - 1)) images)"

# The eight dihedral hashes (--pdqdih: original, rotate 90, 180, 270, flip x, flip y, flip +1, flip -1) of the
# images that are no variant, to check the C# transforms of the DCT against the reference's.
DIH="$REPO/tests/EvidenceHub.Tests/Media/pdq-reference-dihedral.tsv"
{
  head -2 "$OUT"
  printf 'file\toriginal\trotate90\trotate180\trotate270\tflipx\tflipy\tflipplus1\tflipminus1\n'
  for f in $(awk -F'\t' '$3 == "none" { print $1 }' "$WORK/images/manifest.tsv"); do
    (cd "$WORK/images" && "$WORK/pdq-photo-hasher" --pdqdih "$f") | cut -d, -f1 | paste -sd '\t' | sed "s/^/$f\t/"
  done
} > "$DIH"
log "wrote $DIH"
