import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { labManager, type LabManager } from "../../src/api/index.js";
import { workspaceStore } from "../../src/modes/file/workspace-store.js";
import { createHostAccess } from "../../src/runtime/host-access.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { remoteFixture, type RemoteFixture } from "./support/remote-fixture.js";
import { createUser, type TestUser } from "./support/users.js";
import { snapshot } from "./support/files.js";

/**
 * `labctl plan` promises to change nothing: not the Manager (no key authorized) and not the
 * workspace (no key generated, no host key pinned, no ssh.config). Against a real sshd and
 * login user, with the same host access `plan` and `apply` use.
 */
describe("plan's host access writes nothing, here or on the Manager", () => {
  let fx: RemoteFixture;
  let user: TestUser;
  let wsDir: string;
  let passwordFile: string;
  let manager: LabManager;
  const authorizedKeys = () => {
    const path = join(user.home, ".ssh", "authorized_keys");
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  };
  const whoami = async (readOnly: boolean) => {
    const access = createHostAccess(workspaceStore(new Workspace(wsDir), { readOnly }), fx.log);
    try {
      const host = await access.manager(manager);
      return (await host.exec(["whoami"], { purpose: "test" })).stdout.trim();
    } finally {
      await access.close();
    }
  };

  before(async () => {
    fx = await remoteFixture({ passwordAuthentication: true });
    user = createUser("lpl");
    wsDir = join(fx.dir, "workspace");
    passwordFile = join(fx.dir, "password");
    writeFileSync(passwordFile, user.password + "\n");
    manager = labManager.parse({
      apiVersion: "openstacklab.io/v1alpha1",
      kind: "LabManager",
      metadata: { name: "manager" },
      spec: {
        address: fx.sshd.host,
        ssh: {
          user: user.name,
          port: fx.sshd.port,
          trustOnFirstUse: true,
          passwordRef: { file: passwordFile },
        },
      },
    });
  });
  after(async () => {
    await fx.close();
    user.remove();
  });

  test("with only a password: logs in with it, authorizes no key, writes no workspace file", async () => {
    assert.equal(await whoami(true), user.name);
    assert.equal(authorizedKeys(), "");
    assert.deepEqual(snapshot(wsDir), {});
    assert.ok(!fx.logText().includes(user.password), "the password is not logged");
  });

  test("apply's host access, by contrast, authorizes our key once and records it", async () => {
    assert.equal(await whoami(false), user.name);
    assert.equal(authorizedKeys().split("\n").filter(Boolean).length, 1);
    assert.ok(
      Object.keys(snapshot(wsDir)).some((f) => f.startsWith("keys/")),
      "a key was generated",
    );
  });

  test("with an authorized key: logs in with the key, never reads the password, changes nothing", async () => {
    const keys = authorizedKeys();
    const before = snapshot(wsDir);
    writeFileSync(passwordFile, "not-the-password\n");
    assert.equal(await whoami(true), user.name);
    assert.equal(authorizedKeys(), keys);
    assert.deepEqual(snapshot(wsDir), before);
  });
});
