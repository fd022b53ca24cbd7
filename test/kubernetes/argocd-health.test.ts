// manifests/deploy/argocd-health.lua run by Lua 5.1 (Argo CD's gopher-lua dialect) against
// objects shaped like the Kubernetes-mode store writes them (kstatus conditions).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../manifests/deploy/argocd-health.lua", import.meta.url));
const LUA = "lua5.1";
const haveLua = await run(LUA, ["-v"]).then(
  () => false,
  () => `${LUA} is not installed (apt-get install lua5.1)`,
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

async function health(obj: unknown): Promise<{ status: string; message: string }> {
  const body = await readFile(SCRIPT, "utf8");
  const program = `local obj = ${luaValue(obj)}\nlocal hs = (function()\n${body}\nend)()\nprint(hs.status)\nprint(hs.message)\n`;
  const { stdout } = await run(LUA, ["-e", program]);
  const [status = "", message = ""] = stdout.split("\n");
  return { status, message };
}

const cond = (type: string, status: string, reason: string, message = "") => ({
  type,
  status,
  reason,
  message,
});
const object = (generation: number, status?: unknown, extra: Record<string, unknown> = {}) => ({
  metadata: { name: "lab", generation, ...extra },
  status,
});

describe("Argo CD health check", { skip: haveLua }, () => {
  test("Ready at the current generation is Healthy", async () => {
    const h = await health(
      object(2, {
        observedGeneration: 2,
        conditions: [cond("Ready", "True", "Converged", "host matches the spec")],
      }),
    );
    assert.deepEqual(h, { status: "Healthy", message: "host matches the spec" });
  });

  test("Ready for an older generation is still Progressing", async () => {
    const h = await health(
      object(3, { observedGeneration: 2, conditions: [cond("Ready", "True", "Converged")] }),
    );
    assert.equal(h.status, "Progressing");
  });

  test("Stalled is Degraded with the reason", async () => {
    const conditions = [
      cond("Ready", "False", "HostKeyChanged", "key changed"),
      cond("Stalled", "True", "HostKeyChanged", "key changed"),
    ];
    const h = await health(object(1, { observedGeneration: 1, conditions }));
    assert.deepEqual(h, { status: "Degraded", message: "HostKeyChanged: key changed" });
  });

  test("Reconciling, no status yet, and deleting are Progressing", async () => {
    const reconciling = [
      cond("Ready", "False", "Unreachable", "no route"),
      cond("Reconciling", "True", "Unreachable", "no route"),
    ];
    assert.deepEqual(await health(object(1, { observedGeneration: 1, conditions: reconciling })), {
      status: "Progressing",
      message: "Unreachable: no route",
    });
    assert.equal((await health(object(1))).status, "Progressing");
    const deleting = object(
      1,
      { observedGeneration: 1, conditions: [cond("Ready", "True", "Converged")] },
      { deletionTimestamp: "2026-01-01T00:00:00Z" },
    );
    assert.equal((await health(deleting)).status, "Progressing");
  });

  test("argocd-cm-health.yaml carries the same script for all three kinds", async () => {
    const cm = parse(await readFile(SCRIPT.replace("argocd-health.lua", "argocd-cm-health.yaml"), "utf8"));
    const script = await readFile(SCRIPT, "utf8");
    for (const kind of ["LabManager", "LibvirtNetwork", "TripleOUndercloud"]) {
      assert.equal(cm.data[`resource.customizations.health.openstacklab.io_${kind}`], script, kind);
    }
  });
});
