export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay is fixed, the
 * other half random, so retrying callers spread out yet never retry immediately.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const capped = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** Per-key failure counts over backoffDelay, as client-go's item rate limiter. */
export class Backoff {
  private readonly failures = new Map<string, number>();
  private readonly opts: BackoffOptions;

  constructor(
    baseMs = 500,
    maxMs = 5 * 60_000,
    private readonly random: () => number = Math.random,
  ) {
    this.opts = { baseMs, maxMs };
  }

  /** The delay before the next retry of key, counting this failure. */
  next(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return backoffDelay(n - 1, this.opts, this.random);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** Spread a period by ±fraction, so many objects with one interval do not fire in lockstep. */
export function jittered(ms: number, fraction = 0.1, random = Math.random): number {
  return Math.round(ms * (1 - fraction + 2 * fraction * random()));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
