import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promptPassword, readPasswordFile } from "../../../src/remote/password-prompt.js";

/** Test double for a terminal: no real TTY exists under the test runner. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] });
  const setRawMode = (on: boolean) => input.rawModes.push(on);
  const output = new PassThrough();
  let shown = "";
  output.on("data", (c: Buffer) => (shown += c.toString()));
  return { input: Object.assign(input, { setRawMode }), output, shown: () => shown };
}

test("prompt (fake terminal): reads one line in raw mode, never echoes, handles backspace", async () => {
  const term = fakeTerminal();
  const answer = promptPassword("Password: ", term.input, term.output);
  term.input.write("s3cx\u007fret");
  term.input.write("\r");
  assert.equal(await answer, "s3cret");
  assert.deepEqual(term.input.rawModes, [true, false]);
  assert.equal(term.shown(), "Password: \n");
});

test("prompt (fake terminal): Ctrl-C aborts", async () => {
  const term = fakeTerminal();
  const answer = promptPassword("Password: ", term.input, term.output);
  term.input.write("abc\u0003");
  await assert.rejects(answer, /aborted/);
});

test("prompt refuses a non-terminal input", async () => {
  await assert.rejects(promptPassword("Password: ", new PassThrough(), new PassThrough()), /not a terminal/);
});

test("a password file yields its first line without the line ending", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pw-"));
  writeFileSync(join(dir, "pw"), "p@ss word\r\nignored\n");
  assert.equal(await readPasswordFile(join(dir, "pw")), "p@ss word");
  writeFileSync(join(dir, "empty"), "\n");
  await assert.rejects(readPasswordFile(join(dir, "empty")), /empty/);
  rmSync(dir, { recursive: true, force: true });
});
