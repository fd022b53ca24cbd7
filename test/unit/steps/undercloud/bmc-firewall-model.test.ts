import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createLogger } from "../../../../src/log.js";
import type { ExecResult, RemoteHost } from "../../../../src/remote/types.js";
import {
  type FirewallFacts,
  planBmcFirewall,
  planBmcFirewallCleanup,
  releasedBy,
} from "../../../../src/steps/bmc/firewall.js";
import { FIREWALLD_CLOSE, FIREWALLD_OPEN } from "../../../../src/steps/bmc/firewall-scripts.js";
import type { OwnedResource, StepContext } from "../../../../src/steps/types.js";

/**
 * Model-based: a firewalld of two zones (runtime and permanent port sets) that the
 * operator and "someone else" both change. The operator's cycle is what the controller
 * does: observe (from the model), plan, record ownership, apply. The promises: after a
 * cycle the BMC port is open in the zone of the VM network while openFirewall is on; the
 * operator never closes a port it did not open; after deletion none of its ports is left.
 */
const ZONES = ["libvirt", "public"] as const;
type Zone = (typeof ZONES)[number];
const key = (zone: string, port: number) => `${zone}:${port}`;

class ModelFirewall {
  runtime = new Set<string>();
  permanent = new Set<string>();
  /** Opened by someone else (and not later by us): must survive anything we do. */
  foreign = new Set<string>();

  facts(zone: Zone, port: number): FirewallFacts {
    const k = key(zone, port);
    return {
      backend: "firewalld",
      iface: zone === "libvirt" ? "hypervisor" : "eth0",
      zones: [{ zone, runtime: this.runtime.has(k), permanent: this.permanent.has(k) }],
      chains: [],
    };
  }

  /** What FIREWALLD_OPEN / FIREWALLD_CLOSE do to one zone and port. */
  host(): RemoteHost {
    const ok: ExecResult = { exitCode: 0, stdout: "", stderr: "" };
    const exec = async (argv: readonly string[]) => {
      const [zone, port] = argv.slice(4) as [string, string];
      const k = key(zone, Number(port));
      const sets = [this.runtime, this.permanent];
      if (argv[2] === FIREWALLD_OPEN) sets.forEach((set) => set.add(k));
      else if (argv[2] === FIREWALLD_CLOSE) sets.forEach((set) => set.delete(k));
      else throw new Error(`unexpected command ${argv.join(" ").slice(0, 80)}`);
      return ok;
    };
    const unused = () => {
      throw new Error("not used");
    };
    return { id: "model", exec, observe: unused, upload: unused, readFile: unused, stream: unused };
  }
}

type Action =
  | { do: "reconcile" }
  | { do: "spec"; port: number; zone: Zone; open: boolean }
  | { do: "othersOpen"; zone: Zone; port: number; permanentOnly: boolean }
  | { do: "othersClose"; zone: Zone; port: number };

const port = fc.constantFrom(6230, 6231, 6232);
const zone = fc.constantFrom(...ZONES);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constant({ do: "reconcile" as const }),
  fc.record({ do: fc.constant("spec" as const), port, zone, open: fc.boolean() }),
  fc.record({ do: fc.constant("othersOpen" as const), zone, port, permanentOnly: fc.boolean() }),
  fc.record({ do: fc.constant("othersClose" as const), zone, port }),
);

async function reconcile(
  fw: ModelFirewall,
  spec: { port: number; zone: Zone; open: boolean },
  owned: OwnedResource[],
) {
  const ctx: StepContext = { host: fw.host(), log: createLogger({ level: "silent" }) };
  const steps = planBmcFirewall(spec.port, fw.facts(spec.zone, spec.port), { open: spec.open, owned });
  for (const s of steps) {
    if (s.owns && !owned.some((o) => o.name === s.owns!.name)) owned.push(s.owns);
    await s.apply(ctx);
    // The controller's part: a successful close ends the ownership it names.
    const released = releasedBy(s);
    const i = released ? owned.findIndex((o) => o.name === released.name) : -1;
    if (i >= 0) owned.splice(i, 1);
  }
}

describe("BMC firewall, model-based against a modelled firewalld", () => {
  it("keeps the wanted port open, never closes foreign ports, and leaves none of ours after delete", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 25 }), async (actions) => {
        const fw = new ModelFirewall();
        const owned: OwnedResource[] = [];
        let spec = { port: 6230, zone: "libvirt" as Zone, open: true };
        for (const a of actions) {
          if (a.do === "spec") spec = { port: a.port, zone: a.zone, open: a.open };
          else if (a.do === "othersOpen") {
            const k = key(a.zone, a.port);
            // Re-opening a port of ours is not taking it over: it stays ours (we cannot tell).
            const ours = owned.some((o) => o.name === `firewalld:${k}`);
            if (!fw.runtime.has(k) && !fw.permanent.has(k) && !ours) fw.foreign.add(k);
            fw.permanent.add(k);
            if (!a.permanentOnly) fw.runtime.add(k);
          } else if (a.do === "othersClose") {
            const k = key(a.zone, a.port);
            fw.runtime.delete(k);
            fw.permanent.delete(k);
            fw.foreign.delete(k);
          } else {
            await reconcile(fw, spec, owned);
            const again = planBmcFirewall(spec.port, fw.facts(spec.zone, spec.port), {
              open: spec.open,
              owned,
            });
            assert.deepEqual(
              again.map((s) => s.id),
              [],
              "a second cycle runs zero steps",
            );
            const k = key(spec.zone, spec.port);
            if (spec.open) assert.ok(fw.runtime.has(k) && fw.permanent.has(k), `${k} open after a cycle`);
            for (const f of fw.foreign) assert.ok(fw.permanent.has(f), `foreign ${f} kept`);
          }
        }
        const ctx: StepContext = { host: fw.host(), log: createLogger({ level: "silent" }) };
        for (const s of planBmcFirewallCleanup(owned)) await s.apply(ctx);
        for (const f of fw.foreign) assert.ok(fw.permanent.has(f), `foreign ${f} kept after delete`);
        const ours = [...fw.permanent].filter((k) => !fw.foreign.has(k));
        assert.deepEqual(ours, [], "none of our ports left after delete");
      }),
      { numRuns: 300 },
    );
  });
});
