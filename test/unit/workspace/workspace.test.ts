import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { Workspace } from "../../../src/workspace/workspace.js";
import { generateKeyPair } from "../../../src/workspace/keys.js";

const created: string[] = [];
const fresh = () => {
  const ws = new Workspace(mkdtempSync(join(tmpdir(), "ws-")));
  created.push(ws.dir);
  return ws;
};
after(() => created.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("a key pair is created once with mode 0600 and never regenerated", async () => {
  const ws = fresh();
  const [a, b] = await Promise.all([ws.ensureKeyPair("root@manager"), ws.ensureKeyPair("root@manager")]);
  assert.deepEqual(a, b);
  const before = readFileSync(a.privateKeyPath, "utf8");
  const again = await new Workspace(ws.dir).ensureKeyPair("root@manager", "rsa");
  assert.equal(readFileSync(a.privateKeyPath, "utf8"), before, "an existing key is kept, whatever type is asked");
  assert.equal(again.publicKey, a.publicKey);
  assert.equal(statSync(a.privateKeyPath).mode & 0o777, 0o600);
  assert.match(a.publicKey, /^ssh-ed25519 AAAA\S+ root@manager$/);
  assert.equal(readFileSync(a.publicKeyPath, "utf8").trim(), a.publicKey);
});

test("keys are OpenSSH format: ssh-keygen derives the same public key (ed25519 and rsa)", async () => {
  const ws = fresh();
  for (const [login, type] of [["root@manager", "ed25519"], ["tripleo@tripleo", "rsa"]] as const) {
    const pair = await ws.ensureKeyPair(login, type);
    const derived = execFileSync("ssh-keygen", ["-y", "-f", pair.privateKeyPath], { encoding: "utf8" }).trim();
    assert.equal(derived.split(" ").slice(0, 2).join(" "), pair.publicKey.split(" ").slice(0, 2).join(" "));
    assert.ok(!(ssh2.utils.parseKey(readFileSync(pair.privateKeyPath)) instanceof Error));
  }
});

test("a missing .pub is derived again from the private key", async () => {
  const ws = fresh();
  const pair = await ws.ensureKeyPair("manager@manager");
  writeFileSync(pair.publicKeyPath, "garbage\n");
  const again = await new Workspace(ws.dir).ensureKeyPair("manager@manager");
  assert.equal(readFileSync(pair.publicKeyPath, "utf8").trim(), again.publicKey);
  assert.equal(again.publicKey, pair.publicKey);
});

test("a password is created once (0600) and returned unchanged afterwards", async () => {
  const ws = fresh();
  const [p1, p2] = await Promise.all([ws.ensurePassword("manager@manager"), ws.ensurePassword("manager@manager")]);
  assert.equal(p1, p2);
  assert.match(p1, /^[A-Za-z0-9]{25}$/);
  assert.equal(await new Workspace(ws.dir).ensurePassword("manager@manager"), p1);
  assert.equal(statSync(join(ws.dir, "passwords", "manager@manager")).mode & 0o777, 0o600);
});

test("path-like login names are refused", async () => {
  const ws = fresh();
  await assert.rejects(ws.ensurePassword("../etc@x"), TypeError);
  await assert.rejects(ws.ensureKeyPair("root@a/b"), TypeError);
});

test("ssh.config written by the workspace is accepted by ssh -G and blocks are never duplicated", async () => {
  const ws = fresh();
  const key = await ws.ensureKeyPair("root@manager");
  const block = { alias: "manager-root", hostName: "10.0.0.5", user: "root", identityFile: key.privateKeyPath };
  await Promise.all([ws.setSshConfigHost(block), ws.setSshConfigHost({ ...block, port: 2222 })]);
  await ws.setSshConfigHost({ alias: "tripleo", hostName: "192.168.122.50", user: "tripleo", identityFile: key.privateKeyPath, proxyJump: "manager-root" });
  const text = readFileSync(ws.sshConfigPath, "utf8");
  assert.equal(text.split("\n").filter((l) => l === "Host manager-root").length, 1);
  const resolved = execFileSync("ssh", ["-G", "-F", ws.sshConfigPath, "tripleo"], { encoding: "utf8" });
  assert.match(resolved, /^proxyjump manager-root$/m);
  assert.match(resolved, /^stricthostkeychecking true$/m);
  assert.match(resolved, new RegExp(`^userknownhostsfile ${ws.knownHostsPath}$`, "m"));
  await ws.removeSshConfigHost("tripleo");
  assert.ok(!readFileSync(ws.sshConfigPath, "utf8").includes("tripleo"));
});

test("pinHostKey writes an entry ssh-keygen -F finds, replacing the previous key", async () => {
  const ws = fresh();
  const first = generateKeyPair("ed25519", "test@other").publicKey;
  const second = generateKeyPair("ed25519", "test@other").publicKey;
  await ws.pinHostKey("10.0.0.5", 22, first);
  await ws.pinHostKey("10.0.0.5", 22, second);
  await ws.pinHostKey("10.0.0.5", 2222, first);
  const found = execFileSync("ssh-keygen", ["-F", "10.0.0.5", "-f", ws.knownHostsPath], { encoding: "utf8" });
  assert.ok(found.includes(second.split(" ")[1] ?? "none"));
  assert.ok(!found.includes(first.split(" ")[1] ?? "none"));
  assert.equal(readFileSync(ws.knownHostsPath, "utf8").trim().split("\n").length, 2);
});

test("ssh.config: a block set again unchanged is not rewritten; one changed or removed by hand comes back", async () => {
  const ws = fresh();
  const lab = { alias: "lab-root", hostName: "192.168.24.1", port: 22, user: "root", identityFile: "/k/lab" };
  const other = { ...lab, alias: "lab", user: "stack" };
  await ws.setSshConfigHost(lab);
  await ws.setSshConfigHost(other);
  const written = statSync(ws.sshConfigPath, { bigint: true });
  for (let i = 0; i < 3; i++) await Promise.all([ws.setSshConfigHost(lab), ws.setSshConfigHost(other)]);
  const again = statSync(ws.sshConfigPath, { bigint: true });
  assert.equal(again.ino, written.ino, "not replaced");
  assert.equal(again.mtimeNs, written.mtimeNs, "not written");

  // By hand: the lab-root block deleted in place (a new size), then the file replaced.
  const text = readFileSync(ws.sshConfigPath, "utf8");
  writeFileSync(ws.sshConfigPath, text.replace(/Host lab-root\n(?:[ \t]+.*\n)*/, ""));
  assert.ok(!readFileSync(ws.sshConfigPath, "utf8").includes("Host lab-root"));
  await ws.setSshConfigHost(lab);
  assert.match(readFileSync(ws.sshConfigPath, "utf8"), /^Host lab-root$/m, "the deleted block is back");
  const ours = readFileSync(ws.sshConfigPath, "utf8");
  writeFileSync(`${ws.sshConfigPath}.new`, ours.replaceAll("HostName 192.168.24.1", "HostName 10.9.9.9"));
  execFileSync("mv", [`${ws.sshConfigPath}.new`, ws.sshConfigPath]);
  await ws.setSshConfigHost(other);
  await ws.setSshConfigHost(lab);
  const resolved = execFileSync("ssh", ["-G", "-F", ws.sshConfigPath, "lab"], { encoding: "utf8" });
  assert.match(resolved, /^hostname 192\.168\.24\.1$/m, "the block changed by hand is set again");
  assert.match(readFileSync(ws.sshConfigPath, "utf8"), /^Host lab-root$/m);
});
