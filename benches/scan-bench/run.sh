#!/usr/bin/env bash
# scan-bench: posture vs checkdmarc 6.0.4 against one NSD, same run, loopback only.
# One command reproduces everything (root; about 3-4 minutes, plus any wait for an idle box):
#     ./run.sh                 # = bench.py --n 200 --reps 5 --secs 3
# Extra arguments go to bench.py. Everything measured runs inside `unshare -n`
# (bench.py re-executes itself there), so nothing can leave 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")"

# 1. NSD and dnsperf (Debian packages). policy-rc.d keeps the packaged service from starting.
if ! command -v nsd >/dev/null || ! command -v dnsperf >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y nsd dnsperf
fi

# 2. Python side: checkdmarc 6.0.4 and its DNS library, pinned.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install checkdmarc==6.0.4 dnspython==2.9.2 dnslib==0.9.26 pyspf==2.0.14 pyyaml \
    publicsuffixlist==1.1.2.20261023
fi

# 3. The scanner under test: a copy of the project's release build (sha256 goes into results.json).
# POSTURE_BIN names the build to test (default: this checkout's release build, built when missing).
if [ -z "${POSTURE_BIN:-}" ]; then
  (cd ../.. && cargo build -q --release -p posture-cli)
  POSTURE_BIN="$(cd ../.. && pwd)/target/release/posture"
  export POSTURE_CHECKOUT="${POSTURE_CHECKOUT:-$(cd ../.. && pwd)}"
fi
cp "$POSTURE_BIN" posture-bin
[ -x posture-bin ] || { echo "copy the project's release build to ./posture-bin or set POSTURE_BIN" >&2; exit 2; }

# 4. Zones + nsd.conf are generated into nsd-run/ by bench.py (world.py), NSD is started there,
#    all measurements run, results.json is written; the console log goes to run_stdout.txt.
.venv/bin/python bench.py "$@" 2>&1 | tee run_stdout.txt
