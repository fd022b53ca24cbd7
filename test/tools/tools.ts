// The helm and promtool binaries test/tools/install.sh builds from the Go module proxy and caches.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const INSTALL = fileURLToPath(new URL("./install.sh", import.meta.url));
/** A first build from nothing takes minutes on two cores; a cached lookup, milliseconds. */
const BUILD_TIMEOUT_MS = 30 * 60_000;

export type Tool = "helm" | "promtool";

async function install(tool: Tool, args: string[], timeout: number): Promise<string> {
  const { stdout } = await run("bash", [INSTALL, ...args, tool], { timeout, maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.split("\n").find((l) => l.startsWith(`${tool.toUpperCase()}=`));
  if (!line) throw new Error(`test/tools/install.sh printed no ${tool.toUpperCase()}=`);
  return line.slice(tool.length + 1);
}

/**
 * The tool's path, building it once if it is not cached, or the reason it cannot be had for
 * `describe(name, { skip })`, printed loudly. LAB_TOOLS_NO_BUILD=1 only looks in the cache;
 * LAB_REQUIRE_TOOLS=1 turns a skip into a failure. scripts/setup.sh builds both, so a skip
 * means setup did not run.
 */
export async function findTool(
  tool: Tool,
): Promise<{ path: string; skip: false } | { path: ""; skip: string }> {
  try {
    const cached = await install(tool, ["--check"], 60_000).catch(() => undefined);
    if (cached) return { path: cached, skip: false };
    if (process.env.LAB_TOOLS_NO_BUILD === "1")
      throw new Error("not cached and LAB_TOOLS_NO_BUILD=1 (run test/tools/install.sh)");
    console.error(`# building ${tool} once from the Go module proxy (minutes; see test/tools/install.sh)`);
    return { path: await install(tool, [], BUILD_TIMEOUT_MS), skip: false };
  } catch (err) {
    const reason = `no ${tool}: ${(err as Error).message.split("\n")[0]}`;
    if (process.env.LAB_REQUIRE_TOOLS === "1") throw new Error(reason, { cause: err });
    const bar = "!".repeat(100);
    console.error(`\n${bar}\nSKIPPING ${tool} tests: ${reason}\n${bar}\n`);
    return { path: "", skip: `SKIPPED (no ${tool}): ${reason}` };
  }
}

/** Runs a tool; resolves to stdout+stderr, rejects with both in the message. */
export async function runTool(
  path: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  try {
    const { stdout, stderr } = await run(path, args, {
      ...opts,
      timeout: 120_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { stdout, stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${path.split("/").pop()} ${args.join(" ")}: ${e.message.split("\n")[0]}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
      {
        cause: err,
      },
    );
  }
}
