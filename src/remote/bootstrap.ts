import type { Logger } from "../log.js";
import { AuthFailed } from "./errors.js";
import type { SshTarget } from "./connection.js";
import { HostPool, type PoolOptions } from "./pool.js";

/**
 * Appends the key read from stdin to ~/.ssh/authorized_keys unless the exact line is there.
 * Creates ~/.ssh 0700 and the file 0600, repairs a missing final newline before appending,
 * and restores SELinux contexts where that tool exists (EL hosts).
 */
export const AUTHORIZE_KEY_SCRIPT = `set -eu
umask 077
key=$(cat)
case "$key" in ssh-*|ecdsa-*|sk-*) ;; *) echo "not a public key line" >&2; exit 2 ;; esac
dir="$HOME/.ssh"; file="$dir/authorized_keys"
mkdir -p "$dir"; chmod 700 "$dir"
touch "$file"; chmod 600 "$file"
if grep -qxF -- "$key" "$file"; then echo present; exit 0; fi
if [ -s "$file" ] && [ -n "$(tail -c 1 "$file")" ]; then echo >> "$file"; fi
printf '%s\\n' "$key" >> "$file"
if command -v restorecon >/dev/null 2>&1; then restorecon -R "$dir" >/dev/null 2>&1 || true; fi
echo added`;

export interface BootstrapRequest {
  /** The login to authorize, without credentials (host key policy included). */
  target: Omit<SshTarget, "privateKey" | "password">;
  privateKey: Buffer | string;
  /** The OpenSSH public key line matching privateKey. */
  publicKey: string;
  /** Asked for only when the key is not accepted yet (file, TTY prompt, Secret). */
  password: () => Promise<string>;
  pool: PoolOptions;
  log: Logger;
}

export type BootstrapOutcome = "already-authorized" | "added" | "present";

/**
 * Make key authentication work for a login: try the key; if refused, log in once with the
 * password (password auth only) to append the public key (sent on stdin, never argv), then
 * prove the key works. Idempotent: the key line is never duplicated.
 */
export async function ensureKeyAuthorized(req: BootstrapRequest): Promise<BootstrapOutcome> {
  if (await keyWorks(req)) return "already-authorized";
  const password = await req.password();
  const outcome = await withPool(req.pool, async (pool) => {
    const host = pool.host({ ...req.target, password });
    const { stdout } = await host.exec(["sh", "-c", AUTHORIZE_KEY_SCRIPT], {
      purpose: "authorize the operator's key",
      stdin: req.publicKey.trim() + "\n",
      timeoutMs: 60_000,
    });
    return stdout.trim() === "present" ? "present" : "added";
  });
  if (!(await keyWorks(req)))
    throw new AuthFailed(
      `${req.target.user}@${req.target.host}`,
      "the key was authorized but is still refused",
    );
  req.log.info({ host: req.target.host, user: req.target.user, outcome }, "key authorized");
  return outcome;
}

/** Whether the login accepts this key (one connection, nothing run). */
export async function keyWorks(
  req: Pick<BootstrapRequest, "target" | "privateKey" | "pool">,
): Promise<boolean> {
  try {
    await withPool({ ...req.pool, connectAttempts: 1 }, (pool) =>
      pool.host({ ...req.target, privateKey: req.privateKey }).connection.acquire(),
    );
    return true;
  } catch (err) {
    if (err instanceof AuthFailed) return false;
    throw err;
  }
}

/** A short-lived pool so the password connection never lingers in the shared one. */
async function withPool<T>(options: PoolOptions, use: (pool: HostPool) => Promise<T>): Promise<T> {
  const pool = new HostPool(options);
  try {
    return await use(pool);
  } finally {
    pool.close();
  }
}
