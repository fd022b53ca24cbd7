/** What controllers and steps see of a remote host. Implemented over ssh2 in this folder. */

export type StreamName = "stdout" | "stderr";

export interface ExecOptions {
  /** Why the command runs, in a few words; carried by errors and logs ("install packages"). */
  purpose: string;
  /** Run through `sudo -n` when the login is not root. */
  sudo?: boolean;
  /** Kill the remote command after this long. Default: 10 minutes. */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then closed. Secrets travel here, never in argv. */
  stdin?: string | Buffer;
  /** Called for each complete line of output as it arrives. */
  onLine?: (stream: StreamName, line: string) => void;
  /** Resolve with the result instead of throwing CommandFailed on a non-zero exit. */
  allowFailure?: boolean;
  /**
   * Output is redacted as it arrives (redact.ts). With rawStdout, ExecResult.stdout is what
   * the command printed, unredacted: for data we parse (our JSON, an archive), never for
   * text that is kept or shown. Lines, logs, stderr and errors stay redacted.
   */
  rawStdout?: boolean;
}

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface UploadOptions {
  mode?: number;
  owner?: string;
  group?: string;
  purpose?: string;
}

/** A long-running remote command whose lines are delivered until it is closed or breaks. */
export interface RemoteStream {
  /** Resolves when the stream ends (closed, remote exit or connection loss). */
  readonly done: Promise<{ reason: "closed" | "exited" | "broken"; error?: Error }>;
  close(): void;
}

export interface RemoteHost {
  /** `user@host:port`, for logs and conditions. */
  readonly id: string;
  /** Run argv (quoted by the quoting layer; never a shell string of user values). */
  exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult>;
  /**
   * Run a bash script (a constant of ours) with positional arguments quoted as argv,
   * and parse its stdout as JSON: one round trip for a resource's facts.
   */
  observe<T = unknown>(script: string, args: readonly string[], opts: ExecOptions): Promise<T>;
  /** Write a file atomically (temp file + rename) over SFTP. */
  upload(path: string, content: string | Buffer, opts?: UploadOptions): Promise<void>;
  /** Read a file over SFTP; null when it does not exist. */
  readFile(path: string): Promise<Buffer | null>;
  /** Start a long-running command and deliver its output lines. */
  stream(
    argv: readonly string[],
    onLine: (line: string) => void,
    opts: { purpose: string; sudo?: boolean },
  ): RemoteStream;
}
