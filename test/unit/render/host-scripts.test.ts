import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { libvirtNetwork } from "../../../src/api/index.js";
import {
  renderNetworkHookConfig,
  renderNetworkHookScript,
  renderShellRcBlock,
  SHELL_RC_END,
  SHELL_RC_START,
  withShellRcBlock,
} from "../../../src/render/index.js";

function network(name: string, masquerade: string[]) {
  return libvirtNetwork.parse({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LibvirtNetwork",
    metadata: { name },
    spec: { managerRef: { name: "lab" }, mode: "bridge", bridge: name, masquerade },
  });
}

/** Run the hook with a fake iptables on PATH that logs its arguments; `-C` succeeds per `present`. */
async function runHook(config: string, args: string[], present: boolean): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "lab-hook-"));
  try {
    const log = join(dir, "log");
    await writeFile(join(dir, "hook.conf"), config);
    await writeFile(join(dir, "hook"), renderNetworkHookScript(join(dir, "hook.conf")));
    // -C reports the rule present until a -D has been logged (when `present`), absent otherwise.
    const check = present ? `$(( $(grep -c -- ' -D ' ${log} || true) > 0 ))` : "1";
    const fake = `#!/bin/bash\necho "$*" >> ${log}\n[ "$3" = -C ] && exit ${check}\nexit 0\n`;
    await writeFile(join(dir, "iptables"), fake);
    await chmod(join(dir, "iptables"), 0o755);
    await promisify(execFile)("bash", [join(dir, "hook"), ...args], {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      timeout: 10_000,
    });
    const text = await readFile(log, "utf8").catch(() => "");
    return text.split("\n").filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const RULE =
  "POSTROUTING --source 10.0.2.0/24 ! --destination 10.0.2.0/24 -m comment --comment lab-operator:public -j MASQUERADE";

describe("libvirt network hook", () => {
  it("lists the masqueraded subnets of each network, sorted and without duplicates", () => {
    const config = renderNetworkHookConfig([
      network("public", ["10.0.2.0/24"]),
      network("a-net", ["10.1.0.0/16", "10.1.0.0/16"]),
    ]);
    assert.equal(
      config
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .join("|"),
      "a-net 10.1.0.0/16|public 10.0.2.0/24",
    );
  });

  it("adds the MASQUERADE rule when a listed network starts", async () => {
    const calls = await runHook("public 10.0.2.0/24\n", ["public", "started", "begin", "-"], false);
    assert.deepEqual(calls, [`-t nat -C ${RULE}`, `-t nat -A ${RULE}`]);
  });

  it("does not add the rule twice", async () => {
    const calls = await runHook("public 10.0.2.0/24\n", ["public", "started", "begin", "-"], true);
    assert.deepEqual(calls, [`-t nat -C ${RULE}`]);
  });

  it("removes the rule when the network stops", async () => {
    const calls = await runHook("public 10.0.2.0/24\n", ["public", "stopped", "end", "-"], true);
    assert.deepEqual(calls, [`-t nat -C ${RULE}`, `-t nat -D ${RULE}`, `-t nat -C ${RULE}`]);
  });

  it("leaves networks it does not list alone", async () => {
    assert.deepEqual(await runHook("public 10.0.2.0/24\n", ["default", "started", "begin", "-"], false), []);
  });

  it("quotes its config path as one shell word", () => {
    assert.match(renderNetworkHookScript("/etc/it's here.conf"), /^CONFIG='\/etc\/it'\\''s here\.conf'$/m);
  });
});

describe("shell-rc block", () => {
  it("is delimited by the START and END markers", () => {
    const block = renderShellRcBlock();
    assert.ok(block.startsWith(`${SHELL_RC_START}\n`));
    assert.ok(block.endsWith(`${SHELL_RC_END}\n`));
    assert.match(block, /CLIFF_MAX_TERM_WIDTH/);
  });

  it("is appended once and replaced, never duplicated", () => {
    const rc = "alias ll='ls -l'";
    const once = withShellRcBlock(rc);
    assert.equal(once, `${rc}\n${renderShellRcBlock()}`);
    assert.equal(withShellRcBlock(once), once);
    const stale = once.replace("CLIFF_MAX_TERM_WIDTH", "OLD_VARIABLE") + "export EDITOR=vi\n";
    assert.equal(withShellRcBlock(stale), `${once}export EDITOR=vi\n`);
  });
});
