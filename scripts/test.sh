#!/usr/bin/env bash
# The test command (`npm test`): type-check (including the type-level tests in test/types,
# whose @ts-expect-error lines fail the check if their error disappears), the formatter and
# linter (Biome), the import rules (dependency-cruiser: no cycles, no forbidden direction), build
# dist/ (the CLI tests run the built bin, as users do), then run every uvu suite. Ends with the line CI reads:
# "N passed, N failed, N skipped". Fails on zero tests or a stray .only (uvu exits 0 on both).
# Usage: scripts/test.sh [regex]   e.g. scripts/test.sh 'graph|runner'
set -uo pipefail
cd "$(dirname "$0")/.."
pattern="${1:-\\.test\\.ts\$}"

if only=$(grep -rnE '\b(test|suite|[A-Za-z_]+)\.only\(' test --include='*.ts' | grep -v '^test/types/'); then
  echo "stray .only in tests (uvu would skip the rest and exit 0):"; echo "$only"
  echo "0 passed, 1 failed"; exit 1
fi
echo "> tsc --noEmit"
if ! node node_modules/typescript/bin/tsc --noEmit -p tsconfig.json; then
  echo "0 passed, 1 failed"; exit 1
fi
echo "> biome ci (format and lint)"
if ! node node_modules/@biomejs/biome/bin/biome ci --colors=off --reporter=summary . >/dev/null 2>&1; then
  node node_modules/@biomejs/biome/bin/biome ci --colors=off . 2>&1 | tail -n 40
  echo "(npm run format fixes formatting; npx biome lint . lists the lint findings)"
  echo "0 passed, 1 failed"; exit 1
fi
echo "> depcruise (import rules: .dependency-cruiser.cjs)"
if ! node node_modules/dependency-cruiser/bin/dependency-cruise.mjs --config .dependency-cruiser.cjs lib tasks cli index.ts test bench; then
  echo "0 passed, 1 failed"; exit 1
fi
echo "> build"
if ! node scripts/build.mjs --no-types; then
  echo "0 passed, 1 failed"; exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# -c false: uvu's colours are on even when piped, and it leaks FORCE_COLOR=1 into children.
node --import tsx node_modules/uvu/bin.js test "$pattern" -c false 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
total=$(sed -n 's/^ *Total: *\([0-9]*\).*/\1/p' "$out" | tail -1)
passed=$(sed -n 's/^ *Passed: *\([0-9]*\).*/\1/p' "$out" | tail -1)
skipped=$(sed -n 's/^ *Skipped: *\([0-9]*\).*/\1/p' "$out" | tail -1)
if [ -z "$total" ]; then echo "0 passed, 1 failed"; exit 1; fi   # crashed before the summary
failed=$(( total - passed ))
echo "$passed passed, $failed failed, ${skipped:-0} skipped"
# Zero tests, or failures uvu swallowed (a throwing before() hook exits 0): still a failure.
if { [ "$total" -eq 0 ] || [ "$failed" -gt 0 ] || [ "${skipped:-0}" -gt 0 ]; } && [ "$rc" -eq 0 ]; then rc=1; fi
exit "$rc"
