import { rootLogger, type Logger } from "../log.js";
import { backoffDelay, type BackoffOptions } from "../util/backoff.js";
import type { RemoteHost } from "./types.js";

/**
 * Long-lived event streams on Managers, like an informer's watch: one remote command per
 * Manager whose output lines are events. A stream that ends is reopened with backoff, and
 * after each reopen `onReconnect` runs, since events may have been missed meanwhile.
 */
export interface HostStreamOptions {
  log?: Logger;
  backoff?: BackoffOptions;
  /** A stream that lived this long counts as healthy: the next break starts backoff over. */
  healthyAfterMs?: number;
}

export interface StreamSpec {
  argv: readonly string[];
  purpose: string;
  onLine: (line: string) => void;
  onReconnect: () => void;
}

interface Session {
  managerKey: string;
  host: () => Promise<RemoteHost>;
  spec: StreamSpec;
  stopped: boolean;
  close?: () => void;
  wake?: () => void;
  loop?: Promise<void>;
}

export class HostStreams {
  private readonly sessions = new Map<string, Session>();
  private readonly log: Logger;

  constructor(
    private readonly opts: HostStreamOptions = {},
    component = "host-streams",
  ) {
    this.log = (opts.log ?? rootLogger()).child({ component });
  }

  /** Open the stream on a Manager (no-op if open). host may be a connector, called per attempt. */
  start(managerKey: string, host: RemoteHost | (() => Promise<RemoteHost>), spec: StreamSpec): void {
    if (this.sessions.has(managerKey)) return;
    const connect = typeof host === "function" ? host : () => Promise.resolve(host);
    const session: Session = { managerKey, host: connect, spec, stopped: false };
    this.sessions.set(managerKey, session);
    session.loop = this.run(session);
  }

  watching(managerKey: string): boolean {
    return this.sessions.has(managerKey);
  }

  /** Stop one Manager's stream, or all of them; resolves when they have ended. */
  async stop(managerKey?: string): Promise<void> {
    const targets = managerKey
      ? [this.sessions.get(managerKey)].filter((s): s is Session => !!s)
      : [...this.sessions.values()];
    for (const s of targets) {
      s.stopped = true;
      s.close?.();
      s.wake?.();
      this.sessions.delete(s.managerKey);
    }
    await Promise.all(targets.map((s) => s.loop));
  }

  private async run(s: Session): Promise<void> {
    let failures = 0;
    for (let connected = 0; !s.stopped; connected++) {
      const startedAt = Date.now();
      const outcome = await this.streamOnce(s, connected > 0);
      if (s.stopped) break;
      if (Date.now() - startedAt >= (this.opts.healthyAfterMs ?? 30_000)) failures = 0;
      const wait = backoffDelay(failures++, this.opts.backoff);
      this.log.warn(
        { manager: s.managerKey, reason: outcome, retryInMs: wait },
        `${s.spec.purpose}: stream ended; reconnecting`,
      );
      await this.pause(s, wait);
    }
  }

  private async streamOnce(s: Session, reconnected: boolean): Promise<string> {
    let host: RemoteHost;
    try {
      host = await s.host();
    } catch (err) {
      return `connect failed: ${(err as Error).message}`;
    }
    if (s.stopped) return "stopped";
    const stream = host.stream(s.spec.argv, s.spec.onLine, { purpose: s.spec.purpose, sudo: true });
    s.close = () => stream.close();
    if (reconnected) s.spec.onReconnect();
    const done = await stream.done;
    s.close = undefined;
    return done.error ? `${done.reason}: ${done.error.message}` : done.reason;
  }

  /** Backoff that stop() cuts short. */
  private pause(s: Session, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      s.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
