// The credentials Secret on a real kube-apiserver: created once with an owner reference to
// the LabManager, never replaced, one winner when two replicas generate at the same time.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  credentialsSecretName,
  ensureCredentials,
  readCredentials,
  setCredentials,
  type CredentialsOwner,
} from "../../src/kube/credentials.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { labManagerYaml, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();

describe("credentials Secret owned by a LabManager", { skip, timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let owner: CredentialsOwner;

  before(async () => {
    cluster = await startCluster();
    await cluster.kubectl(["apply", "-f", "-"], labManagerYaml("lab1"));
    const uid = await cluster.kubectl(["get", "labmanager", "lab1", "-o", "jsonpath={.metadata.uid}"]);
    owner = { kind: "LabManager", namespace: "default", name: "lab1", uid };
  });

  after(async () => {
    await cluster?.api.stop();
  });

  test("two replicas generating at once end with one value each, kept by both", async () => {
    let generated = 0;
    const generate = (who: string) => (missing: readonly string[]) => {
      generated++;
      return Object.fromEntries(missing.map((k) => [k, `${k} from ${who}`]));
    };
    const [a, b] = await Promise.all([
      ensureCredentials(cluster.clients, owner, ["key", "password"], generate("a")),
      ensureCredentials(cluster.clients, owner, ["key", "password"], generate("b")),
    ]);
    assert.deepEqual(a, b);
    assert.ok(generated >= 1);
    assert.deepEqual(await readCredentials(cluster.clients, owner), a);
    // Later calls keep what is there and add only what is missing.
    const more = await ensureCredentials(cluster.clients, owner, ["key", "other"], generate("c"));
    assert.equal(more.key, a.key);
    assert.equal(more.other, "other from c");
  });

  test("the Secret carries an owner reference to the LabManager", async () => {
    const secret = JSON.parse(
      await cluster.kubectl(["get", "secret", credentialsSecretName(owner), "-o", "json"]),
    );
    assert.deepEqual(secret.metadata.ownerReferences, [
      {
        apiVersion: "openstacklab.io/v1alpha1",
        kind: "LabManager",
        name: "lab1",
        uid: owner.uid,
        controller: true,
      },
    ]);
    assert.equal(secret.metadata.labels["openstacklab.io/credentials-of"], "lab1");
  });

  test("a recorded fact (the host key seen) is replaced, generated values stay", async () => {
    await setCredentials(cluster.clients, owner, { known_hosts: "h ssh-ed25519 AAAA" });
    await setCredentials(cluster.clients, owner, { known_hosts: "h ssh-ed25519 BBBB" });
    const values = await readCredentials(cluster.clients, owner);
    assert.equal(values.known_hosts, "h ssh-ed25519 BBBB");
    assert.match(values.key ?? "", /^key from [ab]$/);
  });
});
