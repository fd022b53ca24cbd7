import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { emptyState, recordEvent } from "../../../src/controllers/state.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";

const dir = mkdtempSync(join(tmpdir(), "filestate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a state saved as it was loaded is not written again; changed, removed or edited by hand, it is", async () => {
  const store = new FileStateStore(dir);
  const path = join(dir, "LabManager", "default", "lab.json");
  const state = emptyState("LabManager", "default", "lab");
  await store.save(state);
  const first = statSync(path, { bigint: true });

  // A no-op reconcile: load, save the same.
  for (let i = 0; i < 3; i++) await store.save((await store.load("LabManager", "default", "lab"))!);
  const again = statSync(path, { bigint: true });
  assert.deepEqual([again.ino, again.mtimeNs], [first.ino, first.mtimeNs], "no write for an unchanged state");

  const changed = (await store.load("LabManager", "default", "lab"))!;
  recordEvent(changed, "Normal", "Converged", "host matches the spec");
  await store.save(changed);
  assert.equal(JSON.parse(readFileSync(path, "utf8")).events.length, 1, "a change is written");

  rmSync(path);
  assert.equal(await store.load("LabManager", "default", "lab"), undefined);
  await store.save(changed);
  assert.equal(
    JSON.parse(readFileSync(path, "utf8")).events.length,
    1,
    "written again after a removal by hand",
  );

  // Edited by another writer after our last save: the next load sees it, and saving ours writes.
  writeFileSync(path, JSON.stringify({ ...changed, events: [] }, null, 2) + "\n");
  const theirs = (await store.load("LabManager", "default", "lab"))!;
  assert.equal(theirs.events.length, 0);
  await store.save(changed);
  assert.equal(JSON.parse(readFileSync(path, "utf8")).events.length, 1, "ours replaces theirs");

  await store.remove("LabManager", "default", "lab");
  await store.save(changed);
  assert.equal(JSON.parse(readFileSync(path, "utf8")).name, "lab", "written after our own remove");
});
