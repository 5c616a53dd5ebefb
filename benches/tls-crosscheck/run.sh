#!/usr/bin/env bash
# Posture's TLS verdicts beside sslyze 6.3.1 (PyPI) and testssl.sh 3.0.8
# (Debian) on the same loopback servers, in one run, inside a network
# namespace that has only loopback. As root. Installs what is missing
# (openssl, testssl.sh; sslyze in a virtualenv under $WORK).
#
# Usage: benches/tls-crosscheck/run.sh [results.json]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
work="${WORK:-$(mktemp -d)}"
out="${1:-$work/results.json}"
command -v openssl >/dev/null || apt-get install -y -qq openssl
command -v testssl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq testssl.sh
[ -x "$work/venv/bin/sslyze" ] || { python3 -m venv "$work/venv" && "$work/venv/bin/pip" install -q sslyze==6.3.1; }
(cd "$root" && cargo build -q --release -p posture-cli && cargo build -q --release -p posture-examples --example tls_lab)
unshare -n bash -c "ip link set lo up && python3 '$here/run.py' \
  --lab '$root/target/release/examples/tls_lab' --posture '$root/target/release/posture' \
  --sslyze '$work/venv/bin/sslyze' --testssl testssl --out '$out'"
echo "results: $out"
