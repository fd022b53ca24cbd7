// The generated CRDs against a real kube-apiserver: accepted, established, served with
// the status subresource, and the example lab validates server-side.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KIND_INFO, KINDS } from "../../src/api/index.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();
const EXAMPLES = fileURLToPath(new URL("../../manifests/", import.meta.url));

describe("generated CRDs", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    const started = Date.now();
    cluster = await startCluster(); // kubectl apply -f crds/ and wait for Established
    console.log(`# apiserver up and CRDs established in ${Date.now() - started} ms`);
  });

  after(async () => {
    await cluster?.api.stop();
  });

  test("kubectl apply -f crds/ is accepted and every kind is served with a status subresource", async () => {
    const resources = await cluster.kubectl(["api-resources", "--api-group=openstacklab.io", "-o", "name"]);
    for (const kind of KINDS)
      assert.match(resources, new RegExp(`^${KIND_INFO[kind].plural}\\.openstacklab\\.io$`, "m"));
    for (const kind of KINDS) {
      const crd = JSON.parse(
        await cluster.kubectl(["get", "crd", `${KIND_INFO[kind].plural}.openstacklab.io`, "-o", "json"]),
      );
      assert.deepEqual(crd.spec.versions[0].subresources, { status: {} }, kind);
    }
  });

  test("the example lab in manifests/ passes server-side validation", async () => {
    const out = await cluster.kubectl(["apply", "--dry-run=server", "-f", EXAMPLES]);
    assert.match(out, /labmanager\.openstacklab\.io\/\S+ created \(server dry run\)/);
  });

  test("the API server refuses what the structural schema forbids (bridge name over 15 bytes)", async () => {
    const bad = `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata: { name: toolong }
spec:
  address: 192.0.2.1
  bridges: [{ name: a-bridge-name-too-long }]
`;
    await assert.rejects(cluster.kubectl(["apply", "-f", "-"], bad), /spec\.bridges\[0\]\.name/);
  });
});
