#!/usr/bin/env bash
# `npm run test:fault [-- --full] [jest arguments]`: the fault tier. --full runs 500 orders
# per scenario (FAULT_FULL=1) instead of the size CI affords; other arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for arg in "$@"; do
  if [ "$arg" = "--full" ]; then export FAULT_FULL=1; else args+=("$arg"); fi
done
# One file at a time: scenarios stop PostgreSQL and the broker nodes every file uses.
exec npx --no-install jest --selectProjects fault --runInBand "${args[@]}"
