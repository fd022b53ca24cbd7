/**
 * Benchmark: one operator process with N Managers. For each N a fresh process runs the
 * operator (bench/operator-pass.ts) and reports steady-state RSS, CPU per full pass (what a
 * resync of every object costs) and full-pass wall time, so their growth with N shows.
 *   - sandbox: N prebaked sandbox Managers, each with the sandbox lab converged (LabManager
 *     + NAT LibvirtNetwork, VirtualBMC off to keep N containers' setup short); passes are
 *     real no-op reconciles.
 *   - loopback: N LabManagers on cheap SSH endpoints (bench/loopback-managers.ts: real
 *     sshd on 127.0.x.y, root on this host), plan mode: observe + plan, nothing applied.
 * Needs root. Env: BENCH_SCALE_SANDBOX="1,10", BENCH_SCALE_LOOPBACK="1,10,50,200,1000".
 */
import { execFile } from "node:child_process";
import { freemem, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startLoopbackManagers } from "./loopback-managers.js";
import type { PassOptions, PassResult } from "./operator-pass.js";
import { startBenchLab } from "./sandbox-lab.js";
import { round } from "./stats.js";

const run = promisify(execFile);
const PASS = fileURLToPath(new URL("./operator-pass.ts", import.meta.url));

export interface ScaleRow {
  endpoints: "sandbox" | "loopback";
  managers: number;
  /** Time to boot and converge the N sandbox Managers (sandbox rows only). */
  setupMs?: number;
  result: PassResult;
  loadAverage: number[];
}

/** "1,10" → [1, 10]; set but empty → none; unset → the default. */
const list = (env: string | undefined, fallback: number[]) =>
  env === undefined
    ? fallback
    : env
        .split(",")
        .filter((s) => s.trim() !== "")
        .map((s) => Number(s));

/** The operator in its own process, so its RSS is that of N Managers only. */
async function passesInFreshProcess(opts: PassOptions): Promise<PassResult> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", PASS, JSON.stringify(opts)], {
    maxBuffer: 16 * 2 ** 20,
    timeout: 60 * 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as PassResult;
}

async function sandboxRow(n: number, passes: number): Promise<ScaleRow> {
  const lab = await startBenchLab({ count: n, prefix: `bsc${n}`, virtualBMC: false, resyncInterval: "1h" });
  try {
    const result = await passesInFreshProcess({
      manifests: lab.manifests,
      workspace: lab.workspace,
      mutate: true,
      passes,
    });
    return { endpoints: "sandbox", managers: n, setupMs: round(lab.convergeMs), result, loadAverage: load() };
  } finally {
    await lab.close();
  }
}

async function loopbackRow(n: number, passes: number): Promise<ScaleRow> {
  const lab = await startLoopbackManagers(n);
  try {
    const result = await passesInFreshProcess({
      manifests: lab.manifests,
      workspace: lab.workspace,
      mutate: false,
      passes,
    });
    return { endpoints: "loopback", managers: n, result, loadAverage: load() };
  } finally {
    await lab.close();
  }
}

const load = () => loadavg().map((x) => round(x, 2));

export async function benchScale(passes = 3): Promise<{ freeMiBBefore: number; rows: ScaleRow[] }> {
  const freeMiBBefore = Math.round(freemem() / 2 ** 20);
  const rows: ScaleRow[] = [];
  for (const n of list(process.env.BENCH_SCALE_LOOPBACK, [1, 10, 50, 200, 1000])) {
    process.stderr.write(`bench scale: ${n} loopback Managers\n`);
    rows.push(await loopbackRow(n, passes));
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
  for (const n of list(process.env.BENCH_SCALE_SANDBOX, [1, 10])) {
    process.stderr.write(`bench scale: ${n} sandbox Managers\n`);
    rows.push(await sandboxRow(n, passes));
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
  return { freeMiBBefore, rows };
}
