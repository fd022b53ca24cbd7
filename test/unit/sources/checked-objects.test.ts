// Kubernetes mode's object set, fed custom resources directly (as the informers hand them
// over): the cross-object checks of file mode run there too, over the current set on every
// change, and an object that fails is handed over as invalid (the runtime keeps its last
// good spec, InputValid=False).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keyString, KINDS, type Kind, type LabObject, type ObjectKey } from "../../../src/api/index.js";
import { CheckedObjects } from "../../../src/sources/kubernetes/checked-objects.js";
import { keyOfRaw } from "../../../src/sources/kubernetes/decode.js";
import type { RawObject } from "../../../src/sources/kubernetes/watcher.js";
import type { SourceHandler } from "../../../src/sources/source.js";
import { CASES, objectOf, type Lab } from "../manifests/broken-lab-cases.js";
import { docOf, exampleLab, secretRefs, validateLab, type Doc } from "../manifests/example-lab.js";

class Recorder implements SourceHandler {
  events: string[] = [];
  /** The latest verdict per object: "ok" or its error lines. */
  verdicts = new Map<string, "ok" | string[]>();
  errors: string[] = [];
  upsert(object: LabObject): void {
    const id = keyString({
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
    this.events.push(`upsert ${id}`);
    this.verdicts.set(id, "ok");
  }
  invalid(key: ObjectKey, errors: string[]): void {
    this.events.push(`invalid ${keyString(key)}: ${errors.join("; ")}`);
    this.verdicts.set(keyString(key), errors);
  }
  remove(key: ObjectKey): void {
    this.events.push(`remove ${keyString(key)}`);
    this.verdicts.delete(keyString(key));
  }
  sourceErrors(errors: string[]): void {
    this.errors = errors;
  }
  synced(): void {}
  take(): string[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}

let version = 0;
/** A document of the lab as the API server returns it: namespaced, versioned, Secrets for files. */
function raw(doc: Doc): RawObject {
  version += 1;
  return {
    ...(secretRefs(structuredClone(doc)) as Doc),
    metadata: {
      ...structuredClone(doc.metadata),
      namespace: doc.metadata.namespace ?? "default",
      resourceVersion: String(version),
      generation: 1,
    },
  } as RawObject;
}

const isWatched = (doc: Doc) => (KINDS as readonly string[]).includes(doc.kind);

function feed(objects: CheckedObjects, doc: Doc): void {
  const r = raw(doc);
  objects.object(doc.kind as Kind, keyOfRaw(doc.kind as Kind, r), r, { file: doc.metadata.name });
}

/** A CheckedObjects that has listed the lab (the kinds Kubernetes mode watches) and synced. */
function listed(lab: Lab): { objects: CheckedObjects; rec: Recorder } {
  const rec = new Recorder();
  const objects = new CheckedObjects(rec);
  for (const doc of Object.values(lab).flat().filter(isWatched)) feed(objects, doc);
  objects.synced();
  return { objects, rec };
}

function secondManager(lab: Lab, name = "lab2"): Doc {
  const copy = structuredClone(docOf(lab, "LabManager", "lab"));
  copy.metadata.name = name;
  copy.spec.bridges = [];
  return copy;
}

const SAME_HOST = (other: string) =>
  `spec.address: 192.168.1.10 port 22 is also the host of LabManager "${other}": one host, one LabManager`;

describe("Kubernetes mode: the cross-object checks over the informers' objects", () => {
  it("hands nothing over before the listing is complete, then the example lab as valid", () => {
    const rec = new Recorder();
    const objects = new CheckedObjects(rec);
    const lab = exampleLab();
    for (const doc of Object.values(lab).flat().filter(isWatched)) feed(objects, doc);
    assert.deepEqual(rec.take(), [], "judged against a partial set");
    objects.synced();
    assert.deepEqual(rec.take(), [
      "upsert LabManager/default/lab",
      "upsert LibvirtNetwork/default/hypervisor-control-plane",
      "upsert LibvirtNetwork/default/openstack-control-plane",
      "upsert LibvirtNetwork/default/public",
      "upsert TripleOUndercloud/default/tripleo",
      "upsert OvercloudNodeSet/default/overcloud",
    ]);
    assert.deepEqual(rec.errors, []);
  });

  it("two LabManagers on the same address and port: both invalid, each naming the other; fixing one clears both", () => {
    const lab = exampleLab();
    const { objects, rec } = listed(lab);
    rec.take();
    const lab2 = secondManager(lab);
    feed(objects, lab2);
    assert.deepEqual(rec.take(), [
      `invalid LabManager/default/lab: ${SAME_HOST("lab2")}`,
      `invalid LabManager/default/lab2: ${SAME_HOST("lab")}`,
    ]);
    assert.deepEqual(rec.errors, [
      `LabManager/default/lab: ${SAME_HOST("lab2")}`,
      `LabManager/default/lab2: ${SAME_HOST("lab")}`,
    ]);
    // An unrelated change re-judges the set but repeats no verdict.
    feed(objects, docOf(lab, "LibvirtNetwork", "public"));
    assert.deepEqual(rec.take(), ["upsert LibvirtNetwork/default/public"]);

    lab2.spec.address = "192.168.1.11";
    feed(objects, lab2);
    assert.deepEqual(rec.take().sort(), ["upsert LabManager/default/lab", "upsert LabManager/default/lab2"]);
    assert.deepEqual(rec.errors, []);
  });

  it("deleting one of two conflicting objects clears the other; the deleted one is not upserted", () => {
    const lab = exampleLab();
    const { objects, rec } = listed(lab);
    const lab2 = secondManager(lab);
    feed(objects, lab2);
    rec.take();
    // Deletion requested (a finalizer holds it): judged once more with the set, then removed.
    feed(objects, { ...lab2, metadata: { ...lab2.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } });
    assert.deepEqual(rec.take(), [
      `invalid LabManager/default/lab2: ${SAME_HOST("lab")}`,
      "remove LabManager/default/lab2",
      "upsert LabManager/default/lab",
    ]);
    objects.deleted({ kind: "LabManager", namespace: "default", name: "lab2" });
    assert.deepEqual(rec.take(), ["remove LabManager/default/lab2"]);
    assert.equal(rec.verdicts.get("LabManager/default/lab"), "ok");
  });

  it("a reference to an object not listed yet is a dependency to wait for, not invalid input", () => {
    const lab = exampleLab();
    const rec = new Recorder();
    const objects = new CheckedObjects(rec);
    objects.synced();
    feed(objects, docOf(lab, "LibvirtNetwork", "public"));
    feed(objects, docOf(lab, "TripleOUndercloud", "tripleo"));
    assert.deepEqual(rec.take(), [
      "upsert LibvirtNetwork/default/public",
      "upsert TripleOUndercloud/default/tripleo",
    ]);
  });

  it("an object whose own schema fails is invalid with the schema's lines, and leaves the others' checks", () => {
    const lab = exampleLab();
    const { objects, rec } = listed(lab);
    rec.take();
    const bad = structuredClone(docOf(lab, "LabManager", "lab"));
    bad.spec.address = ":::::::";
    feed(objects, bad);
    assert.deepEqual(rec.take(), [
      "invalid LabManager/default/lab: spec.address: must be an IPv6 address: eight groups of 1-4 hex digits, or fewer with one '::'",
    ]);
  });

  it("a conflict is the younger object's, whatever order the informers deliver in (a restart moves nothing)", () => {
    const lab = exampleLab();
    const older = structuredClone(docOf(lab, "LibvirtNetwork", "openstack-control-plane"));
    const younger = structuredClone(docOf(lab, "LibvirtNetwork", "public"));
    younger.spec.bridge = older.spec.bridge; // two networks on one host bridge
    // The younger sorts first by name: only its age makes it the second declaration.
    younger.metadata.name = "a-public";
    older.metadata.creationTimestamp = "2026-01-01T00:00:00Z";
    younger.metadata.creationTimestamp = "2026-01-02T00:00:00Z";
    const manager = docOf(lab, "LabManager", "lab");
    const verdicts = (order: Doc[]) => {
      const rec = new Recorder();
      const objects = new CheckedObjects(rec);
      for (const doc of order) feed(objects, doc);
      objects.synced();
      return rec.verdicts;
    };
    const expected = new Map<string, "ok" | string[]>([
      ["LabManager/default/lab", "ok"],
      ["LibvirtNetwork/default/openstack-control-plane", "ok"],
      [
        "LibvirtNetwork/default/a-public",
        [
          'spec.bridge: "openstack" is already used by LibvirtNetwork "openstack-control-plane" on LabManager "lab"',
        ],
      ],
    ]);
    assert.deepEqual(verdicts([manager, older, younger]), expected);
    assert.deepEqual(verdicts([younger, older, manager]), expected);
  });

  describe("refuses what file mode refuses, with the same lines, on the same objects", () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const lab = exampleLab();
        c.mutate(lab);
        const fileLines = (await validateLab(lab)).filter((l) => !l.includes(" OvercloudNodeSet/"));
        const broken = new Set(c.expect.map(objectOf));
        const expected = (c.schema ? fileLines.filter((l) => broken.has(objectOf(l))) : fileLines)
          // `FILE:DOC Kind/name path: reason` → `Kind/name path: reason`
          .map((l) => l.replace(/^\S+ /, ""))
          .sort();
        const { rec } = listed(lab);
        const kubeLines = [...rec.verdicts]
          .flatMap(([id, v]) => {
            if (v === "ok") return [];
            const [kind, , name] = id.split("/");
            return v.map((line) => `${kind}/${name} ${line}`);
          })
          .sort();
        const ofBroken = c.schema
          ? kubeLines.filter((l) => [...broken].some((b) => b.endsWith(` ${l.split(" ")[0]}`)))
          : kubeLines;
        assert.ok(expected.length > 0);
        assert.deepEqual(ofBroken, expected);
      });
    }
  });
});
