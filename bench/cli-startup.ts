/**
 * Benchmark: how fast `labctl` answers, the way a user runs it after the README's set-up
 * (bin/labctl.js on the compiled dist/): `version`, `get`, `describe` and `validate` of the
 * example lab (manifests/). `get` and `describe` read a state directory holding one saved
 * state per object of the example lab. Each sample is one fresh process: wall time and the
 * process's CPU (user + system, from bash's `times`). In the same run: node's own start-up
 * (`node -e 0`, the floor) and `labctl version` from the TypeScript sources through tsx
 * (what every call cost while dist/ was never built). Needs nothing but a checkout.
 */
import { execFile } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadManifests } from "../src/manifests/load.js";
import { FileStateStore } from "../src/modes/file/filestate.js";
import { emptyState } from "../src/controllers/state.js";
import { round, summarize, type Summary } from "./stats.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LABCTL = join(ROOT, "bin", "labctl.js");
const EXAMPLE = join(ROOT, "manifests");

export interface CommandFigures {
  command: string;
  wallMs: Summary;
  cpuMs: Summary;
}

export interface StartupResult {
  samples: number;
  /** Built before measuring because dist/ was missing or older than src/. */
  built: boolean;
  nodeFloor: CommandFigures;
  commands: Record<"version" | "get" | "describe" | "validate", CommandFigures>;
  fromSourceVersion: CommandFigures;
  /** Goal: every command's wall p50 under this. */
  goalMs: number;
  loadAverage: number[];
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Build dist/ when bin/labctl.js would not use it (the same rule). */
async function ensureBuilt(): Promise<boolean> {
  const compiled = join(ROOT, "dist", "labctl", "main.js");
  let fresh: boolean;
  try {
    fresh = statSync(compiled).mtimeMs >= newestMtime(join(ROOT, "src"));
  } catch {
    fresh = false;
  }
  if (fresh) return false;
  await run("npm", ["run", "--silent", "build"], { cwd: ROOT });
  return true;
}

/** One fresh process: wall time around it and its CPU, both measured by bash. */
async function sample(argv: string[], env: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  const script =
    'start=$EPOCHREALTIME; "$@" >/dev/null 2>&1; rc=$?; end=$EPOCHREALTIME; echo "$start $end $rc"; times';
  const { stdout } = await run("bash", ["-c", script, "bench", ...argv], { cwd: ROOT, env });
  const [timing, , children] = stdout.trim().split("\n");
  const [start, end, rc] = timing!.split(" ");
  if (rc !== "0") throw new Error(`${argv.join(" ")} exited ${rc}`);
  // `times` prints the children's "0m0.123s 0m0.045s" (user, system) on its second line.
  const cpu = children!
    .split(" ")
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t)!)
    .reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return { wall: (Number(end) - Number(start)) * 1000, cpu: cpu * 1000 };
}

async function measure(
  argv: string[],
  n: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandFigures> {
  await sample(argv, env); // warm the page cache
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < n; i++) {
    const { wall, cpu } = await sample(argv, env);
    walls.push(round(wall));
    cpus.push(round(cpu));
  }
  return { command: argv.join(" ").replaceAll(ROOT, ""), wallMs: summarize(walls), cpuMs: summarize(cpus) };
}

/** A state directory with a saved Ready state for every object of the example lab. */
async function exampleStateDir(dir: string): Promise<string> {
  const store = new FileStateStore(join(dir, "state"));
  const loaded = await loadManifests([EXAMPLE]);
  const now = new Date().toISOString();
  for (const { object } of loaded.objects) {
    const state = emptyState(object.kind, object.metadata.namespace, object.metadata.name);
    state.createdAt = now;
    state.generation = 1;
    state.lastGoodObject = object;
    state.status = {
      observedGeneration: 1,
      conditions: [
        { type: "Ready", status: "True", reason: "Converged", message: "", lastTransitionTime: now },
      ],
    } as typeof state.status;
    await store.save(state);
  }
  return join(dir, "state");
}

export async function benchCliStartup(n = 20): Promise<StartupResult> {
  const built = await ensureBuilt();
  const dir = await mkdtemp(join(tmpdir(), "bench-cli-"));
  try {
    const stateDir = await exampleStateDir(dir);
    const labctl = (...args: string[]) => ["node", LABCTL, ...args];
    const commands = {
      version: await measure(labctl("version"), n),
      get: await measure(labctl("get", "--state-dir", stateDir), n),
      describe: await measure(labctl("describe", "LabManager/lab", "--state-dir", stateDir), n),
      validate: await measure(labctl("validate", "-f", EXAMPLE), n),
    };
    return {
      samples: n,
      built,
      nodeFloor: await measure(["node", "-e", "0"], n),
      commands,
      fromSourceVersion: await measure(labctl("version"), Math.min(n, 5), {
        ...process.env,
        LABCTL_FROM_SOURCE: "1",
      }),
      goalMs: 300,
      loadAverage: loadavg().map((l) => round(l, 2)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
