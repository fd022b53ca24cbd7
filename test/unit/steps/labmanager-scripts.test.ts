import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ALLOW_BRIDGES } from "../../../src/steps/labmanager/system.js";
import { INSTALL_VENV } from "../../../src/steps/labmanager/vbmc.js";
import { WRITE_FILE } from "../../../src/steps/run.js";

const dir = mkdtempSync(join(tmpdir(), "lm-scripts-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Our constant scripts, run locally the way runScript runs them remotely. */
function runLocal(script: string, args: string[], input = ""): string {
  return execFileSync("bash", ["-c", script, "lab-operator", ...args], { input, encoding: "utf8" });
}

describe("host step scripts (run locally, not over SSH)", () => {
  it("appends each missing qemu allow line once, keeping other lines", () => {
    const conf = join(dir, "qemu", "bridge.conf");
    mkdirSync(join(dir, "qemu"));
    writeFileSync(conf, "# site\nallow virbr0\n");
    runLocal(ALLOW_BRIDGES, [conf, "public", "openstack"]);
    runLocal(ALLOW_BRIDGES, [conf, "public", "virbr0"]);
    assert.equal(readFileSync(conf, "utf8"), "# site\nallow virbr0\nallow public\nallow openstack\n");
  });

  it("writes a file atomically with its mode, content from stdin byte for byte", () => {
    const path = join(dir, "etc", "new.conf");
    const owner = `${execFileSync("id", ["-un"], { encoding: "utf8" }).trim()}:${execFileSync("id", ["-gn"], { encoding: "utf8" }).trim()}`;
    const content = "a 'quoted' $HOME `x`\nline 2\n";
    runLocal(WRITE_FILE, [path, "0640", owner], content);
    assert.equal(readFileSync(path, "utf8"), content);
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  it("installs VirtualBMC into the venv and links vbmc and vbmcd where asked", () => {
    const venv = join(dir, "venv");
    mkdirSync(join(venv, "bin"), { recursive: true });
    const log = join(dir, "pip.log");
    // A stand-in venv: python exists (so no venv is created), pip records its arguments.
    writeFileSync(join(venv, "bin", "python"), "#!/bin/sh\n");
    writeFileSync(join(venv, "bin", "pip"), `#!/bin/sh\necho "$@" > ${log}\n`);
    chmodSync(join(venv, "bin", "python"), 0o755);
    chmodSync(join(venv, "bin", "pip"), 0o755);
    const daemon = join(dir, "bin", "vbmcd");
    const cli = join(dir, "bin", "vbmc");
    runLocal(INSTALL_VENV, [venv, "3.1.0", daemon, cli]);
    assert.match(readFileSync(log, "utf8"), /install .*virtualbmc==3\.1\.0/);
    assert.ok(lstatSync(daemon).isSymbolicLink());
    assert.equal(readlinkSync(daemon), join(venv, "bin", "vbmcd"));
    assert.equal(readlinkSync(cli), join(venv, "bin", "vbmc"));
  });
});
