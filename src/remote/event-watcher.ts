import type { ObjectKey } from "../api/index.js";
import { rootLogger, type Logger } from "../log.js";
import { HostStreams, type HostStreamOptions } from "./streams.js";
import type { RemoteHost } from "./types.js";

/** A long-lived command whose output lines say which objects to look at again. */
export interface LineWatch<T> {
  /** The command; a function of the candidates when what it watches depends on their specs. */
  argv: readonly string[] | ((candidates: T[]) => readonly string[]);
  purpose: string;
  /**
   * The keys a line concerns among the candidates; called without a line after a
   * reconnect, when events may have been missed: then every key that may be affected.
   */
  affected(line: string | undefined, candidates: T[]): ObjectKey[];
  /** How a line that concerns objects is logged (debug): the message and its fields. */
  describe?(line: string): { msg: string; fields?: Record<string, unknown> };
}

export interface EventWatcherOptions extends HostStreamOptions {
  /** Every line, ours or not (metrics, tests). */
  onLine?: (managerKey: string, line: string) => void;
  component?: string;
}

/**
 * Event-driven drift, like an informer's watch: one stream per Manager whose lines re-queue
 * the objects they concern within about a second instead of at the next resync. Events only
 * enqueue keys; the reconciler still observes and decides (level-triggered).
 */
export class EventWatcher<T> {
  private readonly streams: HostStreams;
  private readonly log: Logger;
  /** The command each watched Manager's stream runs, to notice when the candidates change it. */
  private readonly commands = new Map<string, string>();

  constructor(
    private readonly watch: LineWatch<T>,
    private readonly opts: EventWatcherOptions = {},
  ) {
    const component = opts.component ?? "host-events";
    this.streams = new HostStreams(opts, component);
    this.log = (opts.log ?? rootLogger()).child({ component });
  }

  /**
   * Watch one Manager (no-op if watched with the same command; a command that the candidates
   * changed, such as a renamed user's files, replaces the stream). host may be a connector,
   * called per attempt.
   */
  start(
    managerKey: string,
    host: RemoteHost | (() => Promise<RemoteHost>),
    candidatesOf: () => T[],
    enqueue: (key: ObjectKey) => void,
  ): void {
    const argv = typeof this.watch.argv === "function" ? this.watch.argv(candidatesOf()) : this.watch.argv;
    const command = JSON.stringify(argv);
    const running = this.commands.get(managerKey);
    if (running === command) return;
    this.commands.set(managerKey, command);
    if (running !== undefined) {
      void this.streams.stop(managerKey).then(() => {
        if (this.commands.get(managerKey) === command)
          this.open(managerKey, host, argv, candidatesOf, enqueue);
      });
      return;
    }
    this.open(managerKey, host, argv, candidatesOf, enqueue);
  }

  private open(
    managerKey: string,
    host: RemoteHost | (() => Promise<RemoteHost>),
    argv: readonly string[],
    candidatesOf: () => T[],
    enqueue: (key: ObjectKey) => void,
  ): void {
    this.streams.start(managerKey, host, {
      argv,
      purpose: this.watch.purpose,
      onLine: (line) => {
        this.opts.onLine?.(managerKey, line);
        const keys = this.watch.affected(line, candidatesOf());
        if (keys.length) {
          const { msg, fields } = this.watch.describe?.(line) ?? { msg: "host event", fields: { line } };
          this.log.debug({ manager: managerKey, ...fields }, msg);
        }
        keys.forEach(enqueue);
      },
      onReconnect: () => this.watch.affected(undefined, candidatesOf()).forEach(enqueue),
    });
  }

  watching(managerKey: string): boolean {
    return this.streams.watching(managerKey);
  }

  /** Stop one Manager's watch, or all of them; resolves when their streams have ended. */
  stop(managerKey?: string): Promise<void> {
    if (managerKey === undefined) this.commands.clear();
    else this.commands.delete(managerKey);
    return this.streams.stop(managerKey);
  }
}
