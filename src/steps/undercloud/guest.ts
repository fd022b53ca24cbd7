import type { SshTarget } from "../../remote/connection.js";
import { RemoteError, Unreachable } from "../../remote/errors.js";
import { delay } from "../../remote/backoff.js";
import { fingerprintOf, parsePublicKeyLine } from "../../remote/hostkeys.js";
import { withShellRcBlock } from "../../render/shell-rc.js";
import type { Step, StepContext } from "../types.js";
import type { GuestAction, GuestPhase, RenderedProfile, UploadName } from "./profile.js";

/** How the operator logs into the VM: its lease address, the guest user, the pinned host key. */
export interface GuestLogin {
  address: string;
  user: string;
  privateKey: string | Buffer;
  /** The pre-generated host key's public line (the seed's ssh_keys.ed25519_public). */
  hostKeyLine: string;
}

/**
 * The SSH target of the VM, reached with HostPool.jump through the Manager. Its host key
 * is pinned by fingerprint from the key we generated, so there is no trust on first use.
 */
export function guestTarget(login: GuestLogin): SshTarget {
  const { keyBlob } = parsePublicKeyLine(login.hostKeyLine);
  return {
    host: login.address,
    user: login.user,
    privateKey: login.privateKey,
    hostKey: { fingerprint: fingerprintOf(keyBlob) },
  };
}

/** Files rendered by the operator for `upload:` actions (undercloud.conf). */
export type GuestFiles = Record<UploadName, string>;

const BOOT_ID = ["cat", "/proc/sys/kernel/random/boot_id"];

/**
 * The guest's boot id. Bounded here too: an exec in flight when a jumped connection drops
 * (the guest rebooting) was seen never to settle, timeoutMs notwithstanding; such a call
 * is abandoned as Unreachable and the poll goes on with a fresh connection.
 */
async function bootId(ctx: StepContext, timeoutMs = 20_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Unreachable(ctx.host.id, `no answer within ${timeoutMs / 1000} s`)),
      timeoutMs + 5_000,
    );
  });
  try {
    const { stdout } = await Promise.race([
      ctx.host.exec(BOOT_ID, { purpose: "read the boot id", timeoutMs }),
      deadline,
    ]);
    return stdout.trim();
  } finally {
    clearTimeout(timer);
  }
}

/** Reboot and wait until the guest answers with a new boot id (polled with a deadline). */
async function rebootGuest(ctx: StepContext, timeoutMs: number): Promise<void> {
  const before = await bootId(ctx);
  try {
    await ctx.host.exec(["reboot"], {
      purpose: "reboot the VM",
      sudo: true,
      allowFailure: true,
      timeoutMs: 30_000,
    });
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err; // the connection going away is the expected outcome
  }
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      if ((await bootId(ctx)) !== before) return;
    } catch (err) {
      if (!(err instanceof RemoteError) || !err.retryable) throw err;
      last = err;
    }
    ctx.signal?.throwIfAborted();
    await delay(Math.min(500 * 2 ** attempt, 5_000));
  }
  throw new Error(
    `VM did not come back from reboot within ${timeoutMs / 1000} s${last ? `: ${(last as Error).message}` : ""}`,
  );
}

async function applyAction(ctx: StepContext, action: GuestAction, files: GuestFiles): Promise<void> {
  switch (action.kind) {
    case "run": {
      const onLine = ctx.onProgress ? (_s: string, line: string) => ctx.onProgress?.(line) : undefined;
      await ctx.host.exec(action.argv, {
        purpose: action.purpose,
        sudo: action.sudo,
        timeoutMs: action.timeoutMs,
        ...(onLine ? { onLine } : {}),
      });
      return;
    }
    case "upload":
      await ctx.host.upload(action.path, files[action.file], { mode: action.mode, purpose: action.purpose });
      return;
    case "shell-rc": {
      const rc = (await ctx.host.readFile(action.path))?.toString("utf8") ?? "";
      const next = withShellRcBlock(rc);
      if (next !== rc) await ctx.host.upload(action.path, next, { mode: 0o644, purpose: action.purpose });
      return;
    }
    case "reboot":
      await rebootGuest(ctx, action.timeoutMs);
  }
}

export function guestActionStep(
  phase: GuestPhase,
  index: number,
  action: GuestAction,
  files: GuestFiles,
): Step {
  return {
    id: `guest/${phase}/${index}`,
    description: action.purpose,
    apply: (ctx) => applyAction(ctx, action, files),
  };
}

/** First contact: one command over the pinned-key session proves the key and the login. */
export function keyedStep(): Step {
  return {
    id: "guest/keyed",
    description: "log into the VM with its pinned host key",
    async apply(ctx) {
      await ctx.host.exec(["true"], { purpose: "first login with the pinned host key", timeoutMs: 60_000 });
    },
  };
}

/** The guest phases still to do, in order (journaled ones are done: never redone). */
export function planGuest(
  rendered: RenderedProfile,
  journal: readonly string[],
  files: GuestFiles,
): { phase: "keyed" | GuestPhase; steps: Step[] }[] {
  const todo: { phase: "keyed" | GuestPhase; steps: Step[] }[] = [];
  if (!journal.includes("keyed")) todo.push({ phase: "keyed", steps: [keyedStep()] });
  for (const p of rendered.phases) {
    if (journal.includes(p.phase)) continue;
    todo.push({ phase: p.phase, steps: p.actions.map((a, i) => guestActionStep(p.phase, i, a, files)) });
  }
  return todo;
}

/** Fetch the profile's result files (a trailing / is a directory, fetched as .tar.gz); missing ones are skipped. */
export async function fetchGuestFiles(
  ctx: StepContext,
  paths: readonly string[],
): Promise<{ path: string; content: Buffer }[]> {
  const out: { path: string; content: Buffer }[] = [];
  for (const path of paths) {
    if (!path.endsWith("/")) {
      const content = await ctx.host.readFile(path);
      if (content) out.push({ path, content });
      continue;
    }
    const r = await ctx.host.exec(
      ["sh", "-c", '[ -d "$1" ] || exit 0; tar -C "$1" -czf - . | base64', "fetch", path],
      {
        purpose: `fetch ${path}`,
        sudo: true,
        allowFailure: true,
      },
    );
    if (r.exitCode === 0 && r.stdout.trim() !== "")
      out.push({ path: `${path.replace(/\/$/, "")}.tar.gz`, content: Buffer.from(r.stdout, "base64") });
  }
  return out;
}
