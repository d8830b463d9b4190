#!/usr/bin/env bash
# `kpic diff` on the 20,000-KPI benchmark workspace between two commits that change 1 % of the
# KPIs (200 periods), against `kpic check` of the same workspace (the diff checks both sides,
# so the bar is twice a check). Medians of N runs (default 7), the commands in turn.
#
#   bash bench/diff.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
cargo build --release --quiet --bin kpic --example bench
kpic="$PWD/target/release/kpic"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
target/release/examples/bench generate "$dir" 20000 >/dev/null
cd "$dir"
git init -q
git add -A
git -c user.email=bench@example.com -c user.name=bench -c commit.gpgsign=false commit -qm base
n=0
for f in kpi-specs/*.yaml; do
  if grep -q 'period: monthly' "$f"; then
    sed -i '0,/period: monthly/s//period: quarterly/' "$f"
    n=$((n + 1))
    [ "$n" -ge 200 ] && break
  fi
done
git -c user.email=bench@example.com -c user.name=bench -c commit.gpgsign=false commit -qam "200 KPIs"
python3 - "$kpic" "$runs" <<'PY'
import statistics, subprocess, sys, time
kpic, runs = sys.argv[1], int(sys.argv[2])
cmds = {"check": [kpic, "check", "--no-cache"], "diff": [kpic, "diff", "HEAD~1", "HEAD", "--format", "json"]}
times = {k: [] for k in cmds}
out = subprocess.run(cmds["diff"], capture_output=True, text=True)
import json
d = json.loads(out.stdout)
changed = sum(len(p["kpis"]) for t in d["teams"] for p in t["people"])
for _ in range(runs + 1):
    for k, c in cmds.items():
        t = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[k].append((time.perf_counter() - t) * 1000)
med = {k: statistics.median(v[1:]) for k, v in times.items()}
print(f"KPIs changed in the diff: {changed}")
print(f"kpic check: {med['check']:.1f} ms (median of {runs})")
print(f"kpic diff HEAD~1 HEAD: {med['diff']:.1f} ms (median of {runs})")
print(f"diff / (2 x check): {med['diff'] / (2 * med['check']):.2f}")
PY
