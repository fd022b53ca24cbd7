#!/usr/bin/env bash
# Runs a test suite with node's test runner: unit | e2e | kubernetes | faults | all.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-all}
case "$suite" in
  unit) dirs=(test/unit) ;;
  e2e) dirs=(test/e2e) ;;
  kubernetes) dirs=(test/kubernetes) ;;
  faults) dirs=(test/faults) ;;
  all) dirs=(test/unit test/e2e test/kubernetes test/faults) ;;
  *) echo "unknown suite: $suite" >&2; exit 2 ;;
esac
files=()
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  while IFS= read -r f; do files+=("$f"); done < <(find "$d" -name '*.test.ts' | sort)
done
if [ ${#files[@]} -eq 0 ]; then echo "no test files in ${dirs[*]}" >&2; exit 1; fi
# e2e suites share one host (bridges, containers): run files one at a time.
concurrency=1
[ "$suite" = unit ] && concurrency=2
exec node --import tsx --test --test-concurrency="$concurrency" --test-reporter=spec "${files[@]}"
