import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { keyString, type LabObject, type ObjectKey } from "../../../src/api/index.js";
import { FileSource } from "../../../src/sources/filesource.js";
import { loadValidManifests } from "../../../src/sources/manifestloader.js";
import type { SourceHandler } from "../../../src/sources/source.js";

const manager = (name: string, address: string) => `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata:
  name: ${name}
spec:
  address: ${address}
`;

/** Records what the source reports, and lets a test wait for the next report. */
class Recorder implements SourceHandler {
  events: string[] = [];
  objects = new Map<string, LabObject>();
  private waiters: Array<() => void> = [];
  upsert(object: LabObject): void {
    this.objects.set(object.metadata.name, object);
    this.push(`upsert ${object.metadata.name}`);
  }
  invalid(key: ObjectKey, errors: string[]): void {
    this.push(`invalid ${key.name}: ${errors.join("; ")}`);
  }
  remove(key: ObjectKey): void {
    this.push(`remove ${keyString(key)}`);
  }
  sourceErrors(): void {}
  synced(): void {
    this.push("synced");
  }
  private push(e: string): void {
    this.events.push(e);
    for (const w of this.waiters.splice(0)) w();
  }
  async next(predicate: (e: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching event; saw: ${this.events.join(" | ")}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

async function withSource(fn: (dir: string, rec: Recorder) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "labsrc-"));
  await writeFile(join(dir, "a.yaml"), manager("alpha", "10.0.0.1"));
  await writeFile(join(dir, "b.yaml"), manager("beta", "10.0.0.2"));
  const rec = new Recorder();
  const source = new FileSource([dir], loadValidManifests, pino({ level: "silent" }));
  await source.start(rec);
  try {
    await fn(dir, rec);
  } finally {
    await source.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

test("the initial listing reports every object, then synced", async () => {
  await withSource(async (_dir, rec) => {
    assert.deepEqual(rec.events, ["upsert alpha", "upsert beta", "synced"]);
  });
});

test("an edit is picked up by the watcher", async () => {
  await withSource(async (dir, rec) => {
    rec.events = [];
    await writeFile(join(dir, "a.yaml"), manager("alpha", "10.0.0.9"));
    await rec.next((e) => e === "upsert alpha");
    assert.equal((rec.objects.get("alpha")!.spec as { address: string }).address, "10.0.0.9");
  });
});

test("a file that stops parsing keeps its objects and reports why, never removes them", async () => {
  await withSource(async (dir, rec) => {
    rec.events = [];
    await writeFile(
      join(dir, "a.yaml"),
      "apiVersion: openstacklab.io/v1alpha1\nkind: LabManager\nmetadata: {name: alpha\n",
    );
    const invalid = await rec.next((e) => e.startsWith("invalid alpha"));
    assert.match(invalid, /a\.yaml/);
    assert.ok(!rec.events.some((e) => e.startsWith("remove")), rec.events.join(" | "));
  });
});

test("an invalid field keeps the last good object and names the field", async () => {
  await withSource(async (dir, rec) => {
    rec.events = [];
    await writeFile(join(dir, "b.yaml"), manager("beta", "10.0.0.2") + "  timezone: 'Not a zone!'\n");
    const invalid = await rec.next((e) => e.startsWith("invalid beta"));
    assert.match(invalid, /spec\.timezone/);
    assert.ok(!rec.events.some((e) => e.startsWith("remove")));
  });
});

test("removing an object's manifest removes the object", async () => {
  await withSource(async (dir, rec) => {
    rec.events = [];
    await rm(join(dir, "b.yaml"));
    await rec.next((e) => e === "remove LabManager/default/beta");
    assert.ok(!rec.events.includes("remove LabManager/default/alpha"));
  });
});

test("an editor's write-to-temp-then-rename save is one change, not a delete", async () => {
  await withSource(async (dir, rec) => {
    rec.events = [];
    await writeFile(join(dir, ".a.yaml.swp"), manager("alpha", "10.0.0.7"));
    await rename(join(dir, ".a.yaml.swp"), join(dir, "a.yaml"));
    await rec.next((e) => e === "upsert alpha");
    assert.equal((rec.objects.get("alpha")!.spec as { address: string }).address, "10.0.0.7");
    assert.ok(!rec.events.some((e) => e.startsWith("remove")), rec.events.join(" | "));
  });
});

test("many errors in one object reach the runtime as one report with every line", async () => {
  const dir = await mkdtemp(join(tmpdir(), "labsrc-"));
  try {
    const bridges = Array.from({ length: 500 }, (_, i) => `    - { name: "bad name ${i}" }`).join("\n");
    await writeFile(join(dir, "a.yaml"), `${manager("alpha", "10.0.0.1")}  bridges:\n${bridges}\n`);
    const rec = new Recorder();
    const watchFiles = false; // one load, so one report is expected
    await new FileSource([dir], loadValidManifests, pino({ level: "silent" }), watchFiles).start(rec);
    const reports = rec.events.filter((e) => e.startsWith("invalid alpha"));
    assert.equal(reports.length, 1, rec.events.map((e) => e.slice(0, 80)).join(" | "));
    assert.equal(reports[0]!.split("; ").length, 500);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
