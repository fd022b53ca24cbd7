import { join } from "node:path";
import { pino } from "pino";
import { FileStateStore } from "../src/modes/file/filestate.js";
import { ControllerManager } from "../src/runtime/manager.js";
import type { Reconciler } from "../src/controllers/contract.js";

/**
 * A ControllerManager whose reconcilers only record that they started, so a benchmark
 * measures the operator's own latency (source, validation, queue) without any host.
 * `timeToStart(change)` times one change until the next reconcile begins.
 */
export function reconcileStartRecorder(stateDir: string) {
  let started: (() => void) | undefined;
  const record: Reconciler = async () => {
    started?.();
    return {};
  };
  const manager = new ControllerManager({
    reconcilers: {
      LabManager: record,
      LibvirtNetwork: record,
      TripleOUndercloud: record,
      OvercloudNodeSet: record,
    },
    states: new FileStateStore(join(stateDir, "state")),
    log: pino({ level: "silent" }),
  });
  async function timeToStart(change: () => Promise<unknown>): Promise<number> {
    await new Promise((r) => setTimeout(r, 100)); // let the previous reconcile finish
    const begun = new Promise<void>((resolve) => (started = resolve));
    const t0 = performance.now();
    await change();
    await begun;
    return performance.now() - t0;
  }
  return { manager, timeToStart };
}
