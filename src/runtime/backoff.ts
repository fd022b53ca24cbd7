/** Per-key exponential backoff with full jitter, as client-go's item rate limiter. */
export class Backoff {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 5 * 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next retry of key, counting this failure. */
  next(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** (n - 1));
    // Half fixed, half jitter: retries spread out but never collapse to zero.
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
