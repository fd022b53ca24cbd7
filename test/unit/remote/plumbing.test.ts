import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "../../../src/util/backoff.js";
import { LineSplitter, Tail } from "../../../src/remote/lines.js";
import { Semaphore } from "../../../src/remote/semaphore.js";

test("lines are split across chunks, multi-byte characters and CRLF included", () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  const bytes = Buffer.from("héllo\r\nwörld\nlast", "utf8");
  for (const b of bytes) splitter.push(Buffer.from([b]));
  assert.deepEqual(lines, ["héllo", "wörld"]);
  splitter.end();
  assert.deepEqual(lines, ["héllo", "wörld", "last"]);
});

test("the tail keeps only the last N lines", () => {
  const tail = new Tail(3);
  for (let i = 1; i <= 5; i++) tail.push(String(i));
  assert.deepEqual(tail.lines, ["3", "4", "5"]);
});

test("backoff grows exponentially within [cap/2, cap] and stays under the maximum", () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.equal(
    backoffDelay(0, opts, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(0, opts, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, opts, () => 0),
    400,
  );
  assert.equal(
    backoffDelay(10, opts, () => 1),
    1000,
  );
});

test("the semaphore runs at most `limit` tasks and queues the rest in order", async () => {
  const sem = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const releases: Array<() => void> = [];
  const tasks = Array.from({ length: 5 }, (_, i) =>
    sem.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => releases.push(r));
      order.push(i);
      running--;
    }),
  );
  while (order.length < 5) {
    await new Promise((r) => setImmediate(r));
    releases.shift()?.();
  }
  await Promise.all(tasks);
  assert.equal(peak, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(sem.active, 0);
  assert.throws(() => new Semaphore(0), RangeError);
});
