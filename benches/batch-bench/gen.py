#!/usr/bin/env python3
"""A batch of findings documents for `posture score`: N organisations of F
findings over the built-in catalog (deterministic: fixed seed)."""
import json
import random
import sys

catalog, out, n, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cat = json.load(open(catalog))
issues = [i["id"] for i in (cat["issues"] if isinstance(cat, dict) else cat)]
r = random.Random(7)
with open(out, "w") as f:
    for d in range(n):
        hosts = [f"h{k}.org{d}.example" for k in range(8)]
        net = f"10.{d % 250}.{(d // 250) % 250}"
        findings = []
        for _ in range(per):
            asset = r.choice(hosts) if r.random() < 0.7 else f"{net}.{r.randrange(256)}"
            findings.append({
                "issue": r.choice(issues),
                "asset": asset,
                "first_seen": "2026-%02d-%02dT%02d:%02d:%02dZ" % (
                    r.randrange(1, 10), r.randrange(1, 28), r.randrange(24), r.randrange(60), r.randrange(60)),
                "last_seen": "2026-10-%02dT%02d:%02d:%02dZ" % (
                    r.randrange(1, 28), r.randrange(24), r.randrange(60), r.randrange(60)),
                "status": r.choice(["open", "open", "open", "fixed", "waived"]),
            })
        doc = {"organization": f"org{d}", "as_of": "2026-11-01T00:00:00Z",
               "assets": hosts + [f"{net}.0/24"], "findings": findings}
        f.write(json.dumps(doc, separators=(",", ":")) + "\n")
