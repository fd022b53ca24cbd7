import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WAIT_FOR_FIRST_BOOT } from "../../../../src/steps/undercloud/first-boot.js";
import { keyedStep } from "../../../../src/steps/undercloud/guest.js";

// The wait runs here under dash (POSIX sh, as busybox and the guests' sh), with a PATH that
// holds only what the script may use, and cloud-init as a stand-in that prints a status.
const dir = mkdtempSync(join(tmpdir(), "first-boot-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function binDir(name: string, withCloudInit: boolean): string {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const tool of ["date", "sleep", "cat"]) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  if (withCloudInit)
    writeFileSync(join(bin, "cloud-init"), "#!/bin/sh\necho 'status: done'\n", { mode: 0o755 });
  return bin;
}

function wait(
  bin: string,
  marker: string,
  seconds: number,
): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  const child = spawn("/bin/sh", ["-c", WAIT_FOR_FIRST_BOOT, "lab-operator", marker, String(seconds)], {
    env: { PATH: bin },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code, out, err, ms: Date.now() - started })),
  );
}

describe("waiting for cloud-init's first boot", () => {
  it("returns at once on a guest without cloud-init (the imitation guest)", async () => {
    const r = await wait(binDir("none", false), join(dir, "never"), 30);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "");
  });

  it("waits until the final stage wrote its marker, then prints cloud-init's status", async () => {
    const marker = join(dir, "boot-finished");
    const running = wait(binDir("late", true), marker, 30);
    let finished = false;
    void running.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(finished, false, "returned before the marker existed");
    writeFileSync(marker, "");
    const r = await running;
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /status: done/);
  });

  it("gives up after its limit with a message naming the marker and cloud-init's status", async () => {
    const marker = join(dir, "missing");
    const r = await wait(binDir("never", true), marker, 1);
    assert.equal(r.code, 4);
    assert.match(r.err, new RegExp(`within 1 s \\(${marker} is missing\\)`));
    assert.match(r.err, /status: done/);
  });

  it("is the keyed phase's command, so every profile starts after cloud-init", async () => {
    const argvs: string[][] = [];
    const host = { exec: async (argv: string[]) => (argvs.push(argv), { stdout: "", stderr: "", code: 0 }) };
    await keyedStep().apply({ host, log: console } as never);
    assert.equal(argvs.length, 1);
    assert.deepEqual(argvs[0]!.slice(0, 3), ["sh", "-c", WAIT_FOR_FIRST_BOOT]);
    assert.ok(argvs[0]!.includes("/var/lib/cloud/instance/boot-finished"), argvs[0]!.join(" "));
  });
});
