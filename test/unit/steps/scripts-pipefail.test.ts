import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

function sources(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : [],
  );
}

/**
 * Under `set -o pipefail`, `cmd | grep -q X` fails when grep finds X early and exits: cmd
 * then dies of SIGPIPE and the pipeline reports failure, so the check reads "not found"
 * exactly when it should read "found" (seen: the nftables BMC rule inserted twice).
 */
test("no host script pipes into an early-exiting grep under pipefail", () => {
  const offenders: string[] = [];
  // The operator's scripts, and the set-up and sandbox scripts (the sandbox's ip_forward and
  // nspawn checks run while other sandboxes share the host).
  const files = [
    ...sources("src", ".ts"),
    ...["scripts", "test/sandbox", "test/guest", "test/apiserver", "test/tools"].flatMap((d) =>
      sources(d, ".sh"),
    ),
  ];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("pipefail")) continue;
    text.split("\n").forEach((line, i) => {
      if (/\|\s*grep\s+(-[a-zA-Z]*[qm][a-zA-Z]*\b)/.test(line) && !/bash -c '/.test(line))
        offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});
