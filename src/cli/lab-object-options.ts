import type { Command } from "commander";

/** The options of a shortcut that finds its aliases in the lab's objects. */
export interface LabObjectOptions {
  workspace: string;
  stateDir?: string;
  file: string[];
  manager?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * -f (repeatable, one path each: a shortcut's own arguments follow it), --state-dir and
 * --manager, before the shortcut's arguments (after them they belong to the remote tool).
 */
export function withLabObjectOptions(cmd: Command): Command {
  return cmd
    .option(
      "-f, --file <path>",
      "the lab's manifests, file or directory (repeatable; default: the objects in the state directory)",
      collect,
      [],
    )
    .option("--state-dir <dir>", "state directory (default: <workspace>/state)")
    .option("--manager <name>", "the LabManager, when the lab has several");
}
