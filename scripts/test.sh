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
  all) dirs=(test/e2e test/kubernetes test/faults test/unit) ;;
  *) echo "unknown suite: $suite" >&2; exit 2 ;;
esac
files=()
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  while IFS= read -r f; do files+=("$f"); done < <(find "$d" -name '*.test.ts' | sort)
done
if [ ${#files[@]} -eq 0 ]; then echo "no test files in ${dirs[*]}" >&2; exit 1; fi
# Files run side by side: every sandbox picks its own machine names (pid-based prefix), a free
# /24 and bridge, the Kubernetes tests their own ports and data directories. Three at a time
# on 2 cores: most of a sandbox test waits on boots, apt and SSH, not on the CPU.
concurrency=${LAB_TEST_CONCURRENCY:-3}
# The longest files (VMs booted and installed) start first, so the last minutes are not one
# long file running alone.
long=() rest=()
for f in "${files[@]}"; do
  case "$f" in
    *undercloud*|*converge-sandbox*|*edit-every-field*|*office-nic*|*demo-lab*) long+=("$f") ;;
    *) rest+=("$f") ;;
  esac
done
files=(${long[@]+"${long[@]}"} ${rest[@]+"${rest[@]}"})
# A file that never ends (a hung teardown once kept one alive until CI's own limit, holding a
# lane for 80 minutes) fails by name instead. Node 20 applies the limit per file; the longest
# file (the real cloud-init guest) takes about 14 minutes at full load.
file_timeout_ms=${LAB_TEST_FILE_TIMEOUT_MS:-1800000}
exec node --import tsx --test --test-concurrency="$concurrency" --test-timeout="$file_timeout_ms" \
  --test-reporter=spec "${files[@]}"
