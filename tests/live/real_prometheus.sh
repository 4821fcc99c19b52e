#!/usr/bin/env bash
# Starts Debian's Prometheus on 127.0.0.1 scraping a static exposition (served
# by python3 on 127.0.0.1), waits for the first scrape, runs the RealPrometheus
# tests against it, and stops everything it started — also on failure.
#   real_prometheus.sh PIPE_LIVE_TESTS_BINARY
set -euo pipefail
tests_binary="$1"
command -v prometheus >/dev/null || { echo "prometheus is not installed (scripts/setup.sh installs it)"; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

mkdir -p "$work/site"
# Zone r1-az1 sums to 300, zone r1-az2 to 400, region r1 to 700. Region r2's
# label values hold `.`, `|`, `"` and `\` (batched queries quote them), 40 in all.
cat > "$work/site/metrics" <<'METRICS'
# TYPE demo_requests_total counter
demo_requests_total{region="r1",zone="r1-az1",host="r1-az1-h01"} 100
demo_requests_total{region="r1",zone="r1-az1",host="r1-az1-h02"} 100
demo_requests_total{region="r1",zone="r1-az1",host="r1-az1-h03"} 100
demo_requests_total{region="r1",zone="r1-az2",host="r1-az2-h01"} 100
demo_requests_total{region="r1",zone="r1-az2",host="r1-az2-h02"} 100
demo_requests_total{region="r1",zone="r1-az2",host="r1-az2-h03"} 200
demo_requests_total{region="r2",zone="r2.a|b",host="h\"1"} 5
demo_requests_total{region="r2",zone="r2\\z",host="h2"} 7
demo_requests_total{region="r2",zone="r2\"q",host="h3"} 11
demo_requests_total{region="r2",zone="r2xa",host="h4"} 17
# TYPE demo_errors_total counter
demo_errors_total{region="r1",zone="r1-az1",host="r1-az1-h01"} 2
demo_errors_total{region="r1",zone="r1-az2",host="r1-az2-h03"} 4
demo_errors_total{region="r2",zone="r2.a|b",host="h\"1"} 1
METRICS

site_port=$(free_port)
(cd "$work/site" && exec python3 -m http.server "$site_port" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
prom_port=$(free_port)
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: demo
    metrics_path: /metrics
    static_configs:
      - targets: ["127.0.0.1:$site_port"]
YAML
prometheus --config.file="$work/prometheus.yml" --web.listen-address="127.0.0.1:$prom_port" \
  --storage.tsdb.path="$work/data" >"$work/prometheus.log" 2>&1 &
pids+=($!)

url="http://127.0.0.1:$prom_port"
for _ in $(seq 1 60); do
  if curl -fsS "$url/api/v1/query?query=up" 2>/dev/null | grep -q '"value":\[[0-9.]*,"1"\]'; then break; fi
  sleep 0.5
done
curl -fsS "$url/api/v1/query?query=up" | grep -q '"1"\]' || { echo "prometheus did not scrape in 30 s"; tail -20 "$work/prometheus.log"; exit 1; }
PIPE_TEST_PROMETHEUS_URL="$url" timeout 60 "$tests_binary" --gtest_filter='RealPrometheus.*'
