// File mode never deletes because it could not read: the example lab with saved state from an
// earlier run, started (labctl run / apply / plan) and edited through the real wiring.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parseAllDocuments } from "yaml";
import type { LabObject, ObjectKey } from "../../../src/api/index.js";
import type { HostAccess } from "../../../src/controllers/hostaccess.js";
import { emptyState } from "../../../src/controllers/state.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";
import { createFileOperator } from "../../../src/modes/file/operator.js";
import type { Operator } from "../../../src/runtime/runner.js";

const FILES = ["01-labmanager.yaml", "02-networks.yaml", "03-tripleo.yaml"];
const net = (name: string): ObjectKey => ({ kind: "LibvirtNetwork", namespace: "default", name });
const NETWORKS = ["hypervisor-control-plane", "openstack-control-plane", "public"];

/** The example lab, each object saved as converged by an earlier run. */
async function withLab(
  fn: (dir: string, start: (opts: { watch: boolean; mutate: boolean }) => Promise<Operator>) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "lab-unreadable-"));
  const dir = join(root, "manifests");
  const stateDir = join(root, "state");
  const operators: Operator[] = [];
  try {
    await mkdir(dir);
    const saved = new FileStateStore(stateDir);
    for (const f of FILES) {
      await cp(join("manifests", f), join(dir, f));
      for (const doc of parseAllDocuments(await readFile(join(dir, f), "utf8"))) {
        const object = doc.toJS() as LabObject;
        object.metadata.namespace = "default";
        const state = emptyState(object.kind, "default", object.metadata.name);
        state.lastGoodObject = object;
        await saved.save(state);
      }
    }
    await fn(dir, async ({ watch, mutate }) => {
      const operator = createFileOperator({
        manifests: [dir],
        stateDir,
        hosts: {} as HostAccess,
        log: pino({ level: "silent" }),
        watch,
        mutate,
      });
      operators.push(operator);
      await operator.load(); // the source's first load, then saved state (no workers)
      return operator;
    });
  } finally {
    for (const operator of operators) await operator.stop();
    await rm(root, { recursive: true, force: true });
  }
}

function entry(operator: Operator, key: ObjectKey) {
  return operator.manager.cache.get(key);
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const mode of [
  { command: "labctl run", watch: true, mutate: true },
  { command: "labctl apply", watch: false, mutate: true },
  { command: "labctl plan", watch: false, mutate: false },
]) {
  test(`${mode.command}: a YAML syntax error at start keeps the file's objects with their last good spec`, async () => {
    await withLab(async (dir, start) => {
      const file = join(dir, "02-networks.yaml");
      await writeFile(
        file,
        (await readFile(file, "utf8")).replace("metadata:\n  name: hyper", "metadata: {name: hyper"),
      );
      const operator = await start(mode);
      for (const name of NETWORKS) {
        const e = entry(operator, net(name));
        assert.ok(e && !e.deleting, `${name} is kept, not restored for deletion`);
      }
      const held = entry(operator, net("hypervisor-control-plane"))!;
      assert.equal((held.object.spec as { mode?: string }).mode, "nat", "its last good spec");
      assert.match(held.inputErrors.join("\n"), /02-networks\.yaml:1: YAML: /);
    });
  });
}

test("labctl apply: an unreadable file (a symlink loop) at start keeps every object no file lists", async () => {
  await withLab(async (dir, start) => {
    await rm(join(dir, "03-tripleo.yaml"));
    await symlink(join(dir, "03-tripleo.yaml"), join(dir, "03-tripleo.yaml"));
    const operator = await start({ watch: false, mutate: true });
    const tripleo = entry(operator, { kind: "TripleOUndercloud", namespace: "default", name: "tripleo" });
    assert.ok(tripleo && !tripleo.deleting);
    assert.match(tripleo.inputErrors.join("\n"), /03-tripleo\.yaml:0: cannot read: broken symlink \(ELOOP/);
  });
});

test("labctl apply: once every file loads and none holds a saved object, it is removed", async () => {
  await withLab(async (dir, start) => {
    await rm(join(dir, "03-tripleo.yaml"));
    const operator = await start({ watch: false, mutate: true });
    assert.equal(
      entry(operator, { kind: "TripleOUndercloud", namespace: "default", name: "tripleo" })?.deleting,
      true,
    );
    assert.equal(entry(operator, net("public"))?.deleting, false);
  });
});

test("labctl run: an object cut into a new file with a syntax error is kept, then moves", async () => {
  await withLab(async (dir, start) => {
    const operator = await start({ watch: true, mutate: true });
    const file = join(dir, "02-networks.yaml");
    const [hcp, ...rest] = (await readFile(file, "utf8")).split(/^---\n/m);
    await writeFile(
      join(dir, "05-new.yaml"),
      hcp!.replace("metadata:\n  name: hyper", "metadata: {name: hyper"),
    );
    await writeFile(file, rest.join("---\n"));
    await until("the held network to name the new file", () =>
      (entry(operator, net("hypervisor-control-plane"))?.inputErrors ?? []).some((l) =>
        l.includes("05-new.yaml"),
      ),
    );
    assert.equal(entry(operator, net("hypervisor-control-plane"))!.deleting, false);
    await writeFile(join(dir, "05-new.yaml"), hcp!);
    await until("the network to load from the new file", () => {
      const e = entry(operator, net("hypervisor-control-plane"));
      return e?.origin.file === join(dir, "05-new.yaml") && e.inputErrors.length === 0;
    });
    assert.equal(entry(operator, net("hypervisor-control-plane"))!.deleting, false);
  });
});

test("labctl run: a manifest replaced by a symlink into the directory is followed", async () => {
  await withLab(async (dir, start) => {
    const operator = await start({ watch: true, mutate: true });
    const file = join(dir, "02-networks.yaml");
    await mkdir(join(dir, "store"));
    const text = (await readFile(file, "utf8")).replace("    - 10.0.2.0/24", "    - 10.0.3.0/24");
    await writeFile(join(dir, "store", "networks.txt"), text);
    await symlink(join(dir, "store", "networks.txt"), join(dir, ".02-networks.yaml.tmp"));
    await rename(join(dir, ".02-networks.yaml.tmp"), file);
    await until("the edit through the symlink", () =>
      JSON.stringify(entry(operator, net("public"))?.object.spec ?? {}).includes("10.0.3.0/24"),
    );
    for (const name of NETWORKS) assert.equal(entry(operator, net(name))?.deleting, false, name);
  });
});

test("labctl run: a manifest turned into a symlink loop while running keeps its objects (the watcher's error is survived)", async () => {
  await withLab(async (dir, start) => {
    const operator = await start({ watch: true, mutate: true });
    const file = join(dir, "02-networks.yaml");
    await rm(file);
    await symlink(file, file);
    await until("the networks to name the unreadable file", () =>
      NETWORKS.every((name) =>
        (entry(operator, net(name))?.inputErrors ?? []).some((l) =>
          l.includes("02-networks.yaml:0: cannot read"),
        ),
      ),
    );
    for (const name of NETWORKS) assert.equal(entry(operator, net(name))?.deleting, false, name);
  });
});
