// Workspace secrets are keyed by kind, namespace, name and role: no two objects share one,
// whatever their names; secrets kept under the former `<user>@<host>` names move, unchanged.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { renderHostBlock } from "../../../src/workspace/sshconfig.js";
import { Workspace } from "../../../src/workspace/workspace.js";

const ws = async () => new Workspace(await mkdtemp(join(tmpdir(), "ws-owner-")));
const manager = (name: string, namespace = "default") => ({ kind: "LabManager" as const, namespace, name });
const vm = (name: string, namespace = "default") => ({ kind: "TripleOUndercloud" as const, namespace, name });

test("a Manager named like a VM, logging in as 'host', never shares the VM's host key", async () => {
  const w = await ws();
  const login = await w.keyPairFor(manager("tripleo"), "login", "host@tripleo");
  const hostKey = await w.keyPairFor(vm("tripleo"), "host", "host@tripleo");
  assert.notEqual(login.privateKeyPath, hostKey.privateKeyPath);
  assert.notEqual(readFileSync(login.privateKeyPath, "utf8"), readFileSync(hostKey.privateKeyPath, "utf8"));
});

test("the same name in two namespaces gets two keys and two passwords", async () => {
  const w = await ws();
  const a = await w.keyPairFor(manager("lab", "a"), "user");
  const b = await w.keyPairFor(manager("lab", "b"), "user");
  assert.notEqual(a.publicKey, b.publicKey);
  assert.notEqual(await w.passwordFor(manager("lab", "a"), "user"), await w.passwordFor(manager("lab", "b"), "user"));
  assert.equal(statSync(a.privateKeyPath).mode & 0o777, 0o600);
});

test("a key and a password under their former names are moved, not regenerated", async () => {
  const w = await ws();
  const legacy = await w.ensureKeyPair("tripleo@tripleo");
  const before = readFileSync(legacy.privateKeyPath, "utf8");
  mkdirSync(join(w.dir, "passwords"), { recursive: true });
  writeFileSync(join(w.dir, "passwords", "bmc@tripleo"), "kept-password-123456\n", { mode: 0o600 });
  const moved = await w.keyPairFor(vm("undercloud"), "guest", "tripleo@tripleo");
  assert.equal(readFileSync(moved.privateKeyPath, "utf8"), before);
  const material = (line: string) => line.split(" ").slice(0, 2).join(" ");
  assert.equal(material(moved.publicKey), material(legacy.publicKey));
  assert.ok(!existsSync(legacy.privateKeyPath) && !existsSync(legacy.publicKeyPath), "the former files are gone");
  assert.equal(await w.passwordFor(vm("undercloud"), "bmc", "bmc@tripleo"), "kept-password-123456");
  // Outside the default namespace nothing is taken from the shared former names.
  const other = await w.keyPairFor(vm("undercloud", "team-b"), "guest", "tripleo@tripleo");
  assert.notEqual(material(other.publicKey), material(legacy.publicKey));
});

test("forgetting an object's secrets removes its keys and passwords only", async () => {
  const w = await ws();
  const gone = await w.keyPairFor(vm("a"), "guest");
  await w.passwordFor(vm("a"), "bmc");
  const kept = await w.keyPairFor(vm("b"), "guest");
  await w.forgetSecrets(vm("a"));
  assert.ok(!existsSync(gone.privateKeyPath));
  assert.ok(!existsSync(join(w.dir, "passwords", "TripleOUndercloud", "default", "a")));
  assert.ok(existsSync(kept.privateKeyPath));
});

