/**
 * Benchmark: manifest edit → reconcile start latency in file mode. A real FileSource
 * (chokidar) and ControllerManager run in process; the reconciler only records when it
 * starts, so the figure is the operator's own latency (watch, debounce, load, validate,
 * queue), without any SSH.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { FileStateStore } from "../src/runtime/filestate.js";
import { ControllerManager } from "../src/runtime/manager.js";
import type { Reconciler } from "../src/runtime/reconciler.js";
import { FileSource } from "../src/sources/filesource.js";
import { loadValidManifests } from "../src/sources/manifestloader.js";
import { summarize, type Summary } from "./stats.js";

const manifest = (n: number) => `apiVersion: openstacklab.io/v1alpha1
kind: LabManager
metadata:
  name: lab
spec:
  address: 10.0.0.${(n % 250) + 1}
`;

export async function benchEditLatency(edits = 30): Promise<{ edits: number; latencyMs: Summary }> {
  const dir = await mkdtemp(join(tmpdir(), "bench-edit-"));
  await writeFile(join(dir, "lab.yaml"), manifest(0));
  let started: (() => void) | undefined;
  const record: Reconciler = async () => {
    started?.();
    return {};
  };
  const manager = new ControllerManager({
    reconcilers: { LabManager: record, LibvirtNetwork: record, TripleOUndercloud: record },
    states: new FileStateStore(join(dir, "state")),
    log: pino({ level: "silent" }),
  });
  const source = new FileSource([join(dir, "lab.yaml")], loadValidManifests, pino({ level: "silent" }));
  await source.start(manager);
  manager.start();
  const samples: number[] = [];
  try {
    for (let i = 1; i <= edits; i++) {
      await new Promise((r) => setTimeout(r, 100)); // let the previous reconcile finish
      const begun = new Promise<void>((resolve) => (started = resolve));
      const t0 = performance.now();
      await writeFile(join(dir, "lab.yaml"), manifest(i));
      await begun;
      samples.push(performance.now() - t0);
    }
  } finally {
    await source.stop();
    await manager.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { edits, latencyMs: summarize(samples) };
}
