#!/usr/bin/env bash
# `npm run check:infra`: checks that the files generated from services/registry.ts are up to
# date, and validates the operations files with the tools that read them.
# A missing tool is skipped with a warning locally, and is an error under CI.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0

need() { # need <tool> <install hint>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "${CI:-}" = "true" ]; then echo "check:infra: $1 is missing ($2)" >&2; failed=1; else echo "check:infra: skipped, $1 not installed ($2)"; fi
  return 1
}

run() { echo "+ $*"; "$@" || failed=1; }

# The files generated from services/registry.ts (scripts/infraFiles.ts) must be what it
# generates now: regenerate them into a temporary directory and compare.
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
echo "+ tsx scripts/generate-infra.ts --out $generated"
if npx --no-install tsx scripts/generate-infra.ts --out "$generated" >/dev/null; then
  while IFS= read -r file; do
    if ! diff -u "$file" "$generated/$file"; then
      echo "check:infra: $file is out of date with services/registry.ts; run npm run infra:generate" >&2
      failed=1
    fi
  done < <(cd "$generated" && find . -type f | sed 's|^\./||' | sort)
else
  echo "check:infra: scripts/generate-infra.ts failed" >&2
  failed=1
fi

if need promtool "apt-get install prometheus"; then
  run promtool check rules infra/prometheus/alerts.yml
  run promtool check config infra/prometheus/prometheus.yml
fi
if command -v docker-compose >/dev/null 2>&1; then
  run docker-compose config -q
elif docker compose version >/dev/null 2>&1; then
  run docker compose config -q
else
  need docker-compose "apt-get install docker-compose"
fi
run node -e '
  for (const f of process.argv.slice(1)) JSON.parse(require("fs").readFileSync(f, "utf8"));
  console.log("json ok:", process.argv.length - 1, "files");
' grafana/dashboards/*.json infra/rabbitmq/definitions.json

[ "$failed" = 0 ] && echo "check:infra: ok"
exit "$failed"
