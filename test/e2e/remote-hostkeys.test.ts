import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HostKeyChanged, HostKeyUnknown } from "../../src/remote/errors.js";
import { HostPool } from "../../src/remote/pool.js";
import { remoteFixture, type RemoteFixture } from "./support/remote-fixture.js";
import { generateKeyPair } from "../../src/workspace/keys.js";

describe("host key verification", () => {
  let fx: RemoteFixture;
  const otherKey = generateKeyPair("ed25519", "test@other").publicKey;

  before(async () => {
    fx = await remoteFixture();
  });
  after(() => fx.close());

  const freshPool = (file: string) =>
    new HostPool({ knownHostsPath: join(fx.dir, file), log: fx.log, connectAttempts: 1 });

  test("a pinned fingerprint that does not match is refused with HostKeyChanged and nothing runs", async () => {
    const marker = join(fx.dir, "must-not-exist");
    const pool = freshPool("kh-pinned");
    const wrong = "SHA256:" + "A".repeat(43);
    const host = pool.host(fx.target("root", { hostKey: { fingerprint: wrong } }));
    await assert.rejects(host.exec(["touch", marker], { purpose: "touch" }), (err: unknown) => {
      assert.ok(err instanceof HostKeyChanged);
      assert.equal(err.retryable, false);
      assert.equal(err.expected, wrong);
      assert.equal(err.actual, fx.sshd.hostFingerprint);
      return true;
    });
    pool.close();
    assert.equal(existsSync(marker), false);
  });

  test("trust on first use records the key once; later connections check against it", async () => {
    const pool = freshPool("kh-tofu");
    const tofu = { hostKey: { trustOnFirstUse: true } };
    await pool.host(fx.target("root", tofu)).exec(["true"], { purpose: "first contact" });
    pool.close();
    const again = freshPool("kh-tofu");
    await again.host(fx.target("root", tofu)).exec(["true"], { purpose: "second contact" });
    again.close();
    const lines = readFileSync(join(fx.dir, "kh-tofu"), "utf8").trim().split("\n");
    assert.deepEqual(lines, [`[${fx.sshd.host}]:${fx.sshd.port} ${fx.sshd.hostPublicKey}`]);
  });

  test("a known_hosts entry with another key is refused even when trust on first use is on", async () => {
    writeFileSync(join(fx.dir, "kh-changed"), `[${fx.sshd.host}]:${fx.sshd.port} ${otherKey}\n`);
    const pool = freshPool("kh-changed");
    const host = pool.host(fx.target("root", { hostKey: { trustOnFirstUse: true } }));
    await assert.rejects(host.exec(["true"], { purpose: "changed" }), HostKeyChanged);
    pool.close();
  });

  test("without pin, entry or trust on first use the host is refused and nothing is recorded", async () => {
    const pool = freshPool("kh-none");
    const host = pool.host(fx.target("root", { hostKey: {} }));
    await assert.rejects(host.exec(["true"], { purpose: "unknown" }), HostKeyUnknown);
    pool.close();
    assert.equal(existsSync(join(fx.dir, "kh-none")), false);
  });

  test("a key pinned in known_hosts (as /usr/bin/ssh writes it) is accepted", async () => {
    writeFileSync(
      join(fx.dir, "kh-ok"),
      `# pinned\n[${fx.sshd.host}]:${fx.sshd.port} ${fx.sshd.hostPublicKey} comment\n`,
    );
    const pool = freshPool("kh-ok");
    const result = await pool
      .host(fx.target("root", { hostKey: {} }))
      .exec(["echo", "ok"], { purpose: "known" });
    assert.equal(result.stdout, "ok\n");
    pool.close();
  });
});
