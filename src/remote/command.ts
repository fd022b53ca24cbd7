import { quoteArgv } from "./quote.js";

/** Remote commands are killed after this long unless the caller says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** Seconds between TERM and KILL when the remote `timeout` fires. */
export const KILL_AFTER_SECONDS = 5;

export interface CommandShape {
  sudo?: boolean;
  loginIsRoot: boolean;
  /** Omit for long-lived streams, which end when their channel closes instead. */
  timeoutMs?: number;
}

/** `sudo -n --` when privileges are asked for and the login is not root already. */
export function sudoPrefix(sudo: boolean | undefined, loginIsRoot: boolean): string[] {
  return sudo && !loginIsRoot ? ["sudo", "-n", "--"] : [];
}

/**
 * The one command line sent to sshd, built only with the quoting layer. The remote
 * `timeout` (inside sudo, so it may kill root processes) kills the whole process group
 * on expiry: TERM first, KILL a few seconds later.
 */
export function buildRemoteCommand(argv: readonly string[], shape: CommandShape): string {
  if (argv.length === 0) throw new TypeError("empty argv");
  const limit =
    shape.timeoutMs === undefined
      ? []
      : ["timeout", "-s", "TERM", "-k", String(KILL_AFTER_SECONDS), secondsArg(shape.timeoutMs)];
  return quoteArgv([...sudoPrefix(shape.sudo, shape.loginIsRoot), ...limit, ...argv]);
}

function secondsArg(ms: number): string {
  if (!(ms > 0)) throw new RangeError(`timeout must be positive, got ${ms} ms`);
  return (Math.ceil(ms) / 1000).toString();
}

/**
 * argv that runs a constant script of ours with quoted positional arguments:
 * `bash -c SCRIPT bash ARG...` so "$1".. inside SCRIPT are the arguments, byte for byte.
 */
export function scriptArgv(script: string, args: readonly string[]): string[] {
  return ["bash", "-c", script, "bash", ...args];
}

/**
 * Wraps a long-lived command so it dies when its channel closes or the connection drops:
 * a watcher reads the channel's stdin (kept on fd 3, since background jobs get /dev/null)
 * and kills the command at EOF, which sshd delivers when the session goes away.
 */
export const STREAM_WATCHDOG = [
  "exec 3<&0",
  '"$@" </dev/null & child=$!',
  '{ cat <&3 >/dev/null 2>&1; kill -TERM "$child" 2>/dev/null; } >/dev/null 2>&1 &',
  'wait "$child"',
].join("\n");
