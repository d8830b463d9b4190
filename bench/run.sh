#!/usr/bin/env bash
# The kpic benchmark, from a clean clone: builds the release binaries, then generates synthetic
# workspaces (1,000 to 100,000 KPIs) in a temporary folder and prints kpic/parse-only ratios.
# Arguments go to the benchmark: --sizes 1000,5000,20000,100000 --runs 9 --dir DIR --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin kpic --example bench
if [ ! -x /usr/bin/time ]; then
  echo "note: /usr/bin/time not found, peak memory will show n/a (apt-get install -y time)" >&2
fi
exec target/release/examples/bench "$@"
