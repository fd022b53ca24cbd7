import { test } from "node:test";
import assert from "node:assert/strict";
import { generatePassword, PASSWORD_ALPHABET } from "../../../src/workspace/password.js";

test("passwords are 25 characters of [A-Za-z0-9]", () => {
  for (let i = 0; i < 200; i++) assert.match(generatePassword(), /^[A-Za-z0-9]{25}$/);
});

test("bytes at or above 248 are rejected rather than folded (no modulo bias)", () => {
  // Test double for the CSPRNG: scripted bytes make the rejection observable.
  const scripted = [255, 248, 0, 61, 62, 247];
  const fake = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => scripted[i % scripted.length] ?? 0));
  assert.equal(generatePassword(4, fake), "A9A9"); // 255, 248 skipped; 0→A, 61→9, 62→A, 247→9
});

test("every character of the alphabet turns up with roughly equal frequency", () => {
  const counts = new Map<string, number>();
  const total = 62 * 25 * 40;
  for (let i = 0; i < total / 25; i++) for (const ch of generatePassword()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  assert.equal(counts.size, PASSWORD_ALPHABET.length);
  for (const [ch, n] of counts) assert.ok(n > 1000 * 0.75 && n < 1000 * 1.25, `${ch}: ${n}`);
});
