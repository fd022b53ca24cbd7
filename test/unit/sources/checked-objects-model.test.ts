// Kubernetes mode's object set under random event sequences (fast-check model): after every
// delivery or deletion, what was handed over per object equals what a fresh set, listed with
// the same objects, hands over; and besides the object delivered, nothing is handed over
// again unless its verdict changed. The set decides "unchanged" by revision, not by comparing
// the objects' JSON, so this is the check that the shortcut loses no verdict.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { keyString, type Kind, type LabObject, type ObjectKey } from "../../../src/api/index.js";
import { CheckedObjects } from "../../../src/sources/kubernetes/checked-objects.js";
import { keyOfRaw } from "../../../src/sources/kubernetes/decode.js";
import type { RawObject } from "../../../src/sources/kubernetes/watcher.js";
import type { SourceHandler } from "../../../src/sources/source.js";
import { docOf, exampleLab, secretRefs, type Doc } from "../manifests/example-lab.js";

/** The latest hand-over per object: the object's JSON, or its error lines. */
class LastHandedOver implements SourceHandler {
  readonly latest = new Map<string, string>();
  handedOver: string[] = [];
  upsert(object: LabObject): void {
    const id = keyString({
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
    this.set(id, `ok ${JSON.stringify(object)}`);
  }
  invalid(key: ObjectKey, errors: string[]): void {
    this.set(keyString(key), `invalid ${errors.join("; ")}`);
  }
  remove(key: ObjectKey): void {
    this.latest.delete(keyString(key));
  }
  sourceErrors(): void {}
  synced(): void {}
  private set(id: string, verdict: string): void {
    this.handedOver.push(id);
    this.latest.set(id, verdict);
  }
}

const lab = exampleLab();
/** The example lab's LabManager and networks, as the API server returns them (Secrets for files). */
const base: Doc[] = [
  docOf(lab, "LabManager", "lab"),
  docOf(lab, "LibvirtNetwork", "public"),
  docOf(lab, "LibvirtNetwork", "openstack-control-plane"),
].map((d) => secretRefs(structuredClone(d)) as Doc);

const managerNames = ["lab", "lab2", "lab3"];
const addresses = ["192.168.1.10", "192.168.1.11", "not an address!"];

/** A LabManager named as the lab's, or a second and third one; the address pool makes conflicts. */
function manager(name: string, address: string, detach: boolean): Doc {
  const doc = structuredClone(base[0]!);
  doc.metadata = { name, ...(detach ? { annotations: { "openstacklab.io/detach": "true" } } : {}) };
  doc.spec = { ...doc.spec, address, bridges: name === "lab" ? doc.spec.bridges : [] };
  return doc;
}

type Op =
  | { op: "manager"; name: string; address: string; detach: boolean }
  | { op: "network"; index: number; managerRef: string }
  | { op: "delete"; name: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("manager" as const),
    name: fc.constantFrom(...managerNames),
    address: fc.constantFrom(...addresses),
    detach: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("network" as const),
    index: fc.constantFrom(1, 2),
    managerRef: fc.constantFrom(...managerNames),
  }),
  fc.record({ op: fc.constant("delete" as const), name: fc.constantFrom(...managerNames, "public") }),
);

let version = 0;
function raw(doc: Doc, created: number): RawObject {
  version += 1;
  return {
    ...structuredClone(doc),
    metadata: {
      ...structuredClone(doc.metadata),
      namespace: "default",
      resourceVersion: String(version),
      generation: 1,
      creationTimestamp: new Date(1_700_000_000_000 + created * 1000).toISOString(),
    },
  } as unknown as RawObject;
}

describe("Kubernetes mode's object set under random events (model)", () => {
  it("hands over what a fresh listing would, and repeats no unchanged verdict of another object", () => {
    // The model must reach the states that matter, or it proves nothing.
    const seen = { conflict: 0, schemaError: 0, readyManager: 0, detached: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const handler = new LastHandedOver();
        const set = new CheckedObjects(handler);
        const current = new Map<string, { kind: Kind; raw: RawObject }>();
        // An object keeps its creationTimestamp across updates; a new one after a deletion is younger.
        const createdAt = new Map<string, number>();
        let clock = 0;
        const deliver = (doc: Doc) => {
          const id = keyString({ kind: doc.kind as Kind, namespace: "default", name: doc.metadata.name });
          if (!createdAt.has(id)) createdAt.set(id, clock++);
          const r = raw(doc, createdAt.get(id)!);
          const key = keyOfRaw(doc.kind as Kind, r);
          current.set(keyString(key), { kind: doc.kind as Kind, raw: r });
          set.object(doc.kind as Kind, key, r, { file: "" });
          return keyString(key);
        };
        base.forEach((d) => deliver(d));
        set.synced();
        ops.forEach((o) => {
          const before = new Map(handler.latest);
          handler.handedOver = [];
          let delivered: string | undefined;
          if (o.op === "manager") delivered = deliver(manager(o.name, o.address, o.detach));
          else if (o.op === "network") {
            const doc = structuredClone(base[o.index]!);
            doc.spec = { ...doc.spec, managerRef: o.managerRef };
            delivered = deliver(doc);
          } else {
            const kind: Kind = o.name === "public" ? "LibvirtNetwork" : "LabManager";
            const key = { kind, namespace: "default", name: o.name };
            if (!current.delete(keyString(key))) return;
            createdAt.delete(keyString(key));
            set.deleted(key);
          }
          // Nothing but the delivered object is handed over with the verdict it already had.
          for (const id of handler.handedOver)
            if (id !== delivered) assert.notEqual(handler.latest.get(id), before.get(id), `${id} repeated`);

          const fresh = new LastHandedOver();
          const listing = new CheckedObjects(fresh);
          for (const [id, { kind, raw: r }] of current) {
            const [, namespace, name] = id.split("/");
            listing.object(kind, { kind, namespace: namespace!, name: name! }, r, { file: "" });
          }
          listing.synced();
          const verdicts = [...handler.latest.values()];
          if (verdicts.some((v) => v.includes("one host, one LabManager"))) seen.conflict++;
          if (verdicts.some((v) => v.startsWith("invalid spec.address"))) seen.schemaError++;
          if (
            verdicts.some((v) =>
              v.startsWith('ok {"apiVersion":"openstacklab.io/v1alpha1","kind":"LabManager"'),
            )
          )
            seen.readyManager++;
          if (verdicts.some((v) => v.includes('"deletionPolicy":"Orphan"'))) seen.detached++;
          assert.deepEqual(
            new Map([...handler.latest].sort()),
            new Map([...fresh.latest].sort()),
            `after ${JSON.stringify(o)}`,
          );
        });
      }),
      { numRuns: 300 },
    );
    for (const [state, steps] of Object.entries(seen))
      assert.ok(steps > 100, `${state} reached in ${steps} steps`);
  });
});
