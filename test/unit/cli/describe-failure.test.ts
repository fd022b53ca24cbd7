import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lastFailure } from "../../../src/cli/commands/describe.js";
import type { StepRecord } from "../../../src/controllers/state.js";

const failed: StepRecord = {
  step: "network/public/start",
  description: "start libvirt network public (inactive)",
  startedAt: "2026-01-01T00:00:00Z",
  finishedAt: "2026-01-01T00:00:02Z",
  durationMs: 2000,
  result: "failed",
  error: "virsh start network public exited 1: error: Failed to start network public",
  failure: {
    purpose: "virsh start network public",
    exitCode: 1,
    stderrTail: [
      "error: Failed to start network public",
      "error: error creating bridge interface public: File exists",
    ],
  },
};

describe("labctl describe of a failed object", () => {
  it("shows the failing step, its command's purpose, how it ended and the stderr tail", () => {
    const text = lastFailure([failed]).join("\n");
    assert.match(text, /^Last failed step \(\d+d ago\):$/m);
    assert.match(text, /^ {2}Step: +network\/public\/start: start libvirt network public \(inactive\)$/m);
    assert.match(text, /^ {2}Purpose: +virsh start network public$/m);
    assert.match(text, /^ {2}Ended: +exit code 1$/m);
    assert.match(text, /^ {4}error: error creating bridge interface public: File exists$/m);
  });

  it("says nothing when no step failed, and the error alone for a failure that was not a command", () => {
    assert.deepEqual(lastFailure([{ ...failed, result: "done" }]), []);
    const { failure: _f, ...plain } = failed;
    assert.match(
      lastFailure([{ ...plain, error: "operator stopping" }]).join("\n"),
      /Error: +operator stopping/,
    );
  });
});
