import { loadTemplate } from "./template.js";

/** The markers delimiting our block in ~/.bashrc; a step replaces everything between them. */
export const SHELL_RC_START = "# lab-operator OpenStack START";
export const SHELL_RC_END = "# lab-operator OpenStack END";

/** The shell-rc block (terminal-width output for the openstack CLI), markers included. */
export function renderShellRcBlock(): string {
  return loadTemplate("shell/openstack-rc.sh");
}

/**
 * `rc` with our block in place: an existing block (between the markers) is replaced,
 * otherwise the block is appended. Running it twice gives the same text.
 */
export function withShellRcBlock(rc: string): string {
  const block = renderShellRcBlock();
  const start = rc.indexOf(SHELL_RC_START);
  const end = rc.indexOf(SHELL_RC_END, start);
  if (start >= 0 && end >= 0) {
    const after = rc.slice(end + SHELL_RC_END.length).replace(/^\n/, "");
    return rc.slice(0, start) + block + after;
  }
  const separator = rc === "" || rc.endsWith("\n") ? "" : "\n";
  return rc + separator + block;
}
