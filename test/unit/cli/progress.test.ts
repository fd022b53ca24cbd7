import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { ControllerManager } from "../../../src/runtime/manager.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";
import type { Reconciler } from "../../../src/controllers/contract.js";
import { emptyState } from "../../../src/controllers/state.js";
import { labObjects } from "../topology/fixtures.js";
import {
  finishedLine,
  formatDuration,
  previousDuration,
  progressLine,
  showProgress,
} from "../../../src/cli/progress.js";
import type { StepRecord } from "../../../src/controllers/state.js";

const step = (id: string, result: StepRecord["result"], durationMs?: number): StepRecord => ({
  step: id,
  description: id,
  startedAt: "2026-01-01T00:00:00Z",
  result,
  ...(durationMs !== undefined ? { durationMs } : {}),
});

describe("apply progress", () => {
  it("formats durations as seconds, minutes and hours", () => {
    assert.deepEqual(
      [formatDuration(400), formatDuration(4_400), formatDuration(125_000), formatDuration(3_780_000)],
      ["0s", "4s", "2m05s", "1h03m"],
    );
  });

  it("shows elapsed time and, from the last successful run, what is left", () => {
    const a = { object: "LabManager/lab", description: "install packages", startedAt: 0, previousMs: 90_000 };
    assert.equal(
      progressLine(a, 30_000, 0, 200),
      "⠋ LabManager/lab  install packages  30s, about 1m00s left",
    );
    assert.equal(
      progressLine(a, 120_000, 1, 200),
      "⠙ LabManager/lab  install packages  2m00s, longer than last time",
    );
    const { previousMs: _p, ...noEta } = a;
    assert.equal(progressLine(noEta, 5_000, 2, 200), "⠹ LabManager/lab  install packages  5s");
  });

  it("cuts the live line to the terminal width", () => {
    const line = progressLine({ object: "X/y", description: "z".repeat(100), startedAt: 0 }, 0, 0, 40);
    assert.equal([...line].length, 40);
    assert.ok(line.endsWith("…"));
  });

  it("takes the ETA from the last done run of the same step, ignoring failed and running ones", () => {
    const steps = [
      step("a", "done", 10),
      step("b", "done", 20),
      step("a", "done", 30),
      step("a", "failed", 1),
      step("a", "running"),
    ];
    assert.equal(previousDuration(steps, "a"), 30);
    assert.equal(previousDuration(steps, "c"), undefined);
  });

  it("prints a permanent line per finished step, with drift and failure reason", () => {
    assert.equal(
      finishedLine(
        "LibvirtNetwork/n",
        { step: "s", description: "start n", result: "done", drift: "destroyed by hand" },
        1500,
      ),
      "✓ LibvirtNetwork/n  start n (drift: destroyed by hand)  2s",
    );
    assert.equal(
      finishedLine(
        "LibvirtNetwork/n",
        { step: "s", description: "start n", result: "failed", reason: "CommandFailed" },
        800,
      ),
      "✗ LibvirtNetwork/n  start n  1s failed: CommandFailed",
    );
  });
});

describe("apply progress wired to a controller manager", () => {
  /** A manager whose LabManager reconciler runs one step "pkgs" that takes ~300 ms. */
  async function runOnce(tty: boolean): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "progress-"));
    const states = new FileStateStore(dir);
    const previous = emptyState("LabManager", "default", "lab");
    previous.steps = [{ ...step("pkgs", "done", 60_000), description: "install packages" }];
    await states.save(previous);
    const reconcile: Reconciler = async (ctx) => {
      ctx.emitStep({ step: "pkgs", description: "install packages", result: "started" });
      await new Promise((r) => setTimeout(r, 300));
      ctx.emitStep({ step: "pkgs", description: "install packages", result: "done", durationMs: 300 });
      return {};
    };
    const manager = new ControllerManager({
      reconcilers: {
        LabManager: reconcile,
        LibvirtNetwork: reconcile,
        TripleOUndercloud: reconcile,
        OvercloudNodeSet: reconcile,
      },
      states,
      log: pino({ level: "silent" }),
    });
    const out = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
    let text = "";
    out.on("data", (d: Buffer) => (text += d.toString()));
    const progress = showProgress(manager, states, out as unknown as NodeJS.WriteStream);
    manager.start();
    const reconciled = new Promise<void>((r) => manager.onReconciled(() => r()));
    manager.upsert(
      labObjects().find((o) => o.kind === "LabManager")!,
      {},
    );
    await reconciled;
    await manager.stop();
    progress.stop();
    await rm(dir, { recursive: true, force: true });
    return text;
  }

  it("without a TTY: one plain line when a step starts and one when it ends, no escape codes", async () => {
    const text = await runOnce(false);
    assert.deepEqual(text.split("\n").filter(Boolean), [
      "… LabManager/lab  install packages",
      "✓ LabManager/lab  install packages  0s",
    ]);
  });

  it("on a TTY: a redrawn spinner line with elapsed time and the ETA from the last run", async () => {
    const text = await runOnce(true);
    assert.match(text, /⠋ LabManager\/lab {2}install packages {2}0s, about 1m00s left\n/);
    assert.ok(text.includes("\x1b[1A\x1b[J"), "the live line is erased before it is redrawn");
    assert.match(text, /✓ LabManager\/lab {2}install packages {2}0s\n$/);
  });
});
