import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * labctl answers at once because a command loads only what it uses (issue 19): the heavy
 * modules load in the actions that need them. Each case runs the CLI from its sources with a
 * loader hook that reports every module loaded, and checks what was (not) loaded. The
 * start-up time itself is a benchmark (`npm run bench cli-startup`), never a timed test.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = join(ROOT, "src", "cli", "main.ts");

// Prints each loaded file: URL on stderr, after tsx resolved it.
const HOOKS = `export async function load(url, context, next) {
  if (url.startsWith("file:")) process.stderr.write("LOADED " + url + "\\n");
  return next(url, context);
}`;
const REGISTER = `import { register } from "node:module";
register(${JSON.stringify("data:text/javascript," + encodeURIComponent(HOOKS))});`;

async function loadedBy(args: string[]): Promise<{ modules: string[]; stdout: string }> {
  const { stdout, stderr } = await run(
    process.execPath,
    ["--import", "tsx", "--import", `data:text/javascript,${encodeURIComponent(REGISTER)}`, MAIN, ...args],
    { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "silent" } },
  ).catch((e: { stdout: string; stderr: string; code: number }) => e);
  const modules = stderr
    .split("\n")
    .filter((l) => l.startsWith("LOADED "))
    .map((l) => l.slice("LOADED ".length));
  return { modules, stdout };
}

const HEAVY = ["@kubernetes/client-node", "ssh2", "chokidar", "prom-client", "pino-pretty", "pino", "zod"];

function packagesIn(modules: string[]): Set<string> {
  const names = new Set<string>();
  for (const url of modules) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]!);
  }
  return names;
}

describe("labctl start-up: a command loads only what it uses", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "labctl-startup-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const args of [["version"], ["get"], ["describe", "LabManager/lab"], ["--help"]]) {
    it(`labctl ${args.join(" ")} loads none of ${HEAVY.join(", ")}`, async () => {
      const { modules } = await loadedBy([
        ...args,
        ...(args[0] === "--help" || args[0] === "version" ? [] : ["--state-dir", dir]),
      ]);
      assert.ok(
        modules.some((u) => u.endsWith("/src/cli/main.ts")),
        "the hook saw the CLI load (else this test proves nothing)",
      );
      const loaded = packagesIn(modules);
      assert.ok(loaded.has("commander"), "the hook sees packages too");
      for (const heavy of HEAVY) assert.ok(!loaded.has(heavy), `${heavy} was loaded`);
    });
  }

  it("labctl validate loads the schemas (zod) but not the Kubernetes client, ssh2 or chokidar", async () => {
    const { modules, stdout } = await loadedBy(["validate", "-f", join(ROOT, "manifests")]);
    assert.match(stdout, /objects valid/);
    const loaded = packagesIn(modules);
    assert.ok(loaded.has("zod"));
    for (const heavy of ["@kubernetes/client-node", "ssh2", "chokidar", "prom-client"])
      assert.ok(!loaded.has(heavy), `${heavy} was loaded`);
  });

  it("labctl crds still prints the CustomResourceDefinitions (its module loads in the action)", async () => {
    const { stdout } = await loadedBy(["crds"]);
    assert.match(stdout, /kind: CustomResourceDefinition/);
    assert.match(stdout, /labmanagers\.openstacklab\.io/);
  });
});
