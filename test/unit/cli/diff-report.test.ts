import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { LabObject } from "../../../src/api/index.js";
import { fieldChanges } from "../../../src/cli/diff/fields.js";
import { diffReport, formatDiff } from "../../../src/cli/diff/report.js";
import { emptyState, type ObjectState } from "../../../src/controllers/state.js";

const lm = (name: string, spec: Record<string, unknown>) =>
  ({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name, namespace: "default" },
    spec,
  }) as unknown as LabObject;

function planned(
  name: string,
  steps: string[],
  ready?: { status: "True" | "False"; reason: string; message: string },
): ObjectState {
  const s = emptyState("LabManager", "default", name);
  s.status.plannedSteps = steps;
  if (ready)
    s.status.conditions = [
      { type: "Ready", ...ready, lastTransitionTime: "2026-01-01T00:00:00Z" },
    ] as ObjectState["status"]["conditions"];
  return s;
}

function applied(o: LabObject): ObjectState {
  const s = emptyState("LabManager", "default", o.metadata.name);
  s.lastGoodObject = o;
  return s;
}

/** JSON with object keys sorted: equal values, equal text. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : x,
  );

describe("labctl diff's report", () => {
  it("Flux's exit codes: 0 no changes, 1 changes, 2 an error (errors win)", () => {
    const a = lm("a", { address: "x" });
    assert.equal(diffReport([applied(a)], [a], [planned("a", [])], []).exitCode, 0);
    assert.equal(diffReport([applied(a)], [a], [planned("a", ["install libvirt"])], []).exitCode, 1);
    assert.equal(diffReport([], [a], [planned("a", [])], []).exitCode, 1, "never applied: new");
    assert.equal(diffReport([applied(a)], [lm("a", { address: "y" })], [planned("a", [])], []).exitCode, 1);
    const failed = planned("a", [], { status: "False", reason: "Unreachable", message: "no route" });
    assert.equal(diffReport([applied(a)], [a], [failed, planned("b", ["x"])], []).exitCode, 2);
    assert.equal(diffReport([applied(a)], [a], [planned("a", [])], ["bad.yaml:1 unknown field"]).exitCode, 2);
  });

  it("text: one line per object, per field and per host step, then a summary", () => {
    const r = diffReport(
      [applied(lm("lab", { address: "10.0.0.1", bridges: [{ name: "br0" }] }))],
      [lm("lab", { address: "10.0.0.2", bridges: [{ name: "br0" }, { name: "br1" }] })],
      [planned("lab", ["create bridge br1 (absent)"])],
      [],
    );
    assert.equal(
      formatDiff(r),
      [
        "LabManager/lab: changed",
        '  spec.address: "10.0.0.1" -> "10.0.0.2"',
        '  spec.bridges[1]: (unset) -> {"name":"br1"}',
        "  host: create bridge br1 (absent)",
        "1 changed",
        "",
      ].join("\n"),
    );
  });

  it("text: per field the host differs in, what it has and what the spec wants, before the steps", () => {
    const state = planned("lab", ["enable STP on public"]);
    state.status.plannedFields = [{ path: "spec.bridges[0].stp", host: "off", wanted: "on" }];
    const r = diffReport([applied(lm("lab", {}))], [lm("lab", {})], [state], []);
    assert.equal(r.exitCode, 1);
    assert.deepEqual(r.objects[0]?.hostFields, [{ path: "spec.bridges[0].stp", host: "off", wanted: "on" }]);
    assert.equal(
      formatDiff(r),
      [
        "LabManager/lab: changed",
        "  host spec.bridges[0].stp: has off, wants on",
        "  host: enable STP on public",
        "1 changed",
        "",
      ].join("\n"),
    );
  });

  it("--kubernetes: the cluster's dry run counts too, and is printed under the object", () => {
    const a = lm("a", { address: "x" });
    const report = (c: Parameters<typeof diffReport>[4]) =>
      diffReport([applied(a)], [a], [planned("a", [])], [], c);
    const key = "LabManager/default/a";
    assert.equal(report(new Map([[key, { result: "unchanged", fields: [] }]])).exitCode, 0);
    const changed = report(
      new Map([
        [key, { result: "changed", fields: [{ path: "spec.address", applied: '"y"', wanted: '"x"' }] }],
      ]),
    );
    assert.equal(changed.exitCode, 1);
    assert.equal(
      formatDiff(changed),
      'LabManager/a: unchanged\n  cluster: changed\n  cluster spec.address: "y" -> "x"\n1 changed in the cluster\n',
    );
    assert.equal(report(new Map([[key, { result: "error", fields: [], message: "denied" }]])).exitCode, 2);
  });

  it("fieldChanges: no change exactly when the values are equal (keys in any order); each change differs", () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(json, json, (a, b) => {
        const changes = fieldChanges(a, b, "spec");
        const same = canonical(a) === canonical(b);
        assert.equal(changes.length === 0, same, JSON.stringify({ a, b, changes }));
        for (const c of changes) assert.notEqual(c.applied, c.wanted);
        // Identical inputs never differ, whatever the order of keys.
        assert.deepEqual(fieldChanges(a, structuredClone(a), "spec"), []);
      }),
    );
  });
});
