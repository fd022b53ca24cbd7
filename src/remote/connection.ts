import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from "ssh2";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.js";
import { backoffDelay, delay, type BackoffOptions } from "../util/backoff.js";
import { AuthFailed, RemoteError, Unreachable } from "./errors.js";
import { openBounded, type OpenCallback } from "./channel-open.js";
import { checkHostKey, hostKeyAlgorithmsFor, type HostKeyPolicy, type KnownHosts } from "./hostkeys.js";

/** Where and how to log in. Exactly one of privateKey or password is normally given. */
export interface SshTarget {
  host: string;
  port?: number;
  user: string;
  privateKey?: Buffer | string;
  /** Password auth (bootstrap only); never logged, never in argv. */
  password?: string;
  hostKey?: HostKeyPolicy;
}

export interface ConnectionOptions {
  knownHosts: KnownHosts;
  log: Logger;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  readyTimeoutMs: number;
  /** Connect attempts per call before giving up with Unreachable. */
  connectAttempts: number;
  backoff: BackoffOptions;
  /** The transport for a jumped connection (a forwarded channel of another connection). */
  openSocket?: () => Promise<Duplex>;
}

/** One established ssh2 session; `lost` is set once it is gone for good. */
export interface Live {
  client: Client;
  lost?: Error;
  sftp?: Promise<SFTPWrapper>;
  /** Called once when `lost` is set (see whenLost). */
  readonly lostHooks: Set<() => void>;
}

/** An open exec channel, its session, and the time past which its user gives up on it. */
export interface OpenedExec {
  channel: ClientChannel;
  live: Live;
  /** Date.now() value: the channel's open and its command share one budget. */
  deadlineAt: number;
}

const CHANNEL_OPEN_RETRIES = 6;
const CHANNEL_OPEN_BACKOFF: BackoffOptions = { baseMs: 10, maxMs: 500 };

export interface RoundTrips {
  exec: number;
  observe: number;
  sftp: number;
  stream: number;
  connects: number;
}

export function targetId(target: SshTarget): string {
  return `${target.user}@${target.host}:${target.port ?? 22}`;
}

/**
 * One multiplexed SSH connection, opened lazily and reopened lazily after a loss, with
 * exponential backoff between failed attempts. Everyone talking to the host shares it.
 */
