import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { holdsPasswords, unpackResults, writeResults } from "../../../src/workspace/results.js";

const created: string[] = [];
const fresh = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
};
after(() => created.forEach((d) => rmSync(d, { recursive: true, force: true })));
const modeOf = (path: string) => statSync(path).mode & 0o7777;

/** A tree as a host would archive it: loose modes, a setuid binary, passwords world-readable. */
function hostArchive(): { archive: string; outside: string } {
  const src = fresh("results-src-");
  const put = (rel: string, mode: number) => {
    mkdirSync(join(src, rel, ".."), { recursive: true });
    writeFileSync(join(src, rel), `${rel}\n`);
    chmodSync(join(src, rel), mode);
  };
  put("home/stack/undercloud-passwords.conf", 0o644);
  put("home/stack/tripleo-deploy/undercloud/tripleo-undercloud-passwords.yaml", 0o664);
  put("home/stack/instackenv.json", 0o644);
  put("etc/virtualbmc/vbmc/node-0/config", 0o644);
  put("var/log/containers/tool", 0o4755);
  put("var/log/containers/group-tool", 0o2775);
  put("home/stack/install-undercloud.log", 0o644);
  chmodSync(join(src, "etc/virtualbmc"), 0o755);
  mkdirSync(join(src, "var/log/shared"));
  chmodSync(join(src, "var/log/shared"), 0o3777);
  const outside = join(fresh("results-outside-"), "target");
  writeFileSync(outside, "not ours\n");
  chmodSync(outside, 0o4755);
  symlinkSync(outside, join(src, "var/log/link"));
  const archive = join(fresh("results-archive-"), "root.tar.gz");
  execFileSync("tar", ["-czf", archive, "-C", src, "home", "etc", "var"]);
  return { archive, outside };
}

test("an unpacked results archive keeps no setuid, setgid or sticky bit, and its password files are 0600", async () => {
  const { archive, outside } = hostArchive();
  const into = join(fresh("results-"), "root");
  await unpackResults(archive, into);
  for (const rel of [
    "home/stack/undercloud-passwords.conf",
    "home/stack/tripleo-deploy/undercloud/tripleo-undercloud-passwords.yaml",
    "home/stack/instackenv.json",
    "etc/virtualbmc/vbmc/node-0/config",
  ])
    assert.equal(modeOf(join(into, rel)), 0o600, rel);
  for (const rel of ["etc/virtualbmc", "etc/virtualbmc/vbmc", "etc/virtualbmc/vbmc/node-0"])
    assert.equal(modeOf(join(into, rel)), 0o700, rel);
  assert.equal(modeOf(join(into, "var/log/containers/tool")), 0o755);
  assert.equal(modeOf(join(into, "var/log/containers/group-tool")) & 0o7000, 0);
  assert.equal(modeOf(join(into, "var/log/shared")) & 0o7000, 0);
  assert.equal(modeOf(join(into, "home/stack/install-undercloud.log")) & 0o7000, 0);
  assert.equal(modeOf(outside), 0o4755, "a symlink in the archive is not followed");
});

test("a broken archive is an error naming it", async () => {
  const archive = join(fresh("results-bad-"), "bad.tar.gz");
  writeFileSync(archive, "not gzip");
  await assert.rejects(unpackResults(archive, join(archive, "..", "out")), /unpacking .*bad\.tar\.gz failed/);
});

test("files fetched from a VM are written 0600, however they are named", async () => {
  const dir = fresh("results-write-");
  await writeResults(dir, [
    { path: "/home/stack/undercloud-passwords.conf", content: Buffer.from("x") },
    { path: "/var/log/containers.tar.gz", content: Buffer.from("y") },
    { path: "../../escape", content: Buffer.from("z") },
  ]);
  assert.equal(modeOf(join(dir, "home/stack/undercloud-passwords.conf")), 0o600);
  assert.equal(modeOf(join(dir, "var/log/containers.tar.gz")), 0o600);
  assert.ok(!existsSync(join(dir, "..", "..", "escape")));
});

test("which result files hold passwords", () => {
  for (const p of [
    "home/stack/undercloud-passwords.conf",
    "tripleo-undercloud-passwords.yaml",
    "instackenv.json",
    "etc/virtualbmc",
    "etc/virtualbmc/vbmc/n/config",
  ])
    assert.ok(holdsPasswords(p), p);
  for (const p of ["install-undercloud.log", "var/log/virtualbmc/log", "undercloud.conf"])
    assert.ok(!holdsPasswords(p), p);
});
