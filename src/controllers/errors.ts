import type { Classified } from "../util/errors.js";

/** Steps ran without error, yet the host still differs: retried with backoff. */
export class NotConverged extends Error implements Classified {
  readonly reason = "NotConverged";
  readonly retryable = true;
  constructor(readonly left: string[]) {
    super(`still not converged after applying: ${left.join(", ")}`);
    this.name = "NotConverged";
  }
}

/** A dependency resolved but cannot serve this object yet (a network on another Manager). */
export class DependencyUnusable extends Error implements Classified {
  readonly reason = "WaitingForDependency";
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = "DependencyUnusable";
  }
}
