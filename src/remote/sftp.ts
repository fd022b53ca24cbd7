import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";
import type { Connection } from "./connection.js";
import { RemoteFileFailed } from "./errors.js";
import type { RemoteHost, UploadOptions } from "./types.js";

/** SFTP status code for "no such file" (draft-ietf-secsh-filexfer). */
const SFTP_NO_SUCH_FILE = 2;

type SftpCall = (cb: (err: Error | null | undefined) => void) => void;

/** Run one SFTP request; errors on a lost connection become Unreachable. */
async function sftpCall(
  conn: Connection,
  purpose: string,
  path: string,
  call: (sftp: SFTPWrapper) => SftpCall,
): Promise<void> {
  const { sftp, live } = await conn.sftp();
  await new Promise<void>((resolve, reject) =>
    call(sftp)((err) => {
      if (!err) return resolve();
      reject(live.lost ? conn.lostOr(live, err) : new RemoteFileFailed(purpose, path, err.message));
    }),
  );
}

/**
 * Write a file atomically: a temp file in the same directory (created 0600 so a secret is
 * never readable by others on the way), chmod, chown through exec when asked, then rename
 * over the target (posix-rename when the server offers it, so the target is replaced).
 */
export async function uploadFile(
  conn: Connection,
  host: RemoteHost,
  path: string,
  content: string | Buffer,
  opts: UploadOptions = {},
): Promise<void> {
  const purpose = opts.purpose ?? `upload ${path}`;
  const temp = posix.join(
    posix.dirname(path),
    `.${posix.basename(path)}.labtmp-${randomBytes(6).toString("hex")}`,
  );
  const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  try {
    await sftpCall(conn, purpose, temp, (s) => (cb) => s.writeFile(temp, data, { mode: 0o600 }, cb));
    await sftpCall(conn, purpose, temp, (s) => (cb) => s.chmod(temp, opts.mode ?? 0o644, cb));
    if (opts.owner || opts.group) {
      const owner = `${opts.owner ?? ""}${opts.group ? `:${opts.group}` : ""}`;
      await host.exec(["chown", "--", owner, temp], {
        purpose: `${purpose}: chown`,
        sudo: true,
        timeoutMs: 60_000,
      });
    }
    await renameOver(conn, purpose, temp, path);
  } catch (err) {
    await sftpCall(conn, purpose, temp, (s) => (cb) => s.unlink(temp, cb)).catch(() => undefined);
    throw err;
  }
}

async function renameOver(conn: Connection, purpose: string, from: string, to: string): Promise<void> {
  const { sftp } = await conn.sftp();
  const hasPosixRename = Boolean(
    (sftp as unknown as { _extensions?: Record<string, string> })._extensions?.["posix-rename@openssh.com"],
  );
  if (hasPosixRename) return sftpCall(conn, purpose, to, (s) => (cb) => s.ext_openssh_rename(from, to, cb));
  // Plain SFTP rename refuses an existing target: remove it first (a brief gap without the file).
  await sftpCall(conn, purpose, to, (s) => (cb) => s.unlink(to, cb)).catch(() => undefined);
  return sftpCall(conn, purpose, to, (s) => (cb) => s.rename(from, to, cb));
}

/** Read a whole file; null when it does not exist. */
export async function readRemoteFile(conn: Connection, path: string): Promise<Buffer | null> {
  const { sftp, live } = await conn.sftp();
  return new Promise((resolve, reject) =>
    sftp.readFile(path, (err: (Error & { code?: number | string }) | null | undefined, data: Buffer) => {
      if (!err) return resolve(data);
      if (err.code === SFTP_NO_SUCH_FILE || err.code === "ENOENT") return resolve(null);
      reject(live.lost ? conn.lostOr(live, err) : new RemoteFileFailed(`read ${path}`, path, err.message));
    }),
  );
}
