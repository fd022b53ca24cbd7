// The chart's alert rules: only served metrics, and the real promtool checks them and runs
// their unit tests (prometheus-rules.promtool.yaml: series in, alerts out).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { findTool, runTool } from "../../tools/tools.js";
import { metricNames, servedMetricNames } from "./promql.js";

const RULES = fileURLToPath(
  new URL("../../../charts/lab-operator/files/prometheus-rules.yaml", import.meta.url),
);
const PROMTOOL_TESTS = fileURLToPath(new URL("./prometheus-rules.promtool.yaml", import.meta.url));

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
}
const rules = async () => parse(await readFile(RULES, "utf8")) as RuleFile;

describe("alert rules", () => {
  it("query only metrics the operator's registry serves, and cover the four promised alerts", async () => {
    const served = await servedMetricNames();
    const alerts = (await rules()).groups.flatMap((g) => g.rules);
    for (const { alert, expr } of alerts) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${alert}: no metric in ${expr}`);
      for (const name of names) assert.ok(served.has(name), `${alert}: ${name} is not served by /metrics`);
    }
    assert.deepEqual(
      alerts.map((a) => a.alert),
      ["LabObjectNotReady", "LabManagerUnreachable", "LabDriftRepairsFrequent", "LabReconcileErrors"],
    );
    assert.equal(alerts.find((a) => a.alert === "LabObjectNotReady")?.for, "15m");
  });
});

const promtool = await findTool("promtool");

describe("alert rules under the real promtool", { skip: promtool.skip }, () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("promtool check rules accepts the rule file", async () => {
    const { stdout } = await runTool(promtool.path, ["check", "rules", RULES]);
    assert.match(stdout, /SUCCESS: 4 rules found/);
  });

  it("promtool test rules: each alert fires on the series it is for, at the time it should, and only then", async () => {
    const { stdout } = await runTool(promtool.path, ["test", "rules", PROMTOOL_TESTS]);
    assert.match(stdout, /SUCCESS/);
  });

  it("the same unit tests fail against rules that fire too early (so they can fail)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-rules-"));
    dirs.push(dir);
    const mutated = (await readFile(RULES, "utf8")).replace("for: 15m", "for: 1m");
    assert.notEqual(mutated, await readFile(RULES, "utf8"));
    await writeFile(join(dir, "rules.yaml"), mutated);
    const tests = (await readFile(PROMTOOL_TESTS, "utf8")).replace(
      "../../../charts/lab-operator/files/prometheus-rules.yaml",
      "rules.yaml",
    );
    await writeFile(join(dir, "tests.yaml"), tests);
    await assert.rejects(
      runTool(promtool.path, ["test", "rules", join(dir, "tests.yaml")]),
      /LabObjectNotReady/,
    );
  });
});
