import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const LABCTL = fileURLToPath(new URL("../../../bin/labctl.js", import.meta.url));

export interface LabctlResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON log lines the operator wrote on stderr. */
  logs: Array<Record<string, unknown>>;
}

/** Run `labctl ARGS` to completion with JSON logs. */
export function labctl(
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<LabctlResult> {
  return new Promise((resolve, reject) => {
    const child = spawnLabctl(args, opts.env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, logs: parseLogs(stderr) });
    });
  });
}

/** `labctl run` of a test lab: its manifest directory and workspace, metrics off. */
export function runOperator(manifests: string, workspace: string): RunningLabctl {
  return new RunningLabctl(["run", "-f", manifests, "--workspace", workspace, "--metrics-address", "off"]);
}

/** A long-running `labctl run` whose logs can be awaited. */
export class RunningLabctl {
  readonly child: ChildProcess;
  output = "";
  private waiters: Array<() => void> = [];

  constructor(args: string[], env?: NodeJS.ProcessEnv) {
    this.child = spawnLabctl(args, env);
    const take = (d: Buffer) => {
      this.output += d.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout!.on("data", take);
    this.child.stderr!.on("data", take);
  }

  get logs(): Array<Record<string, unknown>> {
    return parseLogs(this.output);
  }

  /** Resolve with the first log line matching, or reject after the deadline. */
  async waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(match);
      if (found) return found;
      if (this.child.exitCode !== null)
        throw new Error(`labctl exited ${this.child.exitCode}:\n${this.output.slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`no matching log line within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 250);
      });
    }
  }

  /** Send a signal and wait for the process to exit; SIGKILL it if it outlives the grace period. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 90_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

function spawnLabctl(args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [LABCTL, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_FORMAT: "json", LOG_LEVEL: "debug", ...env },
  });
}

export function parseLogs(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line while the process is still writing
    }
  }
  return out;
}
