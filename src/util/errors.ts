/**
 * How a failure is handled, decided once where the error is raised: a PascalCase reason for
 * conditions and events, and whether retrying later (with backoff) may succeed without a
 * person acting. Errors that carry neither are unexpected: retryable, reason ReconcileError.
 */
export interface Classified {
  readonly reason: string;
  readonly retryable: boolean;
}

export function classify(err: unknown): Classified & { message: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const c = e as Partial<Classified>;
  // An error that names itself (Unreachable, SecretMissing) keeps that name as its reason.
  const named = e.name !== "Error" && /^[A-Z][A-Za-z]+$/.test(e.name) ? e.name : "ReconcileError";
  return {
    reason: typeof c.reason === "string" && c.reason ? c.reason : named,
    retryable: typeof c.retryable === "boolean" ? c.retryable : true,
    message: e.message,
  };
}

/** Refused until a person changes the spec or the host: terminal, with its own reason. */
export class Refused extends Error implements Classified {
  readonly retryable = false;
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "Refused";
  }
}
