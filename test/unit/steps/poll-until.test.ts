import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { POLL_UNTIL } from "../../../src/steps/bash.js";

/** Run a script that uses poll_until with the local bash; its exit status. */
function status(script: string, ...args: string[]): number | null {
  return spawnSync("bash", ["-c", `${POLL_UNTIL}set -euo pipefail\n${script}`, "poll", ...args]).status;
}

test("poll_until returns as soon as the command succeeds", () => {
  assert.equal(status("poll_until 5 true || exit 7"), 0);
});

test("poll_until gives up with status 1 once its seconds have passed", () => {
  assert.equal(status('poll_until 1 false || exit "$?"'), 1);
});

test("poll_until waits for a condition that becomes true later, running functions too", () => {
  const dir = mkdtempSync(join(tmpdir(), "poll-"));
  try {
    const script = 'ready() { test -e "$1/flag"; }\n(sleep 0.4; touch "$1/flag") &\npoll_until 10 ready "$1"';
    assert.equal(status(script, dir), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
