#!/usr/bin/env bash
# Regenerates DejaVuSans-subset.woff, the font SVG plots embed (a data URL of 26 kB rather
# than the whole 740 kB TrueType file that PNG rendering uses): DejaVu Sans cut to the
# characters plots write (ASCII, Latin-1 and a few symbols), with kerning, as WOFF.
# Needs fontTools (pip install fonttools); run from the repository root. The licence
# (DejaVuSans-LICENSE.txt) allows modified fonts whose names contain neither "Bitstream" nor
# "Vera"; the subset keeps the name DejaVu Sans.
set -euo pipefail
pyftsubset src/report/DejaVuSans.ttf \
  --unicodes="U+0020-007E,U+00A0-00FF,U+2013,U+2014,U+2018,U+2019,U+201C,U+201D,U+2026,U+2212,U+2264,U+2265,U+2248,U+2190-2193,U+221E,U+03BC,U+0394,U+03C3" \
  --layout-features='kern' --flavor=woff --output-file=src/report/DejaVuSans-subset.woff
