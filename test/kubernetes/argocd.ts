// Runs manifests/deploy/argocd-health.lua with Lua 5.1 (Argo CD's gopher-lua dialect) on an
// object, the way Argo CD calls a resource health customization: `obj` in scope, a table back.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const HEALTH_SCRIPT = fileURLToPath(
  new URL("../../manifests/deploy/argocd-health.lua", import.meta.url),
);
const LUA = "lua5.1";

/** false, or why the health checks cannot run (scripts/setup.sh installs lua5.1). */
export const skipUnlessLua: string | false = await run(LUA, ["-v"]).then(
  () => false,
  () => `${LUA} is not installed (scripts/setup.sh installs it: apt-get install lua5.1)`,
);

/** A Lua table constructor for a JSON value. */
function luaValue(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(luaValue).join(", ")}}`;
  const fields = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `[${JSON.stringify(k)}] = ${luaValue(v)}`,
  );
  return `{${fields.join(", ")}}`;
}

export interface Health {
  status: string;
  message: string;
}

/** Argo CD's health of one object (as `kubectl get -o json` returns it). */
export async function argoHealth(obj: unknown): Promise<Health> {
  const body = await readFile(HEALTH_SCRIPT, "utf8");
  const program = `local obj = ${luaValue(obj)}\nlocal hs = (function()\n${body}\nend)()\nprint(hs.status)\nprint(hs.message)\n`;
  const { stdout } = await run(LUA, ["-e", program]);
  const [status = "", message = ""] = stdout.split("\n");
  return { status, message };
}

/**
 * A file-mode state record (`labctl get -o json`) as the object Argo CD would be shown: file
 * mode has no API server, but its status is the same kstatus shape at its own generation.
 */
export function objectOfStateRecord(record: {
  name: string;
  namespace: string;
  generation: number;
  status: unknown;
  lastGoodObject?: { spec?: unknown };
}): unknown {
  return {
    metadata: { name: record.name, namespace: record.namespace, generation: record.generation },
    spec: record.lastGoodObject?.spec,
    status: record.status,
  };
}
