#!/usr/bin/env bash
# posture batch (Parquet, DataFusion) against posture score (NDJSON) on the
# same data, in one run: ORGS organisations × PER_ORG findings (default
# 100,000 × 100 = 10 M findings). Wall time and peak RSS (GNU time), median
# of RUNS; every batch output is checked equal to posture score's, row by
# row (the bytes of the Parquet files differ with the number of passes:
# the writer's pages follow the batches it is given).
#
# Usage: benches/lake-bench/run.sh [ORGS] [PER_ORG] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
orgs=${1:-100000}
per_org=${2:-100}
runs=${3:-3}
data=${LAKE_DIR:-target/lake-bench/$orgs-$per_org}
cargo build -q --release -p posture-cli -p posture-datafusion --examples
posture=target/release/posture
if [ ! -f "$data/findings.parquet" ]; then
  target/release/examples/lake "$data" "$orgs" "$per_org"
fi
ls -l "$data"

measure() { # name, command...
  local name=$1; shift
  local walls=() rss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$data/time.txt" "$@" > /dev/null
    read -r w m < "$data/time.txt"
    walls+=("$w"); rss+=("$m")
  done
  local wall mem
  wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  mem=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
  printf '%-44s wall %7.2f s   peak RSS %6d MiB   (runs: %s)\n' \
    "$name" "$wall" $(( mem / 1024 )) "${walls[*]}"
}

batch() { # threads, memory limit, extra...
  local t=$1 m=$2; shift 2
  "$posture" batch --organizations "$data/organizations.parquet" \
    --assets "$data/assets.parquet" --findings "$data/findings.parquet" \
    --out "$data/out-$t-$m.parquet" --threads "$t" --memory-limit "$m" "$@"
}

measure "baseline: wc -l documents.ndjson" wc -l "$data/documents.ndjson"
measure "posture score (NDJSON), 1 thread" env RAYON_NUM_THREADS=1 "$posture" score "$data/documents.ndjson" --format json
measure "posture score (NDJSON), 2 threads" env RAYON_NUM_THREADS=2 "$posture" score "$data/documents.ndjson" --format json
export -f batch; export posture data
measure "posture batch (Parquet), 1 thread, 1G" bash -c 'batch 1 1G'
measure "posture batch (Parquet), 2 threads, 1G" bash -c 'batch 2 1G'
measure "posture batch (Parquet), 2 threads, 4G (one pass)" bash -c 'batch 2 4G'
measure "posture batch (Parquet), 2 threads, 512M" bash -c 'batch 2 512M'

"$posture" score "$data/documents.ndjson" --format json > "$data/scores.ndjson"
for o in out-1-1G out-2-1G out-2-4G out-2-512M; do
  printf '%s: ' "$o"
  target/release/examples/lake_check "$data/$o.parquet" "$data/scores.ndjson"
done
