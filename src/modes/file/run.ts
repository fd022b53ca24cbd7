import type { Logger } from "../../log.js";
import type { WorkerLimits } from "../../runtime/queues.js";
import { runUntilSignal, type Operator } from "../../runtime/runner.js";
import { serveMetrics } from "../../runtime/serve-metrics.js";
import { waitForSettled, type SettleOutcome } from "../../runtime/settle.js";
import type { ObjectState } from "../../controllers/state.js";
import { createWorkspaceHosts } from "./hosts.js";
import { createFileOperator } from "./operator.js";
import { serveStatusPage } from "./status-page.js";
import { stateDirOf } from "./state-dir.js";

export interface FileModeOptions {
  manifests: string[];
  workspace: string;
  /** Default: <workspace>/state. */
  stateDir?: string;
  workers?: WorkerLimits;
}

export { stateDirOf };

/**
 * `labctl run`: watch the manifests and the Managers, converge and repair drift until a
 * signal; /metrics on metricsAddress, the status page on web (when given).
 */
export async function runFileMode(
  opts: FileModeOptions & { metricsAddress?: string; web?: string },
  log: Logger,
): Promise<void> {
  const hosts = createWorkspaceHosts(opts.workspace, log);
  const operator = createFileOperator({
    ...opts,
    stateDir: stateDirOf(opts),
    hosts,
    log,
    watch: true,
    mutate: true,
  });
  const http = await serveMetrics(
    opts.metricsAddress,
    { ready: () => operator.manager.hasSynced, manager: () => operator.manager, pool: () => hosts.stats() },
    log,
  );
  http?.instrument(operator.manager);
  const web = opts.web ? await serveStatusPage(opts.web, operator.manager, operator.states, log) : undefined;
  await operator.start();
  log.info({ manifests: opts.manifests }, "operator running");
  await runUntilSignal(log, async () => {
    await operator.stop();
    await hosts.close();
    http?.close();
    await web?.close();
  });
  log.info("operator stopped; state saved");
}

export interface ConvergeOutcome {
  /** Every input error line, as the source reported them. */
  sourceErrors: string[];
  /** Nothing could be loaded at all: only errors. */
  nothingLoaded: boolean;
  settled?: SettleOutcome;
  /** Every object's state after the run (what `plan` prints). */
  states: ObjectState[];
}

/**
 * `labctl apply` (mutate) and `labctl plan` (observe only): converge once, until every object
 * settled (Ready at its generation, or Stalled) or the timeout passed.
 */
export async function convergeFileMode(
  opts: FileModeOptions & { mutate: boolean; timeoutMs: number },
  log: Logger,
  onStarting?: (operator: Operator) => { stop(): void },
): Promise<ConvergeOutcome> {
  const hosts = createWorkspaceHosts(opts.workspace, log, { readOnly: !opts.mutate });
  const operator = createFileOperator({ ...opts, stateDir: stateDirOf(opts), hosts, log, watch: false });
  const watcher = onStarting?.(operator);
  let settled: SettleOutcome | undefined;
  try {
    await operator.start();
    if (operator.manager.sourceErrorsSeen.length && operator.manager.cache.list().length === 0)
      return { sourceErrors: operator.manager.sourceErrorsSeen, nothingLoaded: true, states: [] };
    settled = await waitForSettled(operator.manager, operator.states, {
      timeoutMs: opts.timeoutMs,
      once: !opts.mutate,
    });
  } finally {
    await operator.stop();
    watcher?.stop();
    await hosts.close();
  }
  const states = await operator.states.list();
  return { sourceErrors: operator.manager.sourceErrorsSeen, nothingLoaded: false, settled, states };
}
