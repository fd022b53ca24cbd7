import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { labManagerSpec, type LabManagerSpec } from "../../../src/api/labmanager.js";
import type { ManagerFacts } from "../../../src/steps/labmanager/facts.js";
import { sudoersPath, NETWORK_HOOK } from "../../../src/steps/labmanager/paths.js";
import { planManager } from "../../../src/steps/labmanager/plan.js";
import type { HostField } from "../../../src/steps/types.js";
import { bareDebian, converged, inputs, seedSpec } from "./manager-fixtures.js";

// `labctl diff` prints, per spec field, what the host has: each host change below must show
// as its field, with the host's value, and nothing else may show. Model: the set of fields
// reported is exactly the set of fields changed by hand.
const spec = seedSpec({
  packages: ["tmux"],
  user: { name: "manager", shellRc: true } as LabManagerSpec["user"],
});

type Change = { field: string; host: RegExp; apply(f: ManagerFacts): void };
const link = (f: ManagerFacts, name: string) => f.links.find((l) => l.ifname === name)!;
const CHANGES: Change[] = [
  { field: "spec.timezone", host: /^Europe\/Paris$/, apply: (f) => void (f.timezone = "Europe/Paris") },
  {
    field: "spec.packages",
    host: /^not installed: tmux$/,
    apply: (f) => void (f.installed = f.installed.filter((p) => p !== "tmux")),
  },
  {
    field: "spec.bridges[0].stp",
    host: /^off$/,
    apply: (f) => void (link(f, "public").linkinfo!.info_data!.stp_state = 0),
  },
  {
    field: "spec.bridges[0].forwardDelay",
    host: /^15 s$/,
    apply: (f) => void (link(f, "public").linkinfo!.info_data!.forward_delay = 1500),
  },
  {
    field: "spec.bridges[0].addresses",
    host: /^none$/,
    apply: (f) => void (link(f, "public").addr_info = []),
  },
  {
    field: "spec.bridges[1].interfaces",
    host: /^none$/,
    apply: (f) => void (link(f, "eno2").master = null),
  },
  {
    field: "spec.qemuBridgeAllow",
    host: /^allowed: public$/,
    apply: (f) => void (f.qemuBridgeAllows = ["public"]),
  },
  { field: "spec.virtualBMC.version", host: /^1\.0\.0$/, apply: (f) => void (f.vbmcVersion = "1.0.0") },
  {
    field: "spec.user.passwordRef",
    host: /^another password$/,
    apply: (f) => void (f.user.passwordCheck = "differs"),
  },
  {
    field: "spec.user.sudo",
    host: new RegExp(`^${sudoersPath("manager")} missing$`),
    apply: (f) => void delete f.files[sudoersPath("manager")],
  },
  { field: "spec.user.shellRc", host: /^no block$/, apply: (f) => void (f.user.rcBlock = "") },
  {
    field: "spec.networkHook",
    host: new RegExp(`^${NETWORK_HOOK} missing$`),
    apply: (f) => void delete f.files[NETWORK_HOOK],
  },
];

const fieldsOf = (f: ManagerFacts): HostField[] =>
  planManager(spec, f, { ...inputs, wasConverged: true }).flatMap((s) => s.fields ?? []);

/** The schema's own field paths (indices dropped): a reported path must be one of them. */
function schemaPaths(): Set<string> {
  type Zod = { _def: { innerType?: Zod; schema?: Zod; element?: Zod }; shape?: Record<string, Zod> };
  const out = new Set<string>();
  const walk = (s: Zod, path: string): void => {
    let t = s;
    while (t._def.innerType || t._def.schema) t = (t._def.innerType ?? t._def.schema)!;
    out.add(path);
    if (t.shape) for (const [k, v] of Object.entries(t.shape)) walk(v, `${path}.${k}`);
    else if (t._def.element) walk(t._def.element, path);
  };
  walk(labManagerSpec as unknown as Zod, "spec");
  return out;
}

describe("LabManager plan: spec fields as the host has them", () => {
  it("a converged host shows no field", () => {
    assert.deepEqual(fieldsOf(converged(spec)), []);
  });

  it("shows exactly the fields changed by hand, each with the host's value (model)", () => {
    fc.assert(
      fc.property(fc.subarray(CHANGES, { minLength: 1 }), (changes) => {
        const facts = converged(spec);
        for (const c of changes) c.apply(facts);
        const fields = fieldsOf(facts);
        assert.deepEqual(
          [...new Set(fields.map((f) => f.path))].sort(),
          changes.map((c) => c.field).sort(),
          JSON.stringify(fields),
        );
        for (const c of changes) {
          const f = fields.find((x) => x.path === c.field)!;
          assert.match(f.host, c.host, `${c.field}: ${JSON.stringify(f)}`);
          assert.notEqual(f.host, f.wanted, `${c.field} has and wants the same`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("every reported path names a field of the schema, on a bare host too", () => {
    const paths = schemaPaths();
    assert.ok(paths.has("spec.bridges.stp") && !paths.has("spec.bridges.nope"), [...paths].join(" "));
    const changed = converged(spec);
    for (const c of CHANGES) c.apply(changed);
    const bare = bareDebian();
    bare.defaultRoutes = [{ dev: "eth0" }];
    const fresh = planManager(spec, bare, inputs).flatMap((s) => s.fields ?? []);
    assert.ok(fresh.length >= 8, JSON.stringify(fresh));
    for (const f of [...fieldsOf(changed), ...fresh])
      assert.ok(paths.has(f.path.replace(/\[\d+\]/g, "")), `${f.path} is not a schema field`);
  });

  it("never carries the password, only that it differs", () => {
    const facts = converged(spec);
    facts.user.passwordCheck = "differs";
    assert.ok(!JSON.stringify(fieldsOf(facts)).includes(inputs.managerPassword));
  });
});
