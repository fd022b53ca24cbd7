import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandFailed } from "../../../src/remote/errors.js";
import { redactLine, redactLines } from "../../../src/remote/redact.js";

describe("redacting what a failed command printed", () => {
  it("hides values of secret-looking keys, flags and URL credentials, keeping the message", () => {
    assert.equal(redactLine("export OS_PASSWORD=hunter2"), "export OS_PASSWORD=[redacted]");
    assert.equal(
      redactLine('{"admin_password": "s3cr3t", "user": "x"}'),
      '{"admin_password": "[redacted]", "user": "x"}',
    );
    assert.equal(
      redactLine("vbmc add vm --password hunter2 --port 6230"),
      "vbmc add vm --password [redacted] --port 6230",
    );
    assert.equal(redactLine("token: abc.def"), "token: [redacted]");
    assert.equal(
      redactLine("fetch https://bob:pa55@mirror.example/x failed"),
      "fetch https://bob:[redacted]@mirror.example/x failed",
    );
    assert.equal(
      redactLine("error: network 'default' is not active"),
      "error: network 'default' is not active",
    );
  });

  it("drops private key blocks and bare base64 runs", () => {
    const lines = [
      "before",
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
      "-----END OPENSSH PRIVATE KEY-----",
      "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      "after",
    ];
    assert.deepEqual(redactLines(lines), [
      "before",
      "[redacted]",
      "[redacted]",
      "[redacted]",
      "[redacted]",
      "after",
    ]);
  });

  it("CommandFailed keeps only the redacted tail, in its fields and its message", () => {
    const err = new CommandFailed("set the manager password", 1, ["chpasswd: password=hunter2 rejected"]);
    assert.deepEqual(err.stderrTail, ["chpasswd: password=[redacted] rejected"]);
    assert.doesNotMatch(err.message, /hunter2/);
    assert.match(
      err.message,
      /^set the manager password exited 1: chpasswd: password=\[redacted\] rejected$/,
    );
  });
});
