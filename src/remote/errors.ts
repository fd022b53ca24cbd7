/** Typed failures of remote work; the runtime maps each to a condition reason and a backoff. */
export class RemoteError extends Error {
  /** Whether retrying later may succeed without a person acting. */
  readonly retryable: boolean = true;
}

/** The host could not be reached, or the connection dropped. */
export class Unreachable extends RemoteError {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`${host} unreachable: ${message}`);
    this.name = "Unreachable";
  }
}

/** The host presented a key other than the pinned one; nothing was executed. */
export class HostKeyChanged extends RemoteError {
  override readonly retryable = false;
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `host key of ${host} changed: expected ${expected}, got ${actual}; ` +
        `verify the host and update the pinned fingerprint to continue`,
    );
    this.name = "HostKeyChanged";
  }
}

/** Authentication was refused. */
export class AuthFailed extends RemoteError {
  override readonly retryable = false;
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`${host} refused authentication: ${message}`);
    this.name = "AuthFailed";
  }
}

/** A remote command exited non-zero. */
export class CommandFailed extends RemoteError {
  constructor(
    readonly purpose: string,
    readonly exitCode: number | null,
    readonly stderrTail: string[],
    readonly signal?: string,
  ) {
    const how = exitCode === null ? `was killed (${signal ?? "unknown signal"})` : `exited ${exitCode}`;
    const tail = stderrTail.length ? `: ${stderrTail.join(" | ")}` : "";
    super(`${purpose} ${how}${tail}`);
    this.name = "CommandFailed";
  }
}

/** A remote command ran past its timeout and was killed. */
export class CommandTimeout extends CommandFailed {
  constructor(
    purpose: string,
    readonly timeoutMs: number,
    stderrTail: string[],
  ) {
    super(purpose, null, stderrTail, `timeout after ${timeoutMs} ms`);
    this.name = "CommandTimeout";
  }
}
