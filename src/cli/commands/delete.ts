import type { Command } from "commander";
import type { ObjectKey } from "../../api/index.js";
import type { Logger } from "../../log.js";
import { stripControls } from "../../util/terminal.js";
import type { TeardownReport } from "../../runtime/teardown.js";

export interface DeleteFlags {
  file: string[];
  workspace: string;
  stateDir?: string;
  dryRun?: boolean;
}

/** `labctl delete -f DIR [--dry-run]`: the seed's "How to Reset", limited to what we made. */
export function registerDelete(program: Command): void {
  program
    .command("delete")
    .description(
      "remove what the lab's objects created (VMs, then networks, then Managers) and nothing else; " +
        "objects with deletionPolicy Orphan are left",
    )
    .requiredOption("-f, --file <path...>", "manifest files or directories")
    .option("--workspace <dir>", "workspace directory (keys, passwords, ssh.config)", "workspace")
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--dry-run", "only print what would be removed: the hosts and the workspace are not changed")
    .action(async (opts: DeleteFlags) => {
      const { rootLogger } = await import("../../log.js");
      if (!(await runDelete(opts, quietOnTerminal(rootLogger())))) process.exitCode = 1;
    });
}

/** Delete and print, one line per object and per cleanup step; false when anything failed. */
export async function runDelete(opts: DeleteFlags, log: Logger): Promise<boolean> {
  const dryRun = Boolean(opts.dryRun);
  // Loaded on use: every other command starts without the modes (ssh2, chokidar).
  const { deleteFileMode } = await import("../../modes/file/delete.js");
  const outcome = await deleteFileMode(
    { manifests: opts.file, workspace: opts.workspace, stateDir: opts.stateDir, dryRun },
    log,
    (event) => {
      const line = describeTeardown(event, dryRun);
      if (line !== undefined) (event.type === "failed" ? console.error : console.log)(line);
    },
  );
  for (const line of outcome.sourceErrors) console.error(stripControls(line));
  if (outcome.sourceErrors.length) console.error("nothing deleted: fix the manifests first");
  else if (outcome.objects === 0) console.error(`no objects in ${opts.file.join(", ")}: nothing to delete`);
  return outcome.ok;
}

/** One printed line (or a few) for a teardown event; undefined for what is not printed. */
export function describeTeardown(event: TeardownReport, dryRun: boolean): string | undefined {
  const who = nameOf(event.key);
  switch (event.type) {
    case "begin":
      return dryRun ? undefined : `${who}: removing`;
    case "step":
      if (event.event.result === "started") return `  - ${event.event.description}`;
      if (event.event.result === "failed")
        return `  ! ${event.event.description} failed${event.event.reason ? `: ${event.event.reason}` : ""}`;
      return undefined;
    case "planned": {
      const head = event.steps.length ? `${who}: would remove` : `${who}: nothing of ours to remove`;
      return lines(
        head,
        event.steps.map((s) => `  - ${s}`),
        event.warnings,
      );
    }
    case "removed": {
      const head = event.steps.length ? `${who}: removed` : `${who}: nothing of ours was left; forgotten`;
      return lines(head, [], event.warnings);
    }
    case "orphaned":
      return `${who}: left in place (deletionPolicy: Orphan)${dryRun ? "" : "; forgotten"}`;
    case "failed":
      return `${who}: cleanup failed: ${event.message}; what it stands on is left in place`;
  }
}

/** On a terminal the printed lines tell the story; info logs would drown them. */
export function quietOnTerminal(log: Logger): Logger {
  if (process.stdout.isTTY && !process.env.LOG_LEVEL) log.level = "warn";
  return log;
}

function lines(head: string, steps: string[], warnings: string[]): string {
  return [head, ...steps, ...warnings.map((w) => `  ! ${w}`)].join("\n");
}

function nameOf(key: ObjectKey): string {
  return key.namespace === "default" ? `${key.kind}/${key.name}` : `${key.kind}/${key.namespace}/${key.name}`;
}
