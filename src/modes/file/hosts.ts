import type { Logger } from "../../log.js";
import { createHostAccess, type PooledHostAccess } from "../../runtime/host-access.js";
import { Workspace } from "../../workspace/workspace.js";
import { workspaceStore } from "./workspace-store.js";

export interface WorkspaceHosts extends PooledHostAccess {
  readonly workspace: Workspace;
}

/**
 * File mode's host access: the shared implementation over the workspace's credentials.
 * readOnly (`labctl plan`): nothing is written to the workspace or changed on the hosts.
 */
export function createWorkspaceHosts(
  dir: string,
  log: Logger,
  opts: { readOnly?: boolean } = {},
): WorkspaceHosts {
  const workspace = new Workspace(dir);
  return { ...createHostAccess(workspaceStore(workspace, opts), log), workspace };
}
