import type { Logger } from "../log.js";
import { buildRemoteCommand, DEFAULT_TIMEOUT_MS, scriptArgv, STREAM_WATCHDOG } from "./command.js";
import type { Connection } from "./connection.js";
import { UnexpectedOutput } from "./errors.js";
import { runCommand } from "./exec.js";
import { redactText } from "./redact.js";
import type { Semaphore } from "./semaphore.js";
import { readRemoteFile, uploadFile } from "./sftp.js";
import { startStream } from "./stream.js";
import type { ExecOptions, ExecResult, RemoteHost, RemoteStream, UploadOptions } from "./types.js";

/**
 * RemoteHost over one pooled ssh2 connection. Exec channels are capped by a per-host
 * semaphore (below sshd's MaxSessions); SFTP requests share one session channel uncapped.
 */
export class SshHost implements RemoteHost {
  constructor(
    readonly connection: Connection,
    private readonly channels: Semaphore,
    private readonly log: Logger,
    private readonly loginIsRoot: boolean,
  ) {}

  get id(): string {
    return this.connection.id;
  }

  exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    this.connection.counters.exec++;
    return this.run(argv, opts);
  }

  async observe<T = unknown>(script: string, args: readonly string[], opts: ExecOptions): Promise<T> {
    this.connection.counters.observe++;
    // Our script's JSON, parsed and never kept as text: redacting it could break its syntax.
    const { stdout } = await this.run(scriptArgv(script, args), {
      ...opts,
      allowFailure: false,
      rawStdout: true,
    });
    try {
      return JSON.parse(stdout) as T;
    } catch (err) {
      const start = redactText(stdout.slice(0, 120)).replace(/\s+/g, " ");
      throw new UnexpectedOutput(
        opts.purpose,
        `not JSON (${(err as Error).message}); output began: ${start}`,
      );
    }
  }

  upload(path: string, content: string | Buffer, opts?: UploadOptions): Promise<void> {
    this.connection.counters.sftp++;
    return uploadFile(this.connection, this, path, content, opts);
  }

  readFile(path: string): Promise<Buffer | null> {
    this.connection.counters.sftp++;
    return readRemoteFile(this.connection, path);
  }

  /** Long-lived: not counted against the exec cap (a few per host, e.g. one event loop). */
  stream(
    argv: readonly string[],
    onLine: (line: string) => void,
    opts: { purpose: string; sudo?: boolean },
  ): RemoteStream {
    this.connection.counters.stream++;
    const command = buildRemoteCommand(scriptArgv(STREAM_WATCHDOG, argv), {
      sudo: opts.sudo,
      loginIsRoot: this.loginIsRoot,
    });
    return startStream(this.connection, command, onLine, opts.purpose, this.log);
  }

  private run(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    const command = buildRemoteCommand(argv, {
      sudo: opts.sudo,
      loginIsRoot: this.loginIsRoot,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return this.channels.run(() => runCommand(this.connection, command, opts, this.log));
  }
}
