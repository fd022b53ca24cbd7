import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { quoteArg, quoteArgv } from "../../../src/remote/quote.js";
import { buildRemoteCommand, scriptArgv } from "../../../src/remote/command.js";

test("safe words stay bare, everything else is single-quoted", () => {
  assert.equal(quoteArg("virsh"), "virsh");
  assert.equal(quoteArg("net-list"), "net-list");
  assert.equal(quoteArg("/etc/libvirt/qemu.conf"), "/etc/libvirt/qemu.conf");
  assert.equal(quoteArg(""), "''");
  assert.equal(quoteArg("a b"), "'a b'");
  assert.equal(quoteArg("$(reboot)"), "'$(reboot)'");
  assert.equal(quoteArg("it's"), `'it'\\''s'`);
});

test("NUL bytes and empty argv are refused", () => {
  assert.throws(() => quoteArg("a\0b"), TypeError);
  assert.throws(() => quoteArgv([]), TypeError);
});

test("a local sh reads quoted argv back unchanged", () => {
  const args = ["it's", "$(id)", "`id`", "a\nb", "\\", '"', "*", "é😀", "-n", ""];
  const out = execFileSync("sh", ["-c", quoteArgv(["printf", "%s\\0", ...args])], { encoding: "utf8" });
  assert.deepEqual(out.split("\0").slice(0, -1), args);
});

test("remote command: timeout inside sudo for a non-root login, no sudo for root", () => {
  assert.equal(
    buildRemoteCommand(["virsh", "net-list"], { sudo: true, loginIsRoot: false, timeoutMs: 90_000 }),
    "sudo -n -- timeout -s TERM -k 5 90 virsh net-list",
  );
  assert.equal(
    buildRemoteCommand(["id"], { sudo: true, loginIsRoot: true, timeoutMs: 1500 }),
    "timeout -s TERM -k 5 1.5 id",
  );
  assert.equal(buildRemoteCommand(["id"], { loginIsRoot: false }), "id");
  assert.throws(() => buildRemoteCommand(["id"], { loginIsRoot: true, timeoutMs: 0 }), RangeError);
});

test("observe scripts travel as one quoted argument with positional args after $0", () => {
  const argv = scriptArgv('echo "$1"', ["x y"]);
  assert.deepEqual(argv, ["bash", "-c", 'echo "$1"', "bash", "x y"]);
  const out = execFileSync("sh", ["-c", quoteArgv(argv)], { encoding: "utf8" });
  assert.equal(out, "x y\n");
});
