import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * The sandbox Manager's scripts (test/sandbox/*.sh) and the record they keep: real Debian
 * system containers under systemd-nspawn that stand in for a Manager host.
 */

export const SandboxContainer = z.object({
  name: z.string(),
  index: z.number().int(),
  address: z.string(),
  variant: z.string(),
  hostKeyLine: z.string(),
  fingerprint: z.string(),
  pid: z.number().int().nullable(),
  systemState: z.string().nullable(),
  log: z.string(),
});
export type SandboxContainer = z.infer<typeof SandboxContainer>;

export const SandboxRecord = z.object({
  stateDir: z.string(),
  knownHostsFile: z.string(),
  containers: z.array(SandboxContainer),
});
export type SandboxRecord = z.infer<typeof SandboxRecord>;

/** Finds test/sandbox/ above this module, from the sources or from dist/. */
export function sandboxScriptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "test", "sandbox");
    if (existsSync(join(candidate, "up.sh"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find test/sandbox/up.sh above labctl's sources");
    dir = parent;
  }
}

/** Run one script with its progress on our stderr; resolve with its stdout. */
export function runSandboxScript(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(sandboxScriptsDir(), script), args, { stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString("utf8"));
      else
        reject(new Error(`sandbox ${script} failed (${signal ?? `exit ${code}`}); see the messages above`));
    });
  });
}

export function parseRecord(json: string): SandboxRecord {
  return SandboxRecord.parse(JSON.parse(json));
}

/** The record in the state dir, or null when no sandbox is up there. */
export async function readRecord(stateDir: string): Promise<SandboxRecord | null> {
  try {
    return parseRecord(await readFile(join(stateDir, "sandbox.json"), "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * ssh.config alias: `manager-root` for the first container (index 1), `manager-root-<index>`
 * for the others; tied to the index so an alias never moves to another container.
 */
export function sshAliasFor(container: SandboxContainer): string {
  return container.index === 1 ? "manager-root" : `manager-root-${container.index}`;
}

export function byIndex(record: SandboxRecord): SandboxContainer[] {
  return [...record.containers].sort((a, b) => a.index - b.index);
}
