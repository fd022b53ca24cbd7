import type { Classified } from "../util/errors.js";

/** Typed failures of remote work, each classified here: its condition reason and whether to retry. */
export class RemoteError extends Error implements Classified {
  /** Whether retrying later may succeed without a person acting. */
  readonly retryable: boolean = true;

  /** The condition reason: the error's name (a timeout is a failed command too). */
  get reason(): string {
    return this.name === "CommandTimeout" ? "CommandFailed" : this.name;
  }
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

/** A remote command exited non-zero. Its stderr tail was redacted as it arrived (exec.ts). */
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

/** The host presented a key that nothing vouches for (no pin, no known_hosts entry, no TOFU). */
export class HostKeyUnknown extends RemoteError {
  override readonly retryable = false;
  constructor(
    readonly host: string,
    readonly actual: string,
  ) {
    super(
      `host key of ${host} (${actual}) is not pinned and trust-on-first-use is off; ` +
        `pin the fingerprint or allow trust-on-first-use to continue`,
    );
    this.name = "HostKeyUnknown";
  }
}

/** A remote command ran but its output was not what our own script promises (e.g. bad JSON). */
export class UnexpectedOutput extends RemoteError {
  override readonly retryable = false;
  constructor(
    readonly purpose: string,
    message: string,
  ) {
    super(`${purpose} printed unexpected output: ${message}`);
    this.name = "UnexpectedOutput";
  }
}

/** An SFTP operation failed on a live connection (permission denied, no such directory...). */
export class RemoteFileFailed extends RemoteError {
  constructor(
    readonly purpose: string,
    readonly path: string,
    message: string,
  ) {
    super(`${purpose} (${path}) failed: ${message}`);
    this.name = "RemoteFileFailed";
  }
}