test("secrets are read once, yet a forgotten object's come back new, and only its own", async () => {
  const w = await ws();
  const key = await w.keyPairFor(vm("a"), "guest");
  const password = await w.passwordFor(vm("a"), "bmc");
  const neighbour = await w.keyPairFor(vm("ab"), "guest"); // a name the first one prefixes
  const neighbourPassword = await w.passwordFor(vm("ab"), "bmc");
  // Remembered: a second ask reads no file (the files gone, the answer stands).
  writeFileSync(join(w.dir, "passwords", "TripleOUndercloud", "default", "ab", "bmc"), "changed-by-hand\n");
  assert.equal(await w.passwordFor(vm("ab"), "bmc"), neighbourPassword);
  await w.forgetSecrets(vm("a"));
  const key2 = await w.keyPairFor(vm("a"), "guest");
  assert.notEqual(key2.publicKey, key.publicKey);
  assert.equal(readFileSync(key2.privateKeyPath, "utf8"), key2.privateKey);
  assert.notEqual(await w.passwordFor(vm("a"), "bmc"), password);
  assert.equal((await w.keyPairFor(vm("ab"), "guest")).publicKey, neighbour.publicKey);
  assert.equal(await w.passwordFor(vm("ab"), "bmc"), neighbourPassword);
});

test("a block that would jump through itself is refused; a VM's key is checked under its alias", () => {
  const ctx = { knownHostsPath: "/ws/known_hosts" };
  const host = { alias: "tripleo", hostName: "192.168.122.50", user: "tripleo", identityFile: "/ws/k" };
  assert.throws(() => renderHostBlock({ ...host, proxyJump: "tripleo" }, ctx), /cannot jump through itself/);
  assert.match(renderHostBlock({ ...host, proxyJump: "lab-root", hostKeyAlias: "tripleo" }, ctx), /HostKeyAlias tripleo/);
});

test("a deleted object's ssh.config blocks and pinned keys go; its secrets too unless it is orphaned", async () => {
  const { labManager } = await import("../../../src/api/index.js");
  const { workspaceStore } = await import("../../../src/modes/file/workspace-store.js");
  const lab = labManager.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name: "lab" },
    spec: { address: "10.0.0.5" },
  });
  for (const keepSecrets of [false, true]) {
    const w = await ws();
    const store = workspaceStore(w);
    await store.loginKey(lab);
    await store.managerCredentials(lab);
    await store.connected(lab, undefined);
    await w.pinHostKey("10.0.0.5", 22, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Ck2x0Q5bC8vPpfN7t8G8b2V3qO1c7yKkqz3bX6s8F");
    assert.match(readFileSync(w.sshConfigPath, "utf8"), /Host lab-root\n[\s\S]*Host lab\n/);
    await store.forget(lab, { keepSecrets });
    assert.doesNotMatch(readFileSync(w.sshConfigPath, "utf8"), /Host lab/);
    assert.doesNotMatch(readFileSync(w.knownHostsPath, "utf8"), /10\.0\.0\.5/);
    assert.equal(existsSync(w.keyPathFor(manager("lab"), "login")), keepSecrets);
    assert.equal(existsSync(join(w.dir, "passwords", "LabManager", "default", "lab", "user")), keepSecrets);
  }
});

test("spec.user.passwordRef.file is the manager user's password; without it, one generated once", async () => {
  const { labManager } = await import("../../../src/api/index.js");
  const { workspaceStore } = await import("../../../src/modes/file/workspace-store.js");
  const w = await ws();
  const file = join(w.dir, "given-password");
  writeFileSync(file, "given pass word\nsecond line ignored\n", { mode: 0o600 });
  const lab = (user: Record<string, unknown>) =>
    labManager.parse({
      apiVersion: "openstacklab.io/v1alpha1",
      kind: "LabManager",
      metadata: { name: "lab" },
      spec: { address: "10.0.0.5", user: { name: "manager", ...user } },
    });
  const store = workspaceStore(w);
  const generated = (await store.managerCredentials(lab({}))).managerPassword;
  assert.equal(generated.length, 25);
  assert.equal((await store.managerCredentials(lab({}))).managerPassword, generated, "kept");
  const given = await store.managerCredentials(lab({ passwordRef: { file } }));
  assert.equal(given.managerPassword, "given pass word");
});
