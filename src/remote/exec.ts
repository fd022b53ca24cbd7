import type { ClientChannel } from "ssh2";
import type { Logger } from "../log.js";
import type { ExecOptions, ExecResult, StreamName } from "./types.js";
import type { Connection, Live, OpenedExec } from "./connection.js";
import { whenLost } from "./channel-open.js";
import { CommandFailed, CommandTimeout, Unreachable } from "./errors.js";
import { DEFAULT_TIMEOUT_MS, KILL_AFTER_SECONDS } from "./command.js";
import { LineSplitter, Tail } from "./lines.js";
import { Redactor, redactText } from "./redact.js";

const STDERR_TAIL_LINES = 20;
/** Past the remote timeout and its KILL grace, the channel itself is closed locally. */
export const LOCAL_GRACE_MS = KILL_AFTER_SECONDS * 1000 + 5_000;
/**
 * How long a channel closed at its deadline waits for the peer's CHANNEL_CLOSE before the
 * exec settles without it: a peer on a dead path never sends it, and ssh2 would wait for
 * the keepalives (which never fire on a half-closed jumped session) to end the session.
 */
export const CLOSE_ANSWER_MS = 2_000;

interface Collected {
  stdout: Buffer[];
  stderr: Buffer[];
  stderrTail: Tail;
  exitCode: number | null;
  signal?: string;
  gotExit: boolean;
  deadlineHit: boolean;
}

/** Run one command line (already built by buildRemoteCommand) and classify how it ended. */
export async function runCommand(
  conn: Connection,
  command: string,
  opts: ExecOptions,
  log: Logger,
): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  log.debug({ purpose: opts.purpose }, "exec start");
  const { attached, live } = await conn.openExec(command, timeoutMs + LOCAL_GRACE_MS, (opened) =>
    collect(opened, opts, log),
  );
  const collected = await attached;
  await new Promise((resolve) => setImmediate(resolve)); // let a concurrent connection loss be recorded
  const ms = Date.now() - started;
  log.debug({ purpose: opts.purpose, exitCode: collected.exitCode, ms }, "exec done");
  return classify(conn, live, collected, { ...opts, timeoutMs }, ms);
}

function classify(
  conn: Connection,
  live: Live,
  c: Collected,
  opts: ExecOptions & { timeoutMs: number },
  ms: number,
): ExecResult {
  const tail = c.stderrTail.lines;
  if (!c.gotExit && live.lost)
    throw new Unreachable(conn.id, `connection lost during "${opts.purpose}": ${live.lost.message}`);
  const remoteTimeout = (c.exitCode === 124 || c.exitCode === 137) && ms >= opts.timeoutMs;
  if (c.deadlineHit || remoteTimeout) throw new CommandTimeout(opts.purpose, opts.timeoutMs, tail);
  if (!c.gotExit) throw new CommandFailed(opts.purpose, null, tail, "channel closed without an exit status");
  const stdout = Buffer.concat(c.stdout).toString("utf8");
  const result: ExecResult = {
    exitCode: c.exitCode,
    stdout: opts.rawStdout ? stdout : redactText(stdout),
    stderr: redactText(Buffer.concat(c.stderr).toString("utf8")),
    ...(c.signal ? { signal: c.signal } : {}),
  };
  if (c.exitCode !== 0 && !opts.allowFailure)
    throw new CommandFailed(opts.purpose, c.exitCode, tail, c.signal);
  return result;
}

/** Gather output and the exit status until the channel ends (see settleWhenEnded). */
function collect(opened: OpenedExec, opts: ExecOptions, log: Logger): Promise<Collected> {
  const { channel } = opened;
  const c: Collected = {
    stdout: [],
    stderr: [],
    stderrTail: new Tail(STDERR_TAIL_LINES),
    exitCode: null,
    gotExit: false,
    deadlineHit: false,
  };
  // Remote text enters here: every line is redacted before anything sees or keeps it.
  const lineSink = (stream: StreamName) => {
    const redactor = new Redactor();
    return (raw: string) => {
      const line = redactor.line(raw);
      if (stream === "stderr") c.stderrTail.push(line);
      if (log.isLevelEnabled("debug")) log.debug({ purpose: opts.purpose, stream, line }, "output");
      opts.onLine?.(stream, line);
    };
  };
  // stdout lines are split and scrubbed only for someone who reads them: an observe script's
  // JSON (tens of KB on one line) is parsed whole, and the kept stdout is scrubbed whole below.
  const stdoutRead = opts.onLine !== undefined || log.isLevelEnabled("debug");
  const out = stdoutRead ? new LineSplitter(lineSink("stdout")) : undefined;
  const err = new LineSplitter(lineSink("stderr"));
  return new Promise((resolve) => {
    channel.on("data", (chunk: Buffer) => (c.stdout.push(chunk), out?.push(chunk)));
    channel.stderr.on("data", (chunk: Buffer) => (c.stderr.push(chunk), err.push(chunk)));
    channel.on("exit", (code: number | null, signal?: string) => {
      c.gotExit = true;
      c.exitCode = typeof code === "number" ? code : null;
      if (signal) c.signal = signal;
    });
    channel.on("error", () => undefined); // the close that follows carries the outcome
    settleWhenEnded(opened, c, () => {
      out?.end();
      err.end();
      resolve(c);
    });
    channel.end(opts.stdin); // EOF right after stdin so nothing waits for input forever
  });
}

/**
 * Call `settle` once, on the first of: the channel closes; the session is lost (its channels
 * may never close); or the deadline passes, the channel is closed hard and the peer's close
 * does not come within CLOSE_ANSWER_MS. So every exec ends by its deadline plus that.
 */
function settleWhenEnded(opened: OpenedExec, c: Collected, settle: () => void): void {
  const { channel, live, deadlineAt } = opened;
  let settled = false;
  let unanswered: NodeJS.Timeout | undefined;
  const end = (): void => {
    if (settled) return;
    settled = true;
    clearTimeout(deadline);
    clearTimeout(unanswered);
    unwatch();
    settle();
  };
  const deadline = setTimeout(
    () => {
      c.deadlineHit = true;
      closeHard(channel);
      unanswered = setTimeout(end, CLOSE_ANSWER_MS);
    },
    Math.max(0, deadlineAt - Date.now()),
  );
  const unwatch = whenLost(live, end);
  channel.on("close", end);
}

/** Ask sshd to KILL the process (servers that support the signal request) and close the channel. */
export function closeHard(channel: ClientChannel): void {
  try {
    channel.signal("KILL");
  } catch {
    // the channel may already be closing
  }
  channel.close();
}
