/**
 * One operator, in this process, over a directory of manifests: the same wiring as
 * `labctl apply` (workspace hosts, file source, controller manager, reconcilers), used to
 * time full passes. A pass enqueues every object once and waits until each was reconciled;
 * the first pass (connect, key check) is reported apart from the steady-state ones.
 *
 * Also runnable alone, so each measurement gets a fresh process (RSS per N):
 *   node --import tsx bench/operator-pass.ts '{"manifests":"DIR","workspace":"DIR","mutate":false,"passes":3}'
 */
import { pathToFileURL } from "node:url";
import { keyString, type ObjectKey } from "../src/api/index.js";
import { createWorkspaceHosts } from "../src/modes/file/hosts.js";
import { createFileOperator } from "../src/modes/file/operator.js";
import { createLogger } from "../src/log.js";
import type { PoolStats } from "../src/remote/pool.js";
import { objectKey } from "../src/runtime/cache.js";
import { liveHeapMiB, summarize, type Summary } from "./stats.js";

export interface PassOptions {
  manifests: string;
  workspace: string;
  /** false: observe and plan only (labctl plan); nothing is changed on the hosts. */
  mutate: boolean;
  passes: number;
  workers?: number;
}

export interface PassResult {
  objects: number;
  hosts: number;
  workers: number;
  /** Connect + first reconcile of every object. */
  firstPassMs: number;
  passMs: Summary;
  /** exec + observe + sftp + stream per steady-state pass, all hosts together. */
  roundTripsPerPass: Summary;
  /** Connections opened during the steady-state passes (0: every pass reused the pool). */
  reconnects: number;
  /** Operator CPU (user + system) per steady-state pass. */
  cpuMsPerPass: Summary;
  /** Resident set size after the passes, MiB. */
  rssMiB: number;
  heapUsedMiB: number;
  /** After a full collection: what the operator holds, and the RSS then. */
  liveHeapMiB: number;
  rssAfterGcMiB: number;
  /** Reconciles that failed (should be 0: the figures are for healthy hosts). */
  errors: number;
}

const roundTrips = (s: PoolStats) =>
  Object.values(s.hosts).reduce((n, h) => n + h.exec + h.observe + h.sftp + h.stream, 0);
const connects = (s: PoolStats) => Object.values(s.hosts).reduce((n, h) => n + h.connects, 0);

export async function runPasses(opts: PassOptions): Promise<PassResult> {
  const log = createLogger({ level: "silent" });
  const hosts = createWorkspaceHosts(opts.workspace, log);
  const workers = opts.workers ?? 4;
  const operator = createFileOperator({
    manifests: [opts.manifests],
    stateDir: `${opts.workspace}/state`,
    hosts,
    log,
    watch: false,
    mutate: opts.mutate,
    workers,
  });
  const { manager } = operator;
  let waiting = new Set<string>();
  let wake: (() => void) | undefined;
  let errors = 0;
  manager.onReconciled((key, outcome) => {
    if (outcome === "error") errors++;
    waiting.delete(keyString(key));
    if (waiting.size === 0) wake?.();
  });
  await operator.load();
  const keys: ObjectKey[] = manager.cache.list().map((e) => objectKey(e.object));
  const pass = async (enqueue: boolean): Promise<number> => {
    const done = new Promise<void>((r) => (wake = r));
    waiting = new Set(keys.map(keyString));
    const t0 = performance.now();
    if (enqueue) for (const k of keys) manager.enqueue(k);
    else operator.run(); // load() enqueued every key already
    await done;
    return performance.now() - t0;
  };
  try {
    const firstPassMs = await pass(false);
    const firstErrors = errors;
    const ms: number[] = [];
    const trips: number[] = [];
    const cpu: number[] = [];
    const connectsBefore = connects(hosts.stats());
    for (let i = 0; i < opts.passes; i++) {
      const before = roundTrips(hosts.stats());
      const c0 = process.cpuUsage();
      ms.push(await pass(true));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      trips.push(roundTrips(hosts.stats()) - before);
    }
    const mem = process.memoryUsage();
    return {
      objects: keys.length,
      hosts: Object.keys(hosts.stats().hosts).length,
      workers,
      firstPassMs,
      passMs: summarize(ms),
      roundTripsPerPass: summarize(trips),
      reconnects: connects(hosts.stats()) - connectsBefore,
      cpuMsPerPass: summarize(cpu),
      rssMiB: mem.rss / 2 ** 20,
      heapUsedMiB: mem.heapUsed / 2 ** 20,
      liveHeapMiB: liveHeapMiB(),
      rssAfterGcMiB: process.memoryUsage().rss / 2 ** 20,
      errors: errors - firstErrors,
    };
  } finally {
    await operator.stop();
    await hosts.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await runPasses(JSON.parse(process.argv[2] ?? "{}") as PassOptions);
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}
