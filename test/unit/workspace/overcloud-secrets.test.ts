// File mode keeps an OvercloudNodeSet's node BMC passwords (one per node, created once) and its
// instackenv.json (0600, rewritten only when its content changed) in the workspace.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { overcloudNodeSet, type OvercloudNodeSet } from "../../../src/api/index.js";
import { workspaceStore } from "../../../src/modes/file/workspace-store.js";
import { Workspace } from "../../../src/workspace/workspace.js";

const ws = async () => new Workspace(await mkdtemp(join(tmpdir(), "ws-overcloud-")));
const NODES = ["overcloud-controller-0", "overcloud-controller-1", "overcloud-compute-0"];

function set(bmc: Record<string, unknown> = {}, namespace = "default"): OvercloudNodeSet {
  return overcloudNodeSet.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "OvercloudNodeSet",
    metadata: { name: "overcloud", namespace },
    spec: {
      managerRef: { name: "lab" },
      roles: [{ name: "controller", count: 2, nics: [{ networkRef: { name: "openstack-control-plane" } }] }],
      bmc,
    },
  });
}

const passwordFile = (w: Workspace, node: string, ns = "default") =>
  join(w.dir, "passwords", "OvercloudNodeSet", ns, "overcloud", `bmc-${node}`);

test("one BMC password per node, 20 characters at most, created once and kept (also when a node comes back)", async () => {
  const w = await ws();
  const first = await workspaceStore(w).overcloudPasswords(set(), NODES);
  assert.deepEqual(Object.keys(first), NODES);
  assert.equal(new Set(Object.values(first)).size, 3, "no two nodes share a password");
  for (const node of NODES) {
    assert.ok(first[node]!.length > 0 && first[node]!.length <= 20, node);
    assert.equal(statSync(passwordFile(w, node)).mode & 0o777, 0o600);
  }
  // Another process (a new store), a node scaled away and back: the same passwords.
  const again = await workspaceStore(w).overcloudPasswords(set(), [NODES[2]!, NODES[0]!]);
  assert.deepEqual(again, { [NODES[2]!]: first[NODES[2]!], [NODES[0]!]: first[NODES[0]!] });
  const other = await workspaceStore(w).overcloudPasswords(set({}, "team-b"), [NODES[0]!]);
  assert.notEqual(other[NODES[0]!], first[NODES[0]!], "another namespace, another password");
});

test("spec.bmc.passwordRef gives every node that one value, and a value IPMI cannot take is refused", async () => {
  const w = await ws();
  const file = join(w.dir, "given-bmc-password");
  writeFileSync(file, "shared-secret\n", { mode: 0o600 });
  const given = await workspaceStore(w).overcloudPasswords(set({ passwordRef: { file } }), NODES);
  assert.deepEqual(Object.values(given), ["shared-secret", "shared-secret", "shared-secret"]);
  assert.ok(!existsSync(passwordFile(w, NODES[0]!)), "nothing generated");
  writeFileSync(file, "x".repeat(21) + "\n");
  await assert.rejects(
    workspaceStore(w).overcloudPasswords(set({ passwordRef: { file } }), NODES),
    /spec\.bmc\.passwordRef: IPMI allows at most 20 bytes/,
  );
});

test("instackenv.json goes to results/<name>/ with mode 0600, and is rewritten only when its content changed", async () => {
  const w = await ws();
  const store = workspaceStore(w);
  const path = join(w.resultsDir, "overcloud", "instackenv.json");
  await store.saveInstackenv(set(), '{"nodes":[1]}\n');
  assert.equal(readFileSync(path, "utf8"), '{"nodes":[1]}\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const inode = statSync(path).ino;
  await store.saveInstackenv(set(), '{"nodes":[1]}\n');
  assert.equal(statSync(path).ino, inode, "the same content is not written again");
  await store.saveInstackenv(set(), '{"nodes":[1,2]}\n');
  assert.equal(readFileSync(path, "utf8"), '{"nodes":[1,2]}\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  await store.saveInstackenv(set({}, "team-b"), "{}\n");
  assert.ok(existsSync(join(w.resultsDir, "team-b.overcloud", "instackenv.json")), "namespaced directory");
});

test("labctl plan (a read-only store) writes no password and no instackenv.json", async () => {
  const w = await ws();
  const store = workspaceStore(w, { readOnly: true });
  const passwords = await store.overcloudPasswords(set(), NODES);
  assert.equal(Object.keys(passwords).length, 3);
  await store.saveInstackenv(set(), "{}\n");
  assert.ok(!existsSync(join(w.dir, "passwords")));
  assert.ok(!existsSync(join(w.resultsDir, "overcloud")));
  await store.close?.();
});

test("a deleted set's passwords and instackenv.json go, unless it is orphaned", async () => {
  for (const keepSecrets of [false, true]) {
    const w = await ws();
    const store = workspaceStore(w);
    await store.overcloudPasswords(set(), NODES);
    await store.saveInstackenv(set(), "{}\n");
    await store.forget(set(), { keepSecrets });
    assert.equal(existsSync(passwordFile(w, NODES[0]!)), keepSecrets);
    assert.equal(existsSync(join(w.resultsDir, "overcloud", "instackenv.json")), keepSecrets);
  }
});

test("a node name that is not a safe path segment is refused as a secret role", async () => {
  const w = await ws();
  await assert.rejects(workspaceStore(w).overcloudPasswords(set(), ["../escape"]), /invalid secret role/);
});
