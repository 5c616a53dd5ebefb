#!/usr/bin/env bash
# posture score on a large NDJSON batch beside Python's json.loads of the
# same file and `wc -l`, in one run: wall time (median of 3) and peak RSS.
#
# Usage: benches/batch-bench/run.sh [ORGS] [FINDINGS_PER_ORG]   (20000 100)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
orgs="${1:-20000}"
per="${2:-100}"
work="${WORK:-$(mktemp -d)}"
(cd "$root" && cargo build -q --release -p posture-cli)
bin="$root/target/release/posture"
batch="$work/batch-$orgs-$per.ndjson"
[ -f "$batch" ] || python3 "$here/gen.py" "$root/crates/posture-core/data/catalog.json" "$batch" "$orgs" "$per"
python3 - "$bin" "$batch" <<'PY'
import json, os, resource, statistics, subprocess, sys, time
bin_, batch = sys.argv[1], sys.argv[2]
size = os.path.getsize(batch)
def timed(cmd):
    walls, rss = [], 0
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - t)
        rss = max(rss, ru.ru_maxrss)
        assert os.waitstatus_to_exitcode(status) == 0, cmd
    return statistics.median(walls), rss / 1024
py = [sys.executable, "-c",
      "import json,sys\nfor l in open(sys.argv[1]): json.loads(l)", batch]
rows = [("wc -l", ["wc", "-l", batch]),
        ("python3 json.loads per line", py),
        ("posture score --format json", [bin_, "score", "--input", batch, "--format", "json"])]
res = {}
for name, cmd in rows:
    res[name] = timed(cmd)
base = res["python3 json.loads per line"][0]
print(f"batch: {batch} ({size / 2**20:.0f} MiB)")
for name, (wall, rss) in res.items():
    print(f"{name:32} {wall:7.2f} s  {size / 2**20 / wall:7.0f} MiB/s  peak {rss:6.0f} MiB  "
          f"{base / wall:5.2f}x python")
PY
