import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkQueue } from "../../../src/runtime/workqueue.js";
import { Backoff } from "../../../src/util/backoff.js";
import { KeyedMutex } from "../../../src/util/keyed-mutex.js";

test("a key added many times while waiting is handed out once", async () => {
  const q = new WorkQueue();
  q.add("a");
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
  assert.equal(q.length, 0);
});

test("a key added while it is processed is handed out again only after done", async () => {
  const q = new WorkQueue();
  q.add("a");
  const first = await q.get();
  q.add("a");
  assert.equal(q.length, 0, "not handed to a second worker while processing");
  q.done(first!);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "a");
});

test("a waiting worker receives a key as soon as it is added", async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.add("x");
  assert.equal(await waiting, "x");
  assert.ok(q.isProcessing("x"));
});

test("addAfter delivers later and the earliest pending delay wins", async () => {
  const q = new WorkQueue();
  const t0 = Date.now();
  q.addAfter("k", 200);
  q.addAfter("k", 30);
  q.addAfter("k", 500);
  assert.equal(await q.get(), "k");
  const waited = Date.now() - t0;
  assert.ok(waited >= 25 && waited < 190, `waited ${waited} ms`);
});

test("shutDown releases waiting workers with undefined", async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add("late");
  assert.equal(q.length, 0);
});

test("backoff grows exponentially per key, stays within bounds, and forget resets it", () => {
  const b = new Backoff(100, 1000, () => 1);
  assert.deepEqual(
    [b.next("a"), b.next("a"), b.next("a"), b.next("a"), b.next("a")],
    [100, 200, 400, 800, 1000],
  );
  assert.equal(b.next("b"), 100, "keys are independent");
  b.forget("a");
  assert.equal(b.next("a"), 100);
  const jittered = new Backoff(100, 1000, () => 0);
  assert.equal(jittered.next("a"), 50, "jitter never goes below half the ceiling");
});

test("keyed mutex runs one holder per key and others in parallel", async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const hold = (key: string, tag: string, ms: number) =>
    m.run(key, async () => {
      log.push(`${tag}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${tag}-`);
    });
  await Promise.all([hold("m1", "a", 30), hold("m1", "b", 5), hold("m2", "c", 5)]);
  assert.ok(log.indexOf("a-") < log.indexOf("b+"), `same key serialized: ${log.join(" ")}`);
  assert.ok(log.indexOf("c+") < log.indexOf("a-"), `other key in parallel: ${log.join(" ")}`);
});
