// `labctl run --kubernetes` as a real child process, for the tests that drive it end to end:
// its output, its identity on the Lease, the command lines of it and every descendant
// (sampled while it runs, for the no-secret-in-argv check), and a stop that waits.
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";

export const LABCTL = fileURLToPath(new URL("../../bin/labctl.js", import.meta.url));

export interface OperatorProcess {
  child: ChildProcess;
  pid: number;
  /** What the Lease's holderIdentity says while this process leads. */
  identity: string;
  healthPort: number;
  output: string[];
  /** Every distinct command line seen of the process and its descendants. */
  cmdlines: Set<string>;
  text(): string;
  /** SIGTERM (graceful: the lease is released) or SIGKILL; resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startOperator(opts: {
  kubeconfig: string;
  healthPort: number;
  workspace: string;
  namespace?: string;
}): OperatorProcess {
  const ns = opts.namespace ?? "default";
  const args = ["run", "--kubernetes", "--kubeconfig", opts.kubeconfig, "--namespace", ns];
  args.push("--lease-namespace", ns, "--health-port", String(opts.healthPort), "--workspace", opts.workspace);
  const child = spawn(process.execPath, [LABCTL, ...args], {
    env: { ...process.env, LABCTL_FROM_SOURCE: "1", LOG_FORMAT: "json", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout!.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cmdlines = new Set<string>();
  const sampler = setInterval(() => void sampleCmdlines(child.pid!, cmdlines), 250);
  void exited.then(() => clearInterval(sampler));
  return {
    child,
    pid: child.pid!,
    identity: `${hostname()}_${child.pid}`,
    healthPort: opts.healthPort,
    output,
    cmdlines,
    text: () => output.join(""),
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** The process and its descendants (via /proc/<pid>/task/<tid>/children). */
async function sampleCmdlines(pid: number, into: Set<string>): Promise<void> {
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    const cmdline = await readFile(`/proc/${p}/cmdline`, "utf8").catch(() => "");
    if (cmdline) into.add(cmdline.replaceAll("\0", " ").trim());
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${p}/task/${tid}/children`, "utf8").catch(() => "");
      for (const c of children.split(/\s+/).filter(Boolean)) queue.push(Number(c));
    }
  }
}

/** JSON log lines of an operator's output (non-JSON lines are skipped). */
export function logLines(op: OperatorProcess): Record<string, unknown>[] {
  return op
    .text()
    .split("\n")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
