#!/usr/bin/env bash
# Regenerates each example crate's expected.txt from its `//~ rule-id` markers,
# or with --check, fails if any expected.txt is stale.
# Format: one `src/FILE.rs:LINE rule-id` per marker id, sorted by file, line, rule.
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-write}
status=0
for toml in $(find . -name Cargo.toml -not -path '*/target/*' | sort); do
  crate=$(dirname "$toml")
  raw=$(cd "$crate" && grep -rnH --include='*.rs' '//~ ' src || true)
  want=$(printf '%s\n' "$raw" | sed '/^$/d' \
    | sed -E 's#^([^:]+):([0-9]+):.*//~ (.*)$#\1 \2 \3#' \
    | awk '{ for (i = 3; i <= NF; i++) {
               if ($i !~ /^[a-z][a-z-]*[a-z]$/) { print "bad marker id: " $1 ":" $2 " " $i > "/dev/stderr"; exit 1 }
               print $1 ":" $2 " " $i } }' \
    | sort -t: -k1,1 -k2,2n -k2,2) || { echo "in $crate" >&2; exit 1; }
  if [ "$mode" = "--check" ]; then
    if [ "$want" != "$(cat "$crate/expected.txt" 2>/dev/null)" ]; then
      echo "stale: $crate/expected.txt"; status=1
    fi
  else
    if [ -n "$want" ]; then printf '%s\n' "$want" > "$crate/expected.txt"; else : > "$crate/expected.txt"; fi
  fi
done
exit $status
