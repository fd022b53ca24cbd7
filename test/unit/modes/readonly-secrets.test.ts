import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readOnlySecrets } from "../../../src/modes/file/workspace-secrets.js";
import type { SecretOwner } from "../../../src/workspace/types.js";
import { Workspace } from "../../../src/workspace/workspace.js";

/**
 * `labctl plan` stands in for secrets it may not write: a key pair and a password of one
 * role (the manager user has both) are two stand-ins, each stable for the run, none written.
 */
test("read-only secrets: a key pair and a password of the same role never stand in for each other", async () => {
  const dir = await mkdtemp(join(tmpdir(), "lab-ro-secrets-"));
  try {
    const secrets = readOnlySecrets(new Workspace(join(dir, "ws")));
    const owner: SecretOwner = { kind: "LabManager", namespace: "default", name: "lab" };
    for (const order of ["key first", "password first"]) {
      const o = { ...owner, name: `lab-${order.split(" ")[0]}` };
      const first =
        order === "key first" ? await secrets.keyPair(o, "user") : await secrets.password(o, "user");
      const pair = await secrets.keyPair(o, "user");
      const password = await secrets.password(o, "user");
      assert.equal(typeof password, "string", order);
      assert.match(pair!.publicKey, /^ssh-ed25519 /, order);
      assert.equal(await secrets.password(o, "user"), password, "stable for the run");
      assert.ok(first === pair || first === password, "the same stand-in when asked again");
    }
    assert.deepEqual(await readdir(dir), [], "nothing written");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
