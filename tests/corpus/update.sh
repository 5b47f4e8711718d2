#!/bin/sh
# Copy the shared corpus (where updates come from) over tests/corpus, keeping this README and
# script, and list what changed. Usage: tests/corpus/update.sh [SHARED_CORPUS_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../shared/corpus}
[ -f "$src/cases.tsv" ] || { echo "update.sh: no corpus at $src (give its path)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$src/." "$tmp/"
cp "$here/README.md" "$here/update.sh" "$tmp/"
chmod -R u+w "$tmp"
diff -rq "$here" "$tmp" || true
cp -R "$tmp/." "$here/"
echo "update.sh: copied $src; re-bless expectations with tests/golden/bless.sh if captures changed"
