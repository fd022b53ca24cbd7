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
import { FileSource } from "../src/sources/filesource.js";
import { loadValidManifests } from "../src/sources/manifestloader.js";
import { reconcileStartRecorder } from "./reconcile-start.js";
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
  const { manager, timeToStart } = reconcileStartRecorder(dir);
  const source = new FileSource([join(dir, "lab.yaml")], loadValidManifests, pino({ level: "silent" }));
  await source.start(manager);
  manager.start();
  const samples: number[] = [];
  try {
    for (let i = 1; i <= edits; i++)
      samples.push(await timeToStart(() => writeFile(join(dir, "lab.yaml"), manifest(i))));
  } finally {
    await source.stop();
    await manager.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { edits, latencyMs: summarize(samples) };
}
