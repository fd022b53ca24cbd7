// manifests/deploy/argocd-health.lua run by Lua 5.1 (Argo CD's gopher-lua dialect) against
// objects shaped like the Kubernetes-mode store writes them (kstatus conditions): the edge
// cases. argocd-health-real.test.ts runs it on statuses the operator really wrote.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { argoHealth as health, HEALTH_SCRIPT as SCRIPT, skipUnlessLua as haveLua } from "./argocd.js";

const cond = (type: string, status: string, reason: string, message = "") => ({
  type,
  status,
  reason,
  message,
});
const object = (generation: number, status?: unknown, extra: Record<string, unknown> = {}) => ({
  metadata: { name: "lab", generation, ...extra },
  status,
});

describe("Argo CD health check", { skip: haveLua }, () => {
  test("Ready at the current generation is Healthy", async () => {
    const h = await health(
      object(2, {
        observedGeneration: 2,
        conditions: [cond("Ready", "True", "Converged", "host matches the spec")],
      }),
    );
    assert.deepEqual(h, { status: "Healthy", message: "host matches the spec" });
  });

  test("Ready for an older generation is still Progressing", async () => {
    const h = await health(
      object(3, { observedGeneration: 2, conditions: [cond("Ready", "True", "Converged")] }),
    );
    assert.equal(h.status, "Progressing");
  });

  test("Stalled is Degraded with the reason", async () => {
    const conditions = [
      cond("Ready", "False", "HostKeyChanged", "key changed"),
      cond("Stalled", "True", "HostKeyChanged", "key changed"),
    ];
    const h = await health(object(1, { observedGeneration: 1, conditions }));
    assert.deepEqual(h, { status: "Degraded", message: "HostKeyChanged: key changed" });
  });

  test("Reconciling, no status yet, and deleting are Progressing", async () => {
    const reconciling = [
      cond("Ready", "False", "Unreachable", "no route"),
      cond("Reconciling", "True", "Unreachable", "no route"),
    ];
    assert.deepEqual(await health(object(1, { observedGeneration: 1, conditions: reconciling })), {
      status: "Progressing",
      message: "Unreachable: no route",
    });
    assert.equal((await health(object(1))).status, "Progressing");
    const deleting = object(
      1,
      { observedGeneration: 1, conditions: [cond("Ready", "True", "Converged")] },
      { deletionTimestamp: "2026-01-01T00:00:00Z" },
    );
    assert.equal((await health(deleting)).status, "Progressing");
  });

  test("spec.suspend or a Suspended condition is Suspended, whatever else the status says", async () => {
    const ready = { observedGeneration: 1, conditions: [cond("Ready", "True", "Converged")] };
    const suspendedSpec = { ...object(1, ready), spec: { suspend: true } };
    assert.equal((await health(suspendedSpec)).status, "Suspended");
    const byCondition = object(1, {
      observedGeneration: 1,
      conditions: [cond("Suspended", "True", "Suspended")],
    });
    assert.equal((await health(byCondition)).status, "Suspended");
    assert.equal((await health({ ...object(1, ready), spec: { suspend: false } })).status, "Healthy");
  });

  test("argocd-cm-health.yaml carries the same script for all four kinds", async () => {
    const cm = parse(await readFile(SCRIPT.replace("argocd-health.lua", "argocd-cm-health.yaml"), "utf8"));
    const script = await readFile(SCRIPT, "utf8");
    for (const kind of ["LabManager", "LibvirtNetwork", "TripleOUndercloud", "OvercloudNodeSet"]) {
      assert.equal(cm.data[`resource.customizations.health.openstacklab.io_${kind}`], script, kind);
    }
  });
});
