import type { Kind } from "../api/index.js";
import type { Reconciler } from "../controllers/contract.js";
import type { HostAccess } from "../controllers/hostaccess.js";
import type { StateStore } from "../controllers/state.js";
import type { Logger } from "../log.js";
import type { Source } from "../sources/source.js";
import { watchHosts, type HostWatches } from "./host-watches.js";
import { ControllerManager } from "./manager.js";
import type { WorkerLimits } from "./queues.js";

export interface OperatorParts {
  source: Source;
  states: StateStore;
  reconcilers: Record<Kind, Reconciler>;
  hosts: HostAccess;
  log: Logger;
  mutate: boolean;
  workers?: WorkerLimits;
  /** Open the Managers' event streams (event-driven drift) once they are Ready. */
  watchHosts: boolean;
}

/**
 * One operator, started the same way in every mode and command: the source lists the
 * desired objects (synced), saved state adds what it knows only from before (objects to keep
 * or clean up), the workers start, and host event streams open as Managers become Ready.
 * stop() ends them in reverse, letting each running reconcile finish its current step.
 */
export class Operator {
  readonly manager: ControllerManager;
  private watches?: HostWatches;
  private started = false;

  constructor(private readonly parts: OperatorParts) {
    this.manager = new ControllerManager({
      reconcilers: parts.reconcilers,
      states: parts.states,
      log: parts.log,
      mutate: parts.mutate,
      workers: parts.workers,
    });
  }

  get states(): StateStore {
    return this.parts.states;
  }

  async start(): Promise<void> {
    await this.load();
    this.run();
  }

  /** The desired objects: what the source lists, then what only saved state knows of. */
  async load(): Promise<void> {
    await this.parts.source.start(this.manager);
    await this.manager.adoptSavedState();
  }

  /** Workers, and the host event streams that open as Managers become Ready. */
  run(): void {
    const { states, hosts, log } = this.parts;
    if (this.parts.watchHosts) this.watches = watchHosts(this.manager, states, hosts, log);
    this.manager.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    await this.parts.source.stop();
    await this.watches?.stop();
    if (this.started) await this.manager.stop();
    else await this.manager.flushReports();
  }
}

/** Graceful stop waits for running steps, but not forever: a stuck one must not hang the process. */
export const STOP_DEADLINE_MS = 60_000;

/**
 * Run until SIGINT or SIGTERM, then stop within the deadline (state is saved after every
 * step, so exiting at the deadline loses nothing that a restart cannot resume).
 */
export async function runUntilSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, "stopping: finishing the current step of each reconcile");
      resolve();
    };
    process.once("SIGINT", () => onSignal("SIGINT"));
    process.once("SIGTERM", () => onSignal("SIGTERM"));
  });
  const timer = setTimeout(() => {
    log.error(
      { deadlineMs: STOP_DEADLINE_MS },
      "graceful stop took too long; exiting (state was saved after each step)",
    );
    process.exit(1);
  }, STOP_DEADLINE_MS);
  timer.unref();
  await stop();
  clearTimeout(timer);
}
