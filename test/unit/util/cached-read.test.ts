// readFileCached answers from memory only while the file is the one it read: an edit in
// place, a replacement and a removal are all seen at the next call.
import assert from "node:assert/strict";
import { renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readFileCached } from "../../../src/util/cached-read.js";

test("an edit in place (same size), a replacement and a removal are seen", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cached-read-"));
  const path = join(dir, "password");
  writeFileSync(path, "first-secret\n");
  const before = new Date(Date.now() - 60_000);
  utimesSync(path, before, before);
  assert.equal((await readFileCached(path)).toString(), "first-secret\n");
  writeFileSync(path, "other-secret\n"); // same length, rewritten in place: the mtime moves
  assert.equal((await readFileCached(path)).toString(), "other-secret\n");
  writeFileSync(join(dir, "next"), "replaced\n");
  renameSync(join(dir, "next"), path);
  assert.equal((await readFileCached(path)).toString(), "replaced\n");
  rmSync(path);
  await assert.rejects(readFileCached(path), { code: "ENOENT" });
});

test("each caller gets its own copy", async () => {
  const path = join(await mkdtemp(join(tmpdir(), "cached-read-")), "key");
  writeFileSync(path, "key material");
  (await readFileCached(path)).fill(0);
  assert.equal((await readFileCached(path)).toString(), "key material");
});
