/**
 * Helpers shared by the fault tests that break a real sandbox Manager under a running
 * `labctl run`: reading the operator's saved state, cutting its SSH sessions from inside
 * the container, and reading the Manager's sshd journal for a time window.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { promisify } from "node:util";
import type { Condition } from "../../src/api/index.js";
import type { ObjectState } from "../../src/controllers/state.js";
import { runOperator, type RunningLabctl } from "../e2e/support/labctl.js";
import {
  sshRun,
  startSandbox,
  stopSandbox,
  type Sandbox,
  type SandboxManager,
} from "../e2e/support/sandbox.js";

const run = promisify(execFile);

/** A prebaked sandbox Manager and a scratch directory (manifests/, workspace/) for one describe block. */
export interface FaultLab {
  sandbox: Sandbox;
  manager: SandboxManager;
  dir: string;
  manifests: string;
  workspace: string;
  /** `labctl run` on the lab's manifests and workspace, metrics off. */
  operator(): RunningLabctl;
  /** The saved state file of the LabManager "manager" (what renderManagerManifest writes). */
  managerState(): string;
}

/** Boots the lab before the describe block's tests and tears it down after them. */
export function faultLab(prefix: string): FaultLab {
  const lab = {
    operator: () => runOperator(lab.manifests, lab.workspace),
    managerState: () => stateFile(lab.workspace, "LabManager", "manager"),
  } as FaultLab;
  before(
    async () => {
      lab.sandbox = await startSandbox({ count: 1, variant: "prebaked", prefix });
      lab.manager = lab.sandbox.managers[0]!;
      lab.dir = await mkdtemp(join(tmpdir(), `fault-${prefix}-`));
      lab.manifests = join(lab.dir, "manifests");
      lab.workspace = join(lab.dir, "workspace");
    },
    { timeout: 20 * 60_000 },
  );
  after(async () => {
    await stopSandbox(lab.sandbox);
    if (lab.dir) await rm(lab.dir, { recursive: true, force: true });
  });
  return lab;
}

export function stateFile(workspace: string, kind: string, name: string): string {
  return join(workspace, "state", kind, "default", `${name}.json`);
}

export async function readState(path: string): Promise<ObjectState | undefined> {
  return readFile(path, "utf8").then(
    (t) => JSON.parse(t) as ObjectState,
    () => undefined,
  );
}

export function condition(state: ObjectState | undefined, type: string): Condition | undefined {
  return state?.status.conditions.find((c) => c.type === type);
}

/** Ready=True for the current generation. */
export function isReadyNow(state: ObjectState | undefined): boolean {
  return (
    condition(state, "Ready")?.status === "True" && state?.status.observedGeneration === state?.generation
  );
}

/** Poll the saved state (every 200 ms, no SSH) until `match` holds; every state seen goes to `seen`. */
export async function waitForState(
  path: string,
  match: (state: ObjectState) => boolean,
  timeoutMs: number,
  seen?: (state: ObjectState) => void,
): Promise<ObjectState> {
  const deadline = Date.now() + timeoutMs;
  let last: ObjectState | undefined;
  for (;;) {
    const state = await readState(path);
    if (state) {
      last = state;
      seen?.(state);
      if (match(state)) return state;
    }
    if (Date.now() > deadline)
      throw new Error(
        `state of ${path} did not match within ${timeoutMs} ms; conditions: ` +
          JSON.stringify(last?.status.conditions),
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Bash run on the Manager: SIGKILL every sshd process except the listener and this
 * command's own session (its ancestors), i.e. cut the operator's pooled connection the way
 * a dropped link or a killed server-side sshd child would. Prints how many it killed.
 */
const CUT_OTHER_SESSIONS = `set -u
listener=$(systemctl show -p MainPID --value ssh.service)
keep=" $listener " p=$$
while [ "$p" -gt 1 ]; do keep="$keep$p "; p=$(awk '/^PPid:/{print $2}' /proc/$p/status); done
n=0
for p in $(pgrep -x sshd); do
  case "$keep" in *" $p "*) ;; *) kill -KILL "$p" 2>/dev/null && n=$((n+1)) ;; esac
done
echo "$n"`;

export async function cutOtherSshSessions(sandbox: Sandbox, manager: SandboxManager): Promise<number> {
  return Number((await sshRun(sandbox, manager, ["bash", "-c", CUT_OTHER_SESSIONS])).trim());
}

/** sshd's journal lines on the Manager between two instants (epoch ms). */
export async function sshdJournal(
  sandbox: Sandbox,
  manager: SandboxManager,
  fromMs: number,
  toMs: number,
): Promise<string[]> {
  const at = (ms: number) => `@${(ms / 1000).toFixed(3)}`;
  const out = await sshRun(sandbox, manager, [
    "journalctl",
    "--no-pager",
    "-q",
    "-u",
    "ssh.service",
    "--since",
    at(fromMs),
    "--until",
    at(toMs),
  ]);
  return out.split("\n").filter((l) => l.trim() !== "");
}

/** A second key pair for the operator, so its logins are told apart from the test's in sshd's log. */
export async function operatorKey(
  sandbox: Sandbox,
  manager: SandboxManager,
  dir: string,
): Promise<{ path: string; fingerprint: string }> {
  const path = join(dir, "operator_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "lab-operator-fault-test", "-f", path]);
  const pub = (await readFile(`${path}.pub`, "utf8")).trim();
  await sshRun(sandbox, manager, [
    "sh",
    "-c",
    'grep -qxF -- "$1" /root/.ssh/authorized_keys || printf "%s\\n" "$1" >> /root/.ssh/authorized_keys',
    "sh",
    pub,
  ]);
  const { stdout } = await run("ssh-keygen", ["-lf", `${path}.pub`]);
  return { path, fingerprint: stdout.split(/\s+/)[1]! };
}

/**
 * Give the Manager a new ed25519 host key and restart sshd; the sandbox's known_hosts is
 * updated so the test's own ssh keeps working. Returns the new key's fingerprint.
 */
export async function replaceHostKey(sandbox: Sandbox, manager: SandboxManager): Promise<string> {
  const line = (
    await sshRun(sandbox, manager, [
      "sh",
      "-c",
      "set -e; rm -f /etc/ssh/ssh_host_*; ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key; " +
        "systemctl restart ssh.service; cat /etc/ssh/ssh_host_ed25519_key.pub",
    ])
  ).trim();
  const [type, blob] = line.split(/\s+/);
  const known = await readFile(sandbox.knownHostsPath, "utf8");
  const kept = known.split("\n").filter((l) => l.trim() !== "" && l.split(/\s+/)[0] !== manager.address);
  await writeFile(sandbox.knownHostsPath, [...kept, `${manager.address} ${type} ${blob}`].join("\n") + "\n");
  const { stdout } = await run("sh", ["-c", 'printf "%s\\n" "$1" | ssh-keygen -lf -', "sh", line]);
  return stdout.split(/\s+/)[1]!;
}

/** Like waitForLog, over only the lines the operator writes from now on. */
export function logsAfterNow(op: RunningLabctl) {
  const seen = op.logs.length;
  return async (match: (line: Record<string, unknown>) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = op.logs.slice(seen).find(match);
      if (found) return found;
      if (op.child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no new matching log line (exit ${op.child.exitCode}):\n${op.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
}
