import { join, resolve } from "node:path";

/** The state directory: --state-dir, else <workspace>/state. */
export function stateDirOf(opts: { stateDir?: string; workspace: string }): string {
  return resolve(opts.stateDir ?? join(opts.workspace, "state"));
}
