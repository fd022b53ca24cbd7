import { KINDS, type Kind } from "../api/index.js";
import { WorkQueue } from "./workqueue.js";

/** Worker limits: one number for every kind, or per kind (unnamed kinds get the default). */
export type WorkerLimits = number | Partial<Record<Kind, number>>;

export const DEFAULT_WORKERS = 4;

/**
 * One work queue per kind, each with its own workers, as controller-runtime runs one
 * controller per kind: a 20-minute guest phase of an undercloud never takes the worker a
 * LabManager's drift repair needs.
 */
export class KindQueues {
  private readonly queues = new Map<Kind, WorkQueue>(KINDS.map((k) => [k, new WorkQueue()]));

  constructor(private readonly limits: WorkerLimits = DEFAULT_WORKERS) {}

  of(kind: Kind): WorkQueue {
    return this.queues.get(kind)!;
  }

  workersOf(kind: Kind): number {
    const n = typeof this.limits === "number" ? this.limits : (this.limits[kind] ?? DEFAULT_WORKERS);
    return Math.max(1, Math.floor(n));
  }

  /** Keys waiting in every queue. */
  get length(): number {
    return [...this.queues.values()].reduce((n, q) => n + q.length, 0);
  }

  /** Waiting or being processed in its kind's queue. */
  isPending(id: string): boolean {
    return [...this.queues.values()].some((q) => q.isPending(id));
  }

  shutDown(): void {
    for (const q of this.queues.values()) q.shutDown();
  }
}

/** "4" (every kind) or "LabManager=4,TripleOUndercloud=2" (others get the default). */
export function parseWorkerLimits(text: string): WorkerLimits {
  if (/^\d+$/.test(text.trim())) return positive(Number(text), text);
  const limits: Partial<Record<Kind, number>> = {};
  for (const part of text.split(",")) {
    const [kind, n] = part.split("=").map((s) => s.trim());
    if (!KINDS.includes(kind as Kind) || !n || !/^\d+$/.test(n))
      throw new Error(`--workers: "${part}" is not KIND=N with KIND one of ${KINDS.join(", ")}`);
    limits[kind as Kind] = positive(Number(n), part);
  }
  return limits;
}

function positive(n: number, text: string): number {
  if (n < 1) throw new Error(`--workers: "${text}" must be at least 1`);
  return n;
}
