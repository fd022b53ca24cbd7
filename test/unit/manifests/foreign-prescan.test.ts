import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { foreignDocumentCount } from "../../../src/manifests/foreign-prescan.js";
import { parseEveryDocument, parseManifests } from "../../../src/manifests/load.js";

const deploy = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../manifests/deploy/${name}`, import.meta.url)), "utf8");

const OURS =
  "apiVersion: openstacklab.io/v1alpha1\nkind: LabManager\nmetadata:\n  name: lab\nspec:\n  address: 10.0.0.1\n";

/** Documents a manifest directory may hold, the plain and the tricky (each without its separator). */
const DOCUMENTS = [
  OURS,
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: op\nspec:\n  replicas: 1\n",
  "apiVersion: v1 # core\nkind: ServiceAccount\nmetadata:\n  name: op\n",
  "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- crds.yaml\n- rbac.yaml\n",
  // Lists may hold our objects: never skipped by text.
  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: openstacklab.io/v1alpha1\n  kind: LabManager\n  metadata: {name: x}\n  spec: {address: 10.0.0.2}\n",
  // Our group misspelled is an error, not another API.
  "apiVersion: OpenStackLab.io/v1alpha1\nkind: LabManager\nmetadata:\n  name: typo\n",
  "apiVersion: openstack-lab.io/v1\nkind: LabManager\nmetadata:\n  name: typo\n",
  // Shapes the text shortcut must not guess about.
  '"apiVersion": openstacklab.io/v1alpha1\nkind: LabManager\nmetadata:\n  name: quoted\nspec:\n  address: 10.0.0.3\n',
  "{apiVersion: openstacklab.io/v1alpha1, kind: LabManager, metadata: {name: flow}, spec: {address: 10.0.0.4}}\n",
  "apiVersion: apps/v1\nkind: Deployment\napiVersion: openstacklab.io/v1alpha1\n",
  "base: &b\n  apiVersion: openstacklab.io/v1alpha1\n<<: *b\nkind: LabManager\n",
  "apiVersion: !!str apps/v1\nkind: Deployment\n",
  "apiVersion: apps/v1\nkind: *k\n",
  "apiVersion: apps/v1\nkind: Deployment\ndata: |\n  apiVersion: openstacklab.io/v1alpha1\n  kind: LabManager\n",
  "apiVersion: apps/v1\nkind: Deployment\n\tbad: tab\n",
  "apiVersion: apps/v1\nkind: [Deployment\n",
  "- apiVersion: openstacklab.io/v1alpha1\n  kind: LabManager\n",
  "# only a comment\n",
  "",
  "apiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: crlf\r\n",
  "\uFEFFapiVersion: apps/v1\nkind: Deployment\n",
  "apiVersion: apps/v1\nkind: Deployment\n...\n",
];
const SEPARATORS = ["---\n", "--- \n", "---  # next\n", "--- |\n", "---\n\n"];
const PREFIXES = ["", "---\n", "# header\n---\n", "%YAML 1.2\n---\n"];

test("files of other APIs are skipped by their text: the CRDs and the Deployment beside the example lab", () => {
  for (const name of ["crds.yaml", "deployment.yaml", "rbac.yaml", "namespace.yaml", "serviceaccount.yaml"]) {
    const text = deploy(name);
    const count = foreignDocumentCount(text);
    assert.notEqual(count, undefined, `${name} is recognised`);
    assert.equal(count, parseAllDocuments(text).length, `${name}: as many documents as YAML sees`);
  }
  assert.equal(foreignDocumentCount(OURS), undefined);
});

test("skipping by text never differs from parsing: no object, preview or error of ours is lost", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PREFIXES),
      fc.array(fc.tuple(fc.constantFrom(...DOCUMENTS), fc.constantFrom(...SEPARATORS)), {
        minLength: 1,
        maxLength: 5,
      }),
      (prefix, docs) => {
        const text = prefix + docs.map(([doc, sep], i) => (i === 0 ? doc : sep + doc)).join("");
        const fast = parseManifests(text, "m.yaml");
        const full = parseEveryDocument(text, "m.yaml");
        if (foreignDocumentCount(text) === undefined) {
          assert.deepEqual(fast, full, "without the shortcut the result is the full parse");
          return;
        }
        assert.deepEqual(fast.objects, [], text);
        assert.deepEqual(full.objects, [], text);
        assert.deepEqual(full.previews, [], text);
        // The documents the full parse skips are the ones the text counted; it may also see
        // YAML errors inside a foreign document (kubectl's to report), never an error of ours.
        assert.ok(
          full.errors.every((e) => e.message.startsWith("YAML:")),
          `${text}\n${JSON.stringify(full.errors)}`,
        );
        if (full.errors.length === 0) assert.deepEqual(fast.skipped, full.skipped, text);
      },
    ),
    { numRuns: 3000 },
  );
});
