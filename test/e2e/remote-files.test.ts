import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { RemoteFileFailed } from "../../src/remote/errors.js";
import type { SshHost } from "../../src/remote/host.js";
import { remoteFixture, type RemoteFixture } from "./support/remote-fixture.js";
import { createUser, type TestUser } from "./support/users.js";

describe("remote files over the connection's SFTP session", () => {
  let fx: RemoteFixture;
  let root: SshHost;
  let owner: TestUser;

  before(async () => {
    fx = await remoteFixture();
    root = fx.pool.host(fx.target("root"));
    owner = createUser("lfo");
  });
  after(async () => {
    await fx.close();
    owner.remove();
  });

  test("upload writes content, mode and owner; readFile reads it back", async () => {
    const path = join(fx.dir, "conf", "..", "uploaded.conf");
    await root.upload(path, "key = value\n", { mode: 0o640, owner: owner.name, group: owner.name });
    const st = statSync(path);
    assert.equal(readFileSync(path, "utf8"), "key = value\n");
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(st.uid, statSync(owner.home).uid);
    assert.equal((await root.readFile(path))?.toString(), "key = value\n");
  });

  test("upload replaces an existing file atomically and leaves no temp file behind", async () => {
    const path = join(fx.dir, "replaced.txt");
    await root.upload(path, "old");
    await root.upload(path, Buffer.from([0, 1, 2, 255]), { mode: 0o600 });
    assert.deepEqual([...readFileSync(path)], [0, 1, 2, 255]);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(path).uid, userInfo().uid);
    assert.deepEqual(
      readdirSync(fx.dir).filter((f) => f.includes("labtmp")),
      [],
    );
  });

  test("readFile returns null for a missing file", async () => {
    assert.equal(await root.readFile(join(fx.dir, "does-not-exist")), null);
  });

  test("upload into a missing directory fails with RemoteFileFailed naming the path", async () => {
    const path = join(fx.dir, "no-such-dir", "file");
    await assert.rejects(root.upload(path, "x"), (err: unknown) => {
      assert.ok(err instanceof RemoteFileFailed);
      assert.match(err.message, /no-such-dir/);
      return true;
    });
  });

  test("twenty concurrent uploads and reads share one connection and all succeed", async () => {
    const paths = Array.from({ length: 20 }, (_, i) => join(fx.dir, `many-${i}`));
    await Promise.all(paths.map((p, i) => root.upload(p, `content ${i}`)));
    const contents = await Promise.all(paths.map((p) => root.readFile(p)));
    assert.deepEqual(
      contents.map((c) => c?.toString()),
      paths.map((_, i) => `content ${i}`),
    );
    assert.equal(fx.pool.stats().hosts[root.id]?.connects, 1);
  });
});
