import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { metricNames, servedMetricNames } from "./promql.js";

const DASHBOARD = fileURLToPath(new URL("../../../manifests/deploy/grafana-dashboard.json", import.meta.url));

function exprsOf(dashboard: { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> }) {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

describe("Grafana dashboard", () => {
  it("finds metric names in PromQL, not functions, labels or keywords", () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (le, controller) (rate(a_b_bucket{result="x"}[5m])))'),
      ["a_b_bucket"],
    );
    assert.deepEqual(metricNames("sum(x) / ignoring(host) y and z"), ["x", "y", "z"]);
  });

  it("queries only metrics the operator's registry serves, so it cannot drift from the code", async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, "utf8"));
    const served = await servedMetricNames();
    const queries = exprsOf(dashboard);
    assert.ok(queries.length >= 10, "the dashboard has its panels");
    const used = new Set<string>();
    for (const { panel, expr } of queries) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${panel}: no metric in ${expr}`);
      for (const name of names) {
        assert.ok(served.has(name), `${panel}: ${name} is not served by /metrics`);
        used.add(name);
      }
    }
    for (const ours of [
      "controller_runtime_reconcile_total",
      "workqueue_depth",
      "labop_step_failures_total",
      "labop_drift_repaired_total",
      "labop_ssh_open_connections",
    ])
      assert.ok(used.has(ours), `the dashboard shows ${ours}`);
  });
});
