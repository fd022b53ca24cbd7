// The credentials Secrets on a real kube-apiserver: created once with an owner reference to
// the LabManager (or TripleOUndercloud), never replaced, one winner when two replicas
// generate at the same time.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { tripleoUndercloud, type TripleOUndercloud } from "../../src/api/index.js";
import {
  credentialsSecretName,
  ensureCredentials,
  readCredentials,
  setCredentials,
  type CredentialsOwner,
} from "../../src/modes/kubernetes/credentials.js";
import { secretStore } from "../../src/modes/kubernetes/secret-store.js";
import { skipUnlessApiServer } from "../e2e/support/apiserver.js";
import { labManagerYaml, startCluster, type TestCluster } from "./support.js";

const skip = await skipUnlessApiServer();
const TRIPLEO_MANIFEST = fileURLToPath(new URL("../../manifests/03-tripleo.yaml", import.meta.url));

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

describe(
  "undercloud VM credentials in a Secret owned by the TripleOUndercloud",
  { skip, timeout: 300_000 },
  () => {
    let cluster: TestCluster;
    let dir: string;
    let undercloud: TripleOUndercloud;

    before(async () => {
      cluster = await startCluster();
      dir = await mkdtemp(join(tmpdir(), "kube-uc-"));
      const manifest = await readFile(TRIPLEO_MANIFEST, "utf8");
      await cluster.kubectl(["apply", "-f", "-"], manifest);
      const uid = await cluster.kubectl([
        "get",
        "tripleoundercloud",
        "tripleo",
        "-o",
        "jsonpath={.metadata.uid}",
      ]);
      const parsed = tripleoUndercloud.parse(parse(manifest));
      undercloud = { ...parsed, metadata: { ...parsed.metadata, uid } };
    });

    after(async () => {
      await cluster?.api.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test("generated once, kept, owned by the object; the BMC password fits IPMI", async () => {
      // Reading credentials never connects anywhere: the store alone answers.
      const store = await secretStore(cluster.clients);
      const first = await store.undercloudCredentials(undercloud);
      const again = await store.undercloudCredentials(undercloud);
      await store.close?.();
      assert.deepEqual(again, first);
      assert.match(String(first.privateKey), /BEGIN OPENSSH PRIVATE KEY/);
      assert.match(first.hostKey.publicKey, /^ssh-ed25519 /);
      assert.match(first.password, /^[A-Za-z0-9]{25}$/);
      assert.equal(first.bmcPassword?.length, 20);

      const owner = {
        kind: "TripleOUndercloud" as const,
        namespace: "default",
        name: "tripleo",
        uid: undercloud.metadata.uid!,
      };
      const secret = JSON.parse(
        await cluster.kubectl(["get", "secret", credentialsSecretName(owner), "-o", "json"]),
      );
      assert.deepEqual(
        secret.metadata.ownerReferences.map((r: { kind: string; uid: string }) => `${r.kind}/${r.uid}`),
        [`TripleOUndercloud/${owner.uid}`],
      );
      const values = await readCredentials(cluster.clients, owner);
      assert.equal(values["host-key.pub"], first.hostKey.publicKey);
      assert.equal(values["guest-password"], first.password);
    });
  },
);
