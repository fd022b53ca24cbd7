import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkHostKey,
  findKnownHosts,
  fingerprintOf,
  hostKeyAlgorithmsFor,
  KnownHosts,
  knownHostsName,
  parsePublicKeyLine,
} from "../../../src/remote/hostkeys.js";
import { HostKeyChanged, HostKeyUnknown } from "../../../src/remote/errors.js";
import { generateKeyPair } from "../../../src/workspace/keys.js";

const dir = mkdtempSync(join(tmpdir(), "hostkeys-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(type: string): string {
  const path = join(dir, `${type}-${randomBytes(3).toString("hex")}`);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", path]);
  return path + ".pub";
}

test("fingerprints match ssh-keygen -lf for ed25519, rsa and ecdsa keys", () => {
  for (const type of ["ed25519", "rsa", "ecdsa"]) {
    const pub = keygen(type);
    const expected = execFileSync("ssh-keygen", ["-lf", pub], { encoding: "utf8" }).split(" ")[1];
    assert.equal(fingerprintOf(parsePublicKeyLine(readFileSync(pub, "utf8")).keyBlob), expected, type);
  }
});

test("known_hosts names: bare host on 22, [host]:port otherwise; hashed names match", () => {
  assert.equal(knownHostsName("10.0.0.5", 22), "10.0.0.5");
  assert.equal(knownHostsName("10.0.0.5", 2222), "[10.0.0.5]:2222");
  const key = generateKeyPair("ed25519", "test@other").publicKey;
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update("[h]:2222").digest("base64")}`;
  const text = `# comment\n@revoked * ${key}\nother ${key}\n${hashed} ${key}\nx,[h]:2222 ${key}\n`;
  assert.equal(findKnownHosts(text, "[h]:2222").length, 2);
  assert.equal(findKnownHosts(text, "h").length, 0);
});

test("store: TOFU adds once; replace keeps other hosts and swaps this one's key", async () => {
  const path = join(dir, "known_hosts");
  writeFileSync(path, "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n");
  const store = new KnownHosts(path);
  const first = parsePublicKeyLine(generateKeyPair("ed25519", "test@other").publicKey);
  const second = generateKeyPair("ed25519", "test@other").publicKey;
  const target = { host: "m", port: 2222, id: "root@m:2222" };
  assert.equal(await checkHostKey(store, target, { trustOnFirstUse: true }, first.keyBlob), undefined);
  assert.equal(await checkHostKey(store, target, { trustOnFirstUse: true }, first.keyBlob), undefined);
  assert.equal(readFileSync(path, "utf8").trim().split("\n").length, 2);
  assert.ok(
    (await checkHostKey(store, target, {}, parsePublicKeyLine(second).keyBlob)) instanceof HostKeyChanged,
  );
  await store.replace("m", 2222, second);
  const text = readFileSync(path, "utf8");
  assert.match(text, /^other\.example /);
  assert.equal(text.trim().split("\n").length, 2);
  assert.equal(await checkHostKey(store, target, {}, parsePublicKeyLine(second).keyBlob), undefined);
});

test("policy: a pinned fingerprint wins over known_hosts; nothing trusted means HostKeyUnknown", async () => {
  const store = new KnownHosts(join(dir, "empty_known_hosts"));
  const key = parsePublicKeyLine(generateKeyPair("ed25519", "test@other").publicKey).keyBlob;
  const target = { host: "n", port: 22, id: "root@n:22" };
  assert.ok((await checkHostKey(store, target, {}, key)) instanceof HostKeyUnknown);
  assert.ok(
    (await checkHostKey(store, target, { fingerprint: "SHA256:" + "B".repeat(43) }, key)) instanceof
      HostKeyChanged,
  );
  assert.equal(await checkHostKey(store, target, { fingerprint: fingerprintOf(key) }, key), undefined);
});

test("a pinned key that matches replaces what known_hosts had for that host, for OpenSSH", async () => {
  const path = join(dir, "pinned_known_hosts");
  const old = parsePublicKeyLine(generateKeyPair("ed25519", "test@other").publicKey).keyBlob;
  const key = parsePublicKeyLine(generateKeyPair("ed25519", "test@other").publicKey).keyBlob;
  writeFileSync(
    path,
    `other ssh-ed25519 ${old.toString("base64")}\n[m]:2222 ssh-ed25519 ${old.toString("base64")}\n`,
  );
  const store = new KnownHosts(path);
  const target = { host: "m", port: 2222, id: "root@m:2222" };
  assert.equal(await checkHostKey(store, target, { fingerprint: fingerprintOf(key) }, key), undefined);
  assert.equal(await checkHostKey(store, target, { fingerprint: fingerprintOf(key) }, key), undefined);
  const recorded = await store.lookup("m", 2222);
  assert.deepEqual(
    recorded.map((e) => fingerprintOf(e.keyBlob)),
    [fingerprintOf(key)],
  );
  assert.equal((await store.lookup("other", 22)).length, 1);
  // OpenSSH finds it too.
  const found = execFileSync("ssh-keygen", ["-F", "[m]:2222", "-f", path], { encoding: "utf8" });
  assert.match(found, new RegExp(key.toString("base64").replace(/[+/]/g, "\\$&")));
});

test("host key algorithms follow the recorded key types", () => {
  const rsa = parsePublicKeyLine(readFileSync(keygen("rsa"), "utf8"));
  assert.deepEqual(hostKeyAlgorithmsFor([rsa]), ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  assert.equal(hostKeyAlgorithmsFor([]), undefined);
});
