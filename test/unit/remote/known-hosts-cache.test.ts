/**
 * KnownHosts keeps the file as last read and reads it again only when a stat says it is
 * another file. Model: any sequence of our own writes (add, pin, replace, remove) and other
 * writers' (an atomic replace with any content, an edit in place that changes the size, a
 * removal), with lookups in between; every lookup must equal a fresh parse of the file.
 * Not covered, by design: an edit in place that keeps the size within one clock tick of the
 * last read (the stat cannot tell it from the file read).
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import {
  findKnownHosts,
  KnownHosts,
  knownHostsName,
  parsePublicKeyLine,
} from "../../../src/remote/hostkeys.js";
import { generateKeyPair } from "../../../src/workspace/keys.js";

const dir = mkdtempSync(join(tmpdir(), "known-hosts-cache-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = Array.from({ length: 4 }, (_, i) => generateKeyPair("ed25519", `k${i}@test`).publicKey);
const HOSTS = [
  { host: "192.168.24.1", port: 22 },
  { host: "192.168.24.1", port: 2222 },
  { host: "10.0.0.5", port: 22 },
];

type Op =
  | { op: "add" | "pin" | "replace"; h: number; k: number }
  | { op: "remove"; h: number }
  | { op: "theirAtomic"; lines: Array<[number, number]> }
  | { op: "theirAppend"; h: number; k: number }
  | { op: "theirUnlink" }
  | { op: "lookup"; h: number };

const h = fc.nat({ max: HOSTS.length - 1 });
const k = fc.nat({ max: KEYS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("add" as const, "pin" as const, "replace" as const), h, k }),
  fc.record({ op: fc.constant("remove" as const), h }),
  fc.record({ op: fc.constant("theirAtomic" as const), lines: fc.array(fc.tuple(h, k), { maxLength: 4 }) }),
  fc.record({ op: fc.constant("theirAppend" as const), h, k }),
  fc.record({ op: fc.constant("theirUnlink" as const) }),
  fc.record({ op: fc.constant("lookup" as const), h }),
);

const line = (hi: number, ki: number) => {
  const { host, port } = HOSTS[hi]!;
  return `${knownHostsName(host, port)} ${KEYS[ki]!.split(" ").slice(0, 2).join(" ")}\n`;
};
const onDisk = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

test("every lookup equals a fresh parse of the file, whoever wrote it last (fast-check model)", async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      const path = join(dir, `known_hosts-${run++}`);
      const store = new KnownHosts(path);
      for (const o of ops) {
        if (o.op === "lookup") {
          const { host, port } = HOSTS[o.h]!;
          const got = await store.lookup(host, port);
          const want = findKnownHosts(onDisk(path), knownHostsName(host, port));
          assert.deepEqual(
            got.map((e) => e.keyBlob.toString("base64")),
            want.map((e) => e.keyBlob.toString("base64")),
            `${JSON.stringify(o)} after ${JSON.stringify(ops)}`,
          );
        } else if (o.op === "add" || o.op === "pin") {
          const { host, port } = HOSTS[o.h]!;
          await store[o.op](host, port, parsePublicKeyLine(KEYS[o.k]!).keyBlob);
        } else if (o.op === "replace") {
          const { host, port } = HOSTS[o.h]!;
          await store.replace(host, port, KEYS[o.k]!);
        } else if (o.op === "remove") {
          const { host, port } = HOSTS[o.h]!;
          await store.remove(host, port);
        } else if (o.op === "theirAtomic") {
          writeFileSync(`${path}.theirs`, o.lines.map(([a, b]) => line(a, b)).join(""));
          renameSync(`${path}.theirs`, path);
        } else if (o.op === "theirAppend") {
          appendFileSync(path, line(o.h, o.k)); // in place, and always a new size
        } else {
          rmSync(path, { force: true });
        }
      }
    }),
    { numRuns: 150 },
  );
});
