#!/usr/bin/env bash
# Prints 'PASSED FAILED' summed over the TRX files under DIR (failed counts errors, timeouts and aborts too).
set -euo pipefail
passed=0
failed=0
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  for field in passed failed error timeout aborted; do
    n=$(sed -n "s/.* $field=\"\([0-9]*\)\".*/\1/p" <<<"$counters")
    if [ "$field" = passed ]; then passed=$((passed + ${n:-0})); else failed=$((failed + ${n:-0})); fi
  done
done < <(find "$1" -name '*.trx' -print0)
echo "$passed $failed"
