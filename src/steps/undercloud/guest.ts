import type { SshTarget } from "../../remote/connection.js";
import { RemoteError } from "../../remote/errors.js";
import { delay } from "../../util/backoff.js";
import { fingerprintOf, parsePublicKeyLine } from "../../remote/hostkeys.js";
import { withShellRcBlock } from "../../render/shell-rc.js";
import type { Step, StepContext } from "../types.js";
import { inputHash } from "./inputs.js";
import { BOOT_FINISHED, FIRST_BOOT_LIMIT_SECONDS, WAIT_FOR_FIRST_BOOT } from "./first-boot.js";
import { applyContainerFile } from "./postinstall.js";
import {
  GUEST_PHASES,
  type GuestAction,
  type GuestPhase,
  type RenderedProfile,
  type UploadName,
} from "./profile.js";
import type { Stamp } from "./stamp.js";

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
 * The guest's boot id. An exec in flight when the jumped connection drops (the guest
 * rebooting) settles by itself within its timeoutMs plus the local grace, Unreachable or
 * CommandTimeout, even when the peer never answers again (src/remote/exec.ts), and the poll
 * goes on with a fresh connection.
 */
async function bootId(ctx: StepContext, timeoutMs = 20_000): Promise<string> {
  const { stdout } = await ctx.host.exec(BOOT_ID, { purpose: "read the boot id", timeoutMs });
  return stdout.trim();
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

/** Carry out one rendered profile action in the guest. */
export async function applyAction(ctx: StepContext, action: GuestAction, files: GuestFiles): Promise<void> {
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
      return;
    case "container-file":
      await applyContainerFile(ctx, action);
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

/**
 * First contact: one command over the pinned-key session proves the key and the login,
 * and waits for cloud-init to finish the first boot, so that no profile's first step races
 * cloud-init's last stage (every profile, the user's own included).
 */
export function keyedStep(): Step {
  return {
    id: "guest/keyed",
    description: "log into the VM with its pinned host key and wait for cloud-init's first boot",
    async apply(ctx) {
      await ctx.host.exec(
        ["sh", "-c", WAIT_FOR_FIRST_BOOT, "lab-operator", BOOT_FINISHED, String(FIRST_BOOT_LIMIT_SECONDS)],
        {
          purpose: "first login with the pinned host key, then wait for cloud-init's first boot",
          timeoutMs: (FIRST_BOOT_LIMIT_SECONDS + 60) * 1000,
        },
      );
    },
  };
}

export type GuestPhaseName = "keyed" | GuestPhase;

export interface GuestPhaseRun {
  phase: GuestPhaseName;
  /** The phase's input hash, journaled with it; keyed has none (its input is the seed's). */
  input?: string;
  steps: Step[];
}

export interface GuestPlan {
  /** The phases to run, in order; each is journaled once its steps are done. */
  phases: GuestPhaseRun[];
  /** A journaled phase whose input changed: it and the later phases are dropped, then re-run. */
  rerun?: { phase: GuestPhase; why: string };
}

/** What a guest phase's input is made of, for the message saying why it runs again. */
function inputParts(actions: readonly GuestAction[]): string {
  const uploads = actions.flatMap((a) => (a.kind === "upload" ? [a.file] : []));
  const patches = actions.some((a) => a.kind === "container-file") ? ["spec.tripleo.postInstall"] : [];
  return ["its commands (spec.tripleo fields, the guest profile)", ...uploads, ...patches].join(", ");
}

/**
 * The input hash of one guest phase: its rendered actions (argv, paths, modes, patches;
 * not the purposes or timeouts, which change nothing in the guest) and the content of the
 * files it uploads (undercloud.conf, hashed, never journaled itself).
 */
export function phaseInput(actions: readonly GuestAction[], files: GuestFiles): string {
  return inputHash(
    actions.flatMap((a) => {
      const { purpose: _p, ...rest } = a;
      const kept = "timeoutMs" in rest ? { ...rest, timeoutMs: undefined } : rest;
      return [JSON.stringify(kept), ...(a.kind === "upload" ? [files[a.file]] : [])];
    }),
  );
}

/**
 * The guest phases to run, in order: from the first one not journaled, or journaled with
 * another input hash than today's, to the end (later phases may depend on it: a new
 * undercloud.conf means `openstack undercloud install` again, as TripleO wants). A phase
 * journaled without a hash (by an older version) counts as done. Every phase of
 * GUEST_PHASES is planned, an empty one too, so its input is journaled for later edits.
 */
export function planGuest(
  rendered: RenderedProfile,
  stamp: Pick<Stamp, "journal" | "inputs">,
  files: GuestFiles,
): GuestPlan {
  const all: (GuestPhaseRun & { actions: GuestAction[] })[] = [
    { phase: "keyed", steps: [keyedStep()], actions: [] },
    ...GUEST_PHASES.map((phase) => {
      const actions = rendered.phases.filter((p) => p.phase === phase).flatMap((p) => p.actions);
      return {
        phase,
        input: phaseInput(actions, files),
        steps: actions.map((a, i) => guestActionStep(phase, i, a, files)),
        actions,
      };
    }),
  ];
  const changed = (p: GuestPhaseRun): boolean => {
    const recorded = stamp.inputs?.[p.phase];
    return recorded !== undefined && p.input !== undefined && recorded !== p.input;
  };
  const first = all.findIndex((p) => !stamp.journal.includes(p.phase) || changed(p));
  const start = all[first];
  if (!start) return { phases: [] };
  const rerun = stamp.journal.includes(start.phase)
    ? { phase: start.phase as GuestPhase, why: `its input changed: ${inputParts(start.actions)}` }
    : undefined;
  const phases = all.slice(first).map(({ actions: _a, ...run }) => run);
  return { phases, ...(rerun ? { rerun } : {}) };
}

/**
 * Fetch result files (a trailing / is a directory, fetched as .tar.gz); missing ones are
 * skipped. Files are read over SFTP as the login user, or with `sudo` through exec (root's
 * logs on a Manager logged into as a sudoer).
 */
export async function fetchGuestFiles(
  ctx: StepContext,
  paths: readonly string[],
  opts: { sudo?: boolean } = {},
): Promise<{ path: string; content: Buffer }[]> {
  const out: { path: string; content: Buffer }[] = [];
  for (const path of paths) {
    if (!path.endsWith("/") && opts.sudo) {
      const r = await ctx.host.exec(["sh", "-c", '[ -f "$1" ] || exit 0; base64 "$1"', "fetch", path], {
        purpose: `fetch ${path}`,
        sudo: true,
        allowFailure: true,
        rawStdout: true, // a file, base64: data, written 0600 under results/
      });
      if (r.exitCode === 0 && r.stdout.trim() !== "")
        out.push({ path, content: Buffer.from(r.stdout, "base64") });
      continue;
    }
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
        rawStdout: true, // an archive, base64: data, written 0600 under results/
      },
    );
    if (r.exitCode === 0 && r.stdout.trim() !== "")
      out.push({ path: `${path.replace(/\/$/, "")}.tar.gz`, content: Buffer.from(r.stdout, "base64") });
  }
  return out;
}
