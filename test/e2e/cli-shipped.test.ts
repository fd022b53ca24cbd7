// The CLI as the image ships it (Containerfile: bin/, dist/, configuration/, package.json and
// the production node_modules; no src/, no schemas/, no tsx to fall back on): it starts the
// bundled dist/labctl/ and finds its own files from there. (Every e2e suite runs the bundle
// too: apply renders configuration/ templates through it.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
    const path = join(dir, e.name);
    return Math.max(n, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

let install: string;
before(async () => {
  const bundle = join(ROOT, "dist", "labctl", "main.js");
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(join(ROOT, "src")))
    await run("npm", ["run", "--silent", "build"], { cwd: ROOT });
  install = mkdtempSync(join(tmpdir(), "labctl-shipped-"));
  for (const part of ["bin", "dist", "configuration", "package.json"])
    cpSync(join(ROOT, part), join(install, part), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(install, "node_modules"));
});
after(() => rmSync(install, { recursive: true, force: true }));

const labctl = (...args: string[]) => run(process.execPath, [join(install, "bin", "labctl.js"), ...args]);

test("version reads package.json from the bundle's place", async () => {
  const { stdout } = await labctl("version");
  assert.match(stdout, /^labctl \d+\.\d+\.\d+ \(openstacklab\.io\/v1alpha1, node v\d+/);
});

test("validate of the example lab, without schemas/ (derived from the kinds instead)", async () => {
  const { stdout } = await labctl("validate", "-f", join(ROOT, "manifests"));
  assert.match(stdout, /^6 objects valid/);
});
