import type { ExecResult } from "../remote/types.js";
import { bash, POLL_UNTIL } from "./bash.js";
import type { StepContext } from "./types.js";

/** Name shown as $0 of our remote scripts (in `ps` and error messages). */
const SCRIPT_NAME = "lab-operator";

export interface ScriptOptions {
  purpose: string;
  stdin?: string;
  timeoutMs?: number;
  /** Forward every output line to ctx.onProgress. */
  progress?: boolean;
  allowFailure?: boolean;
}

/**
 * Run one of our constant bash scripts as root; user values travel only as positional
 * arguments ("$1"...) or on stdin, never inside the script text.
 */
export function runScript(
  ctx: StepContext,
  script: string,
  args: readonly string[],
  opts: ScriptOptions,
): Promise<ExecResult> {
  const onLine =
    opts.progress && ctx.onProgress ? (_s: string, line: string) => ctx.onProgress?.(line) : undefined;
  return ctx.host.exec(["bash", "-c", script, SCRIPT_NAME, ...args], {
    purpose: opts.purpose,
    sudo: true,
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(onLine ? { onLine } : {}),
    ...(opts.allowFailure ? { allowFailure: true } : {}),
  });
}

/** Atomic write: temp file in the same directory, mode and owner set, then rename. */
export const WRITE_FILE = `set -euo pipefail
path=$1 mode=$2 owner=$3
mkdir -p "$(dirname "$path")"
tmp=$(mktemp "$path.lab-operator.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat >"$tmp"
chmod "$mode" "$tmp"
chown "$owner" "$tmp"
mv -f "$tmp" "$path"
trap - EXIT`;

/** Write a file as root through stdin (works for a sudo login too, unlike SFTP). */
export async function writeRemoteFile(
  ctx: StepContext,
  path: string,
  content: string,
  opts: { mode: string; owner?: string; purpose: string },
): Promise<void> {
  await runScript(ctx, WRITE_FILE, [path, opts.mode, opts.owner ?? "root:root"], {
    purpose: opts.purpose,
    stdin: content,
  });
}

/** Poll a command on the host until it succeeds or the deadline passes (no fixed sleeps). */
const WAIT_UNTIL =
  POLL_UNTIL +
  bash`limit=$1; shift
poll_until "$limit" "$@" || { "$@"; exit $?; }`;

export async function waitUntil(
  ctx: StepContext,
  argv: readonly string[],
  opts: { purpose: string; timeoutSeconds: number },
): Promise<void> {
  await runScript(ctx, WAIT_UNTIL, [String(opts.timeoutSeconds), ...argv], {
    purpose: opts.purpose,
    timeoutMs: (opts.timeoutSeconds + 30) * 1000,
  });
}
