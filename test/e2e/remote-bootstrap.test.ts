import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync, mkdirSync, chownSync } from "node:fs";
import { join } from "node:path";
import { ensureKeyAuthorized, type BootstrapRequest } from "../../src/remote/bootstrap.js";
import { AuthFailed } from "../../src/remote/errors.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { remoteFixture, type RemoteFixture } from "./support/remote-fixture.js";
import { createUser, type TestUser } from "./support/users.js";

describe("bootstrap: authorize the workspace key with a password, once", () => {
  let fx: RemoteFixture;
  let user: TestUser;
  let ws: Workspace;

  before(async () => {
    fx = await remoteFixture({ passwordAuthentication: true });
    user = createUser("lpw");
    ws = new Workspace(join(fx.dir, "workspace"));
  });
  after(async () => {
    await fx.close();
    user.remove();
  });

  async function request(login: string, password: () => Promise<string>): Promise<BootstrapRequest> {
    const pair = await ws.ensureKeyPair(login);
    return {
      target: {
        host: fx.sshd.host,
        port: fx.sshd.port,
        user: user.name,
        hostKey: { fingerprint: fx.sshd.hostFingerprint },
      },
      privateKey: readFileSync(pair.privateKeyPath),
      publicKey: pair.publicKey,
      password,
      pool: { knownHostsPath: ws.knownHostsPath, log: fx.log },
      log: fx.log,
    };
  }

  const authorizedKeys = () => readFileSync(join(user.home, ".ssh", "authorized_keys"), "utf8");

  test("a wrong password is refused with AuthFailed", async () => {
    const req = await request(`${user.name}@first`, async () => "not-the-password");
    await assert.rejects(ensureKeyAuthorized(req), AuthFailed);
  });

  test("repeated runs leave exactly one line, and the password is asked only when needed", async () => {
    let asked = 0;
    const req = await request(`${user.name}@test`, async () => (asked++, user.password));
    assert.equal(await ensureKeyAuthorized(req), "added");
    assert.equal(await ensureKeyAuthorized(req), "already-authorized");
    assert.equal(asked, 1);
    const lines = authorizedKeys().split("\n").filter(Boolean);
    assert.deepEqual(lines, [req.publicKey]);
    assert.equal(statSync(join(user.home, ".ssh")).mode & 0o777, 0o700);
    assert.equal(statSync(join(user.home, ".ssh", "authorized_keys")).mode & 0o777, 0o600);
    assert.equal(statSync(join(user.home, ".ssh", "authorized_keys")).uid, statSync(user.home).uid);
  });

  test("a key already in the file is not appended again, and a missing final newline is repaired", async () => {
    const req = await request(`${user.name}@third`, async () => user.password);
    const file = join(user.home, ".ssh", "authorized_keys");
    mkdirSync(join(user.home, ".ssh"), { recursive: true });
    writeFileSync(file, authorizedKeys() + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== no-newline");
    const { uid, gid } = statSync(user.home);
    chownSync(file, uid, gid);
    assert.equal(await ensureKeyAuthorized(req), "added");
    const lines = authorizedKeys().split("\n").filter(Boolean);
    assert.equal(lines.length, 3);
    assert.equal(lines.at(-2), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== no-newline");
    assert.equal(lines.filter((l) => l === req.publicKey).length, 1);
  });

  test("no password or private key material reaches the logs (trace level)", async () => {
    const login = `${user.name}@secrets`;
    const req = await request(login, async () => user.password);
    await ensureKeyAuthorized(req);
    const host = fx.pool.host({ ...req.target, privateKey: req.privateKey });
    const secret = await ws.ensurePassword(login);
    await host.exec(["id"], { purpose: "who" });
    await host.exec(["sh", "-c", "cat > /dev/null"], { purpose: "take a secret on stdin", stdin: secret });
    await host.upload(join(user.home, "secret.txt"), secret + "\n", { mode: 0o600 });
    assert.equal((await host.readFile(join(user.home, "secret.txt")))?.toString(), secret + "\n");
    const logs = fx.logText();
    assert.ok(logs.length > 1000, "the logger captured the session");
    assert.ok(logs.includes("exec start"), "exec lines were logged");
    const privateKey = readFileSync(ws.privateKeyPath(login), "utf8");
    const keyBody = privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
    for (const needle of [user.password, secret, ...keyBody])
      assert.equal(logs.includes(needle), false, "a secret leaked into the logs");
  });
});
