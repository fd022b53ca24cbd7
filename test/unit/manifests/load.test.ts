import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatError,
  listManifestFiles,
  loadManifests,
  parseManifests,
} from "../../../src/manifests/index.js";

const NETWORK = `apiVersion: openstacklab.io/v1alpha1
kind: LibvirtNetwork
metadata:
  name: hcp
spec:
  managerRef: { name: lab }
  mode: nat
  bridge: hypervisor
`;

const MANAGER = `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata:
  name: lab
spec:
  address: 192.168.1.10
`;

function lines(text: string, file = "lab.yaml"): string[] {
  return parseManifests(text, file).errors.map(formatError);
}

describe("parsing manifests", () => {
  it("keeps the file and 1-based document index of each object", () => {
    const r = parseManifests(`${MANAGER}---\n${NETWORK}`, "lab.yaml");
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.objects.map((o) => [o.object.kind, o.object.metadata.name, o.source.file, o.source.doc]),
      [
        ["LabManager", "lab", "lab.yaml", 1],
        ["LibvirtNetwork", "hcp", "lab.yaml", 2],
      ],
    );
  });

  it("reports a field error as one line with its path, and keeps the valid documents", () => {
    const bad = NETWORK.replace("bridge: hypervisor", "bridge: hypervisor-bridge-0");
    const r = parseManifests(`${MANAGER}---\n${bad}`, "lab.yaml");
    assert.deepEqual(r.errors.map(formatError), [
      "lab.yaml:2 LibvirtNetwork/hcp spec.bridge: must be at most 15 bytes (Linux IFNAMSIZ)",
    ]);
    assert.deepEqual(
      r.objects.map((o) => o.object.metadata.name),
      ["lab"],
    );
    assert.deepEqual(r.errors[0]?.key, { kind: "LibvirtNetwork", namespace: "default", name: "hcp" });
  });

  it("formats array indexes in field paths", () => {
    const bad = MANAGER.replace(
      "address: 192.168.1.10",
      "address: m\n  bridges:\n    - name: ok\n    - name: 'b r'",
    );
    assert.deepEqual(lines(bad), [
      "lab.yaml:1 LabManager/lab spec.bridges[1].name: may contain only letters, digits, '_', '.', '-'",
    ]);
  });

  it("reports a missing required field", () => {
    assert.deepEqual(lines(NETWORK.replace("  mode: nat\n", "")), [
      "lab.yaml:1 LibvirtNetwork/hcp spec.mode: is required",
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    const r = lines(`${MANAGER}---\nmetadata:\n  name: a\n name: b\n`);
    assert.deepEqual(r, [
      "lab.yaml:2: YAML: All mapping items must start at the same column at line 10, column 1",
    ]);
  });

  it("reports unknown kinds and API versions of our group clearly", () => {
    assert.deepEqual(lines(MANAGER.replace("kind: LabManager", "kind: LabManger")), [
      'lab.yaml:1 LabManger/lab kind: unknown kind "LabManger", expected one of LabManager, LibvirtNetwork, TripleOUndercloud, OvercloudNodeSet',
    ]);
    assert.deepEqual(lines(MANAGER.replace("v1alpha1", "v1")), [
      'lab.yaml:1 LabManager/lab apiVersion: unknown apiVersion "openstacklab.io/v1", expected "openstacklab.io/v1alpha1"',
    ]);
    assert.deepEqual(lines("kind: LabManager\nmetadata: { name: lab }\n"), [
      'lab.yaml:1 LabManager/lab apiVersion: unknown apiVersion undefined, expected "openstacklab.io/v1alpha1"',
    ]);
  });

  it("reports fields the schema does not declare (typos) instead of dropping them", () => {
    const r = parseManifests(MANAGER + "  bridgez: []\n", "lab.yaml");
    assert.deepEqual(r.errors.map(formatError), ["lab.yaml:1 LabManager/lab spec.bridgez: unknown field"]);
    assert.equal(r.objects.length, 0);
  });

  it("finds unknown fields inside arrays but accepts any key of a map field", () => {
    const text = MANAGER.replace(
      "address: 192.168.1.10",
      "address: m\n  bridges:\n    - name: br0\n      stpp: true",
    );
    assert.deepEqual(lines(text), ["lab.yaml:1 LabManager/lab spec.bridges[0].stpp: unknown field"]);
    const labels = MANAGER.replace("name: lab", "name: lab\n  labels: { any: thing }\n  managedFields: []");
    assert.deepEqual(lines(labels), []);
    const uc = `apiVersion: openstacklab.io/v1alpha1
kind: TripleOUndercloud
metadata: { name: uc }
spec:
  managerRef: { name: lab }
  nics: [{ networkRef: { name: n } }]
  tripleo: { undercloudConf: { extra: { clean_nodes: "true" } } }
`;
    assert.deepEqual(lines(uc), []);
  });

  it("skips documents of other APIs and empty documents", () => {
    const r = parseManifests(`apiVersion: apps/v1\nkind: Deployment\n---\n---\n${MANAGER}`, "mixed.yaml");
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.skipped, [{ file: "mixed.yaml", doc: 1 }]);
    assert.deepEqual(
      r.objects.map((o) => o.source.doc),
      [3],
    );
  });

  it("skips another API's document without converting it, but still reports the YAML errors of its top level", () => {
    const broken = parseManifests(`apiVersion: v1\nkind: ConfigMap\ndata: {}\ndata: {}\n`, "cm.yaml");
    assert.equal(broken.errors.length, 1);
    assert.match(broken.errors[0]!.message, /^YAML: .*unique/i);
    assert.deepEqual(broken.skipped, []);
    // An apiVersion given through an alias or naming our group is decided on the whole document.
    const ours = parseManifests(`x: &v openstacklab.io/v9\napiVersion: *v\nkind: LabManager\n`, "a.yaml");
    assert.deepEqual(ours.skipped, []);
    assert.match(formatError(ours.errors[0]!), /unknown apiVersion "openstacklab.io\/v9"/);
    const aliased = parseManifests(`x: &v apps/v1\napiVersion: *v\nkind: Deployment\n`, "d.yaml");
    assert.deepEqual(aliased.errors, []);
    assert.deepEqual(aliased.skipped, [{ file: "d.yaml", doc: 1 }]);
  });

  it("refuses a document that is not a mapping", () => {
    assert.deepEqual(lines("- a\n- b\n"), [
      "lab.yaml:1: document must be a mapping with apiVersion, kind, metadata and spec",
    ]);
  });
});

describe("loading manifest directories", () => {
  it("reads *.yaml and *.yml recursively in sorted order, ignoring other files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-load-"));
    try {
      await mkdir(join(dir, "b"));
      await writeFile(join(dir, "b", "net.yml"), NETWORK);
      await writeFile(join(dir, "a.yaml"), MANAGER);
      await writeFile(join(dir, "README.md"), "not yaml");
      await writeFile(join(dir, "c.yaml.bak"), "ignored");
      assert.deepEqual(await listManifestFiles([dir]), [join(dir, "a.yaml"), join(dir, "b", "net.yml")]);
      const r = await loadManifests([dir]);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(
        r.objects.map((o) => o.object.metadata.name),
        ["lab", "hcp"],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