export class Connection {
  readonly counters: RoundTrips = { exec: 0, observe: 0, sftp: 0, stream: 0, connects: 0 };
  private live?: Live;
  private pending?: Promise<Live>;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly target: SshTarget,
    private readonly opts: ConnectionOptions,
  ) {}

  get isOpen(): boolean {
    return this.live !== undefined && this.live.lost === undefined;
  }

  /** The live session, connecting first when there is none. */
  acquire(): Promise<Live> {
    if (this.closed) return Promise.reject(new Unreachable(this.id, "connection pool is closed"));
    if (this.live && !this.live.lost) return Promise.resolve(this.live);
    this.pending ??= this.connectWithRetry().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * Open an exec channel. sshd frees a closed session only on its next loop turn, so an
   * open right after a close can be refused (MaxSessions): such refusals are retried briefly.
   * `limitMs`, counted once connected, bounds the open (retries included) and is handed on
   * to `attach` as the deadline of the whole command.
   */
  async openExec<T>(
    command: string,
    limitMs: number,
    attach: (opened: OpenedExec) => T,
  ): Promise<{ attached: T; live: Live }> {
    let deadlineAt: number | undefined;
    for (let attempt = 0; ; attempt++) {
      const live = await this.acquire();
      const until = (deadlineAt ??= Date.now() + limitMs);
      try {
        // `attach` runs inside the callback: a fast command's exit may arrive in the same tick.
        const attached = await openBounded(
          live,
          until,
          (callback: OpenCallback<ClientChannel>) => live.client.exec(command, callback),
          (channel) => attach({ channel, live, deadlineAt: until }),
        );
        return { attached, live };
      } catch (err) {
        const refused = !live.lost && /open failed/i.test((err as Error).message);
        if (!refused || attempt >= CHANNEL_OPEN_RETRIES || Date.now() >= until)
          throw this.lostOr(live, err as Error);
        await delay(backoffDelay(attempt, CHANNEL_OPEN_BACKOFF));
      }
    }
  }

  /** The SFTP session of the live connection, opened once and reused. */
  async sftp(): Promise<{ sftp: SFTPWrapper; live: Live }> {
    const live = await this.acquire();
    live.sftp ??= new Promise<SFTPWrapper>((resolve, reject) =>
      live.client.sftp((err, sftp) => {
        if (err) {
          live.sftp = undefined;
          return reject(this.lostOr(live, err));
        }
        sftp.on("close", () => (live.sftp = undefined));
        resolve(sftp);
      }),
    );
    return { sftp: await live.sftp, live };
  }

  /** Our error as is; anything else (lost session, refused channel) as a retryable Unreachable. */
  lostOr(live: Live, err: Error): Error {
    return live.lost
      ? new Unreachable(this.id, live.lost.message)
      : err instanceof RemoteError
        ? err
        : new Unreachable(this.id, err.message);
  }

  close(): void {
    this.closed = true;
    this.live?.client.end();
    this.live = undefined;
    void this.pending?.then(
      (live) => live.client.end(),
      () => undefined,
    );
  }

  private async connectWithRetry(): Promise<Live> {
    for (let attempt = 0; ; attempt++) {
      try {
        const live = await this.connectOnce();
        this.counters.connects++;
        if (this.closed) {
          live.client.end();
          throw new Unreachable(this.id, "connection pool is closed");
        }
        this.live = live;
        return live;
      } catch (err) {
        const retryable = err instanceof RemoteError && err.retryable;
        if (!retryable || this.closed || attempt + 1 >= this.opts.connectAttempts) throw err;
        const wait = backoffDelay(attempt, this.opts.backoff);
        this.opts.log.debug(
          { attempt: attempt + 1, waitMs: wait, reason: (err as Error).message },
          "connect failed, retrying",
        );
        await delay(wait);
      }
    }
  }

  private async connectOnce(): Promise<Live> {
    const port = this.target.port ?? 22;
    const known = this.target.hostKey?.fingerprint
      ? []
      : await this.opts.knownHosts.lookup(this.target.host, port);
    const sock = this.opts.openSocket ? await this.opts.openSocket() : undefined;
    const started = Date.now();
    const live = await this.handshake(this.baseConfig(port, hostKeyAlgorithmsFor(known)), sock);
    this.opts.log.debug({ ms: Date.now() - started }, "connected");
    return live;
  }

  private baseConfig(port: number, serverHostKey: string[] | undefined): ConnectConfig {
    const { host, user, privateKey, password } = this.target;
    return {
      host,
      port,
      username: user,
      privateKey,
      password,
      tryKeyboard: password !== undefined,
      readyTimeout: this.opts.readyTimeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs,
      keepaliveCountMax: this.opts.keepaliveCountMax,
      ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as never } } : {}),
    };
  }

  private handshake(config: ConnectConfig, sock: Duplex | undefined): Promise<Live> {
    const client = new Client();
    const live: Live = { client, lostHooks: new Set() };
    let refusal: RemoteError | undefined;
    const policyTarget = { host: this.target.host, port: config.port ?? 22, id: this.id };
    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
      checkHostKey(this.opts.knownHosts, policyTarget, this.target.hostKey ?? {}, key).then(
        (err) => verify(!(refusal = err)),
        (err: Error) =>
          verify(!(refusal = new Unreachable(this.id, `checking the host key failed: ${err.message}`))),
      );
    };
    if (this.target.password !== undefined) answerPasswordPrompts(client, this.target.password);
    return new Promise<Live>((resolve, reject) => {
      const fail = (err: Error & { level?: string }): void => {
        client.end();
        reject(refusal ?? this.connectError(err));
      };
      client.once("error", fail);
      client.once("close", () => fail(new Error("connection closed during the handshake")));
      client.once("ready", () => {
        client.removeAllListeners("error").removeAllListeners("close");
        this.watchForLoss(live);
        resolve(live);
      });
      client.connect({ ...config, sock, hostVerifier });
    });
  }

  private connectError(err: Error & { level?: string }): RemoteError {
    if (err.level === "client-authentication") return new AuthFailed(this.id, err.message);
    return new Unreachable(this.id, err.message);
  }

  /** Mark the session lost on any end so in-flight work fails fast and the next call reconnects. */
  private watchForLoss(live: Live): void {
    const markLost = (err: Error): void => {
      if (live.lost) return;
      live.lost = err;
      if (this.live === live) this.live = undefined;
      if (!this.closed) this.opts.log.info({ reason: err.message }, "connection lost");
      for (const hook of live.lostHooks) hook();
      live.lostHooks.clear();
    };
    live.client.on("error", markLost);
    live.client.on("end", () => markLost(new Error("connection ended")));
    live.client.on("close", () => markLost(new Error("connection closed")));
  }
}

/** keyboard-interactive answers for servers that ask for the password that way (PAM). */
function answerPasswordPrompts(client: Client, password: string): void {
  client.on("keyboard-interactive", (_name, _instructions, _lang, prompts, finish) => {
    finish(prompts.map(() => password));
  });
}
