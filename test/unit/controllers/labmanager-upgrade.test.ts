import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labManager } from "../../../src/api/index.js";
import type { DesiredObjects } from "../../../src/controllers/contract.js";
import type { HostAccess } from "../../../src/controllers/hostaccess.js";
import type { KindInput } from "../../../src/controllers/kind.js";
import { labManagerKind } from "../../../src/controllers/labmanager.js";
import { emptyState, type ObjectState } from "../../../src/controllers/state.js";
import { createLogger } from "../../../src/log.js";
import type { ManagerFacts } from "../../../src/steps/labmanager/facts.js";
import { converged, KEY, PASSWORD, recordingHost, SEED_OWNED, seedSpec } from "../steps/manager-fixtures.js";

/**
 * The LabManager kind's own bookkeeping of spec.upgrade, on a host double (observe answers
 * with facts, every command succeeds): the real controller runs here without SSH.
 */
describe("LabManager: spec.upgrade turned on after the Manager converged", () => {
  const object = (upgrade: boolean) =>
    labManager.parse({
      apiVersion: "openstacklab.io/v1alpha1",
      kind: "LabManager",
      metadata: { name: "lab" },
      spec: { ...seedSpec(), upgrade },
    });

  async function work(state: ObjectState, upgrade: boolean) {
    const { host, ctx } = recordingHost();
    const facts: ManagerFacts = converged(seedSpec());
    host.observe = async <T>() => structuredClone(facts) as T;
    const hosts = {
      manager: async () => host,
      credentials: async () => ({ managerPublicKey: KEY, managerPassword: PASSWORD }),
      fingerprint: () => undefined,
    } as unknown as HostAccess;
    const input = {
      object: object(upgrade),
      dependencies: new Map(),
      state,
      hosts,
      objects: { list: () => [] } as unknown as DesiredObjects,
      log: createLogger({ level: "silent" }),
      checkpoint: async () => undefined,
      readyObject: async () => undefined,
    } as KindInput<ReturnType<typeof object>>;
    return { w: await labManagerKind.converge(input), ctx };
  }

  it("runs the upgrade once, records it in status.upgraded, and not again", async () => {
    const state = emptyState("LabManager", "default", "lab");
    state.owned = [...SEED_OWNED];
    state.lifecycle = { phase: "ready", convergedGeneration: 1 } as ObjectState["lifecycle"];
    state.status.upgraded = false; // converged with upgrade: false
    const { w, ctx } = await work(state, true);
    const first = await w.plan({ current: false });
    assert.match(first.steps[0]?.description ?? "", /^upgrade the system/, "the edit lands");
    assert.equal(first.status?.upgraded, false);
    await first.steps[0]!.apply(ctx);
    const after = await w.plan({ current: false });
    assert.deepEqual(after.steps, [], "the verifying re-plan does not plan it again");
    assert.equal(after.status?.upgraded, true);

    state.status.upgraded = true;
    const again = await work(state, true);
    assert.deepEqual((await again.w.plan({ current: true })).steps, [], "not on the next reconcile");
  });
});
