// PromQL helpers for the tests that check dashboards and alert rules read only served metrics.
import { OperatorMetrics } from "../../../src/observability/metrics.js";

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

/** Every series name /metrics serves: each metric, and a histogram's _bucket, _sum and _count. */
export async function servedMetricNames(): Promise<Set<string>> {
  const served = new Set<string>();
  for (const m of await new OperatorMetrics().registry.getMetricsAsJSON()) {
    served.add(m.name);
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) served.add(m.name + s);
  }
  return served;
}
