// ssh.config under any sequence of our sets and removes and edits by hand: after each of our
// calls the file holds exactly the blocks a model says, whatever the workspace remembered of
// earlier calls (it skips a block it knows to be in the file as set, and forgets what it knows
// when anyone else writes the file).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { renderHostBlock } from "../../../src/workspace/sshconfig.js";
import type { SshConfigHost } from "../../../src/workspace/types.js";
import { Workspace } from "../../../src/workspace/workspace.js";

// The example lab's aliases: a Manager's root and user logins and its VM.
const ALIASES = ["manager-root", "manager", "tripleo"];
const host = (alias: string, address: number): SshConfigHost => ({
  alias,
  hostName: `192.168.24.${address}`,
  user: alias === "manager-root" ? "root" : "stack",
  port: 22,
  identityFile: `/ws/keys/${alias}`,
});

/** The blocks in the file, by alias. */
function blocksIn(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(/^# BEGIN labctl (\S+)\n[\s\S]*?^# END labctl \1\n/gm))
    blocks.set(m[1]!, m[0]);
  return blocks;
}

type Op =
  | { op: "set"; alias: string; address: number }
  | { op: "remove"; alias: string }
  | { op: "deleteByHand"; alias: string } // an in-place edit
  | { op: "retargetByHand"; address: number }; // the file replaced (a new inode)

const alias = fc.constantFrom(...ALIASES);
const address = fc.integer({ min: 1, max: 3 });
const ops = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant("set" as const), alias, address }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), alias }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("deleteByHand" as const), alias }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("retargetByHand" as const), address }) },
  ),
  { maxLength: 25 },
);

test("after every set or remove, the file has exactly the model's blocks (fast-check)", async () => {
  const dirs: string[] = [];
  try {
    await fc.assert(
      fc.asyncProperty(ops, async (sequence: Op[]) => {
        const ws = new Workspace(mkdtempSync(join(tmpdir(), "ws-model-")));
        dirs.push(ws.dir);
        const ctx = { knownHostsPath: ws.knownHostsPath };
        const model = new Map<string, string>();
        const read = () => (existsSync(ws.sshConfigPath) ? readFileSync(ws.sshConfigPath, "utf8") : "");
        for (const step of sequence) {
          if (step.op === "set") {
            await ws.setSshConfigHost(host(step.alias, step.address));
            model.set(step.alias, renderHostBlock(host(step.alias, step.address), ctx));
          } else if (step.op === "remove") {
            await ws.removeSshConfigHost(step.alias);
            model.delete(step.alias);
          } else if (step.op === "deleteByHand") {
            const text = read();
            const block = blocksIn(text).get(step.alias);
            if (block === undefined) continue;
            writeFileSync(ws.sshConfigPath, text.replace(block, ""));
            model.delete(step.alias);
            continue;
          } else {
            const retargeted = read().replace(/HostName 192\.168\.24\.\d+/g, `HostName 192.168.24.${step.address}`);
            writeFileSync(`${ws.sshConfigPath}.edit`, retargeted);
            renameSync(`${ws.sshConfigPath}.edit`, ws.sshConfigPath);
            for (const [a, b] of model)
              model.set(a, b.replace(/HostName 192\.168\.24\.\d+/, `HostName 192.168.24.${step.address}`));
            continue;
          }
          assert.deepEqual(new Map([...blocksIn(read())].sort()), new Map([...model].sort()));
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
