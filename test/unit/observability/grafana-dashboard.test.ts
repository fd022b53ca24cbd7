import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { OperatorMetrics } from "../../../src/observability/metrics.js";

const DASHBOARD = fileURLToPath(new URL("../../../manifests/deploy/grafana-dashboard.json", import.meta.url));

const PROMQL_WORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not function calls,
 * keywords, label names in {…} or by (…), or durations in […].
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const names = [...bare.matchAll(/(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:]|\s*\()/g)].map(
    (m) => m[0],
  );
  return names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n));
}

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
    const served = new Set<string>();
    for (const m of await new OperatorMetrics().registry.getMetricsAsJSON()) {
      served.add(m.name);
      if (String(m.type) === "histogram")
        for (const s of ["_bucket", "_sum", "_count"]) served.add(m.name + s);
    }
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
