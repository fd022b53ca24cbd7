import type { SshConfigHost } from "./types.js";

/** Options shared by every block: our key only, our known_hosts only, strict checking. */
export interface SshConfigContext {
  knownHostsPath: string;
}

const beginMarker = (alias: string) => `# BEGIN labctl ${alias}`;
const endMarker = (alias: string) => `# END labctl ${alias}`;

/** ssh_config values may be double-quoted; anything with a quote or newline is refused. */
function configValue(value: string, what: string): string {
  if (value === "" || /["\n\r\0]/.test(value)) throw new TypeError(`invalid ${what} for ssh.config: ${JSON.stringify(value)}`);
  return /\s/.test(value) ? `"${value}"` : value;
}

function checkToken(value: string, what: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new TypeError(`invalid ${what} for ssh.config: ${JSON.stringify(value)}`);
  return value;
}

/** One Host block between markers, so it can be found and replaced later. */
export function renderHostBlock(host: SshConfigHost, ctx: SshConfigContext): string {
  const alias = checkToken(host.alias, "alias", /^[A-Za-z0-9][A-Za-z0-9._-]*$/);
  const lines = [
    beginMarker(alias),
    `Host ${alias}`,
    `  HostName ${checkToken(host.hostName, "host name", /^[A-Za-z0-9._:-]+$/)}`,
    `  User ${checkToken(host.user, "user", /^[a-z_][a-z0-9_-]*$/)}`,
    `  Port ${host.port ?? 22}`,
    `  IdentityFile ${configValue(host.identityFile, "identity file")}`,
    "  IdentitiesOnly yes",
    `  UserKnownHostsFile ${configValue(ctx.knownHostsPath, "known_hosts path")}`,
    "  StrictHostKeyChecking yes",
  ];
  if (host.proxyJump) {
    const jump = checkToken(host.proxyJump, "proxy jump", /^[A-Za-z0-9@._:,-]+$/);
    if (jump.split(",").includes(alias)) throw new TypeError(`ssh.config alias ${alias} cannot jump through itself`);
    lines.push(`  ProxyJump ${jump}`);
  }
  if (host.hostKeyAlias) lines.push(`  HostKeyAlias ${checkToken(host.hostKeyAlias, "host key alias", /^[A-Za-z0-9][A-Za-z0-9._-]*$/)}`);
  lines.push(endMarker(alias));
  return lines.join("\n") + "\n";
}

/** The config text without any block of `alias` (every copy, should one ever be duplicated). */
export function removeHostBlock(text: string, alias: string): string {
  const out: string[] = [];
  let inside = false;
  for (const line of text.split("\n")) {
    if (line === beginMarker(alias)) inside = true;
    else if (inside && line === endMarker(alias)) inside = false;
    else if (!inside) out.push(line);
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** Replace the block of `host.alias` in place (or append it), never duplicating it. */
export function setHostBlock(text: string, host: SshConfigHost, ctx: SshConfigContext): string {
  const block = renderHostBlock(host, ctx);
  const lines = text.split("\n");
  const start = lines.indexOf(beginMarker(host.alias));
  if (start < 0) return appendBlock(text, block);
  const before = lines.slice(0, start).join("\n");
  const after = removeHostBlock(lines.slice(start).join("\n"), host.alias);
  // One blank line between blocks, as appendBlock writes them: setting a block again is a fixed point.
  const rest = after.replace(/^\n+/, "");
  return (before ? before + "\n" : "") + block + (rest ? "\n" + rest : "");
}

function appendBlock(text: string, block: string): string {
  if (text.trim() === "") return block;
  return text.replace(/\n*$/, "\n\n") + block;
}
