import type { ClientChannel } from "ssh2";
import type { Logger } from "../log.js";
import type { Connection } from "./connection.js";
import { Unreachable } from "./errors.js";
import { LineSplitter } from "./lines.js";
import { Redactor } from "./redact.js";
import type { RemoteStream } from "./types.js";
import { closeHard } from "./exec.js";

type Outcome = Awaited<RemoteStream["done"]>;
/** A stream has no deadline; only the open of its channel is bounded. */
const OPEN_LIMIT_MS = 60_000;

/**
 * Start a long-lived command (already wrapped in the stream watchdog) and deliver its stdout
 * lines. `done` says why it ended: closed by us, exited on its own, or broken with the connection.
 */
export function startStream(
  conn: Connection,
  command: string,
  onLine: (line: string) => void,
  purpose: string,
  log: Logger,
): RemoteStream {
  let closeRequested = false;
  let closeChannel: (() => void) | undefined;
  const done = (async (): Promise<Outcome> => {
    let opened;
    try {
      opened = await conn.openExec(command, OPEN_LIMIT_MS, ({ channel }) =>
        listen(channel, onLine, purpose, log),
      );
    } catch (err) {
      return { reason: "broken", error: err as Error };
    }
    const { attached, live } = opened;
    closeChannel = () => closeHard(attached.channel);
    if (closeRequested) closeChannel();
    const { exited } = await attached.ended;
    await new Promise((resolve) => setImmediate(resolve)); // let a concurrent connection loss be recorded
    if (closeRequested) return { reason: "closed" };
    if (live.lost)
      return {
        reason: "broken",
        error: new Unreachable(conn.id, `stream "${purpose}" broke: ${live.lost.message}`),
      };
    return exited
      ? { reason: "exited" }
      : {
          reason: "broken",
          error: new Unreachable(conn.id, `stream "${purpose}" closed without an exit status`),
        };
  })();
  return {
    done,
    close: () => {
      closeRequested = true;
      closeChannel?.();
    },
  };
}

/** Attach every listener at once, before any event can be missed. */
function listen(channel: ClientChannel, onLine: (line: string) => void, purpose: string, log: Logger) {
  let exited = false;
  // Remote text enters here: every line is redacted before anything sees or keeps it.
  const [out, err] = [new Redactor(), new Redactor()];
  const stdout = new LineSplitter((line) => onLine(out.line(line)));
  const stderr = new LineSplitter((line) =>
    log.debug({ purpose, stream: "stderr", line: err.line(line) }, "output"),
  );
  channel.on("data", (chunk: Buffer) => stdout.push(chunk));
  channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  channel.on("exit", () => (exited = true));
  channel.on("error", () => undefined);
  const ended = new Promise<{ exited: boolean }>((resolve) =>
    channel.on("close", () => {
      stdout.end();
      stderr.end();
      resolve({ exited });
    }),
  );
  return { channel, ended };
}
