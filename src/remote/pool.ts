import { createHash } from "node:crypto";
import type { Duplex } from "node:stream";
import type { ClientChannel } from "ssh2";
import { rootLogger, type Logger } from "../log.js";
import { DEFAULT_BACKOFF, type BackoffOptions } from "../util/backoff.js";
import {
  Connection,
  targetId,
  type ConnectionOptions,
  type RoundTrips,
  type SshTarget,
} from "./connection.js";
import { Unreachable } from "./errors.js";
import { KnownHosts } from "./hostkeys.js";
import { SshHost } from "./host.js";
import { Semaphore } from "./semaphore.js";
import { openBounded, type OpenCallback } from "./channel-open.js";

const READY_TIMEOUT_MS = 20_000;

export interface PoolOptions {
  /** OpenSSH known_hosts file (the workspace's). */
  knownHostsPath: string;
  log?: Logger;
  /** Concurrent exec channels per host; keep below sshd's MaxSessions (10 by default). */
  maxChannelsPerHost?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  connectAttempts?: number;
  backoff?: BackoffOptions;
}

export interface PoolStats {
  openConnections: number;
  hosts: Record<string, RoundTrips & { open: boolean; activeChannels: number; queued: number }>;
}

/**
 * The registry of SSH connections, keyed by user@host:port (plus the jump path): one
 * multiplexed connection per key, shared by every controller that talks to that host.
 */
export class HostPool {
  private readonly hosts = new Map<string, { host: SshHost; channels: Semaphore; trust: string }>();
  private readonly knownHosts: KnownHosts;
  private readonly log: Logger;
  private closed = false;

  constructor(readonly options: PoolOptions) {
    this.knownHosts = new KnownHosts(options.knownHostsPath);
    this.log = (options.log ?? rootLogger()).child({ component: "ssh" });
  }

  /** The shared RemoteHost for a target, created on first use (connection opened lazily). */
  host(target: SshTarget): SshHost {
    return this.getOrCreate(targetId(target), target);
  }

  /**
   * A RemoteHost for a machine reachable only through `via` (a VM behind the Manager): its
   * SSH session runs inside a direct-tcpip channel of the via connection. Host keys are
   * checked against the target's own policy, as for any host.
   */
  jump(via: SshHost | SshTarget, target: SshTarget): SshHost {
    const gateway = via instanceof SshHost ? via : this.host(via);
    const id = `${targetId(target)} via ${gateway.id}`;
    const openMs = this.options.readyTimeoutMs ?? READY_TIMEOUT_MS;
    return this.getOrCreate(id, target, () => forwardThrough(gateway, target, openMs));
  }

  stats(): PoolStats {
    const stats: PoolStats = { openConnections: 0, hosts: {} };
    for (const [id, { host, channels }] of this.hosts) {
      const open = host.connection.isOpen;
      if (open) stats.openConnections++;
      stats.hosts[id] = {
        ...host.connection.counters,
        open,
        activeChannels: channels.active,
        queued: channels.queued,
      };
    }
    return stats;
  }

  /** Close every connection; jumped ones first so their gateways close last. */
  close(): void {
    this.closed = true;
    const entries = [...this.hosts.values()].reverse();
    for (const { host } of entries) host.connection.close();
    this.hosts.clear();
  }

  private getOrCreate(id: string, target: SshTarget, openSocket?: () => Promise<Duplex>): SshHost {
    if (this.closed) throw new Unreachable(id, "connection pool is closed");
    const trust = trustOf(target);
    const existing = this.hosts.get(id);
    if (existing?.trust === trust) return existing.host;
    const log = this.log.child({ host: id });
    if (existing) {
      // A new pin or key must never ride on a session the old policy admitted.
      log.info("host key policy or credentials changed: reconnecting");
      existing.host.connection.close();
    }
    const connection = new Connection(id, target, {
      ...this.connectionOptions(log),
      ...(openSocket ? { openSocket } : {}),
    });
    const channels = new Semaphore(this.options.maxChannelsPerHost ?? 8);
    const host = new SshHost(connection, channels, log, target.user === "root");
    this.hosts.set(id, { host, channels, trust });
    return host;
  }

  private connectionOptions(log: Logger): ConnectionOptions {
    const o = this.options;
    return {
      knownHosts: this.knownHosts,
      log,
      keepaliveIntervalMs: o.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: o.keepaliveCountMax ?? 3,
      readyTimeoutMs: o.readyTimeoutMs ?? READY_TIMEOUT_MS,
      connectAttempts: o.connectAttempts ?? 3,
      backoff: o.backoff ?? DEFAULT_BACKOFF,
    };
  }
}

/** A digest of what decides whom we trust and how we log in (no secret is kept in clear). */
function trustOf(target: SshTarget): string {
  const hash = createHash("sha256");
  for (const part of [
    target.hostKey?.fingerprint ?? "",
    target.hostKey?.trustOnFirstUse ? "tofu" : "",
    target.privateKey ?? "",
    target.password ?? "",
  ])
    hash.update(String(part.length)).update(":").update(part);
  return hash.digest("hex");
}

/**
 * The transport of a jumped session: a direct-tcpip channel of the gateway's session, its
 * open bounded like a handshake (readyTimeout starts only once the socket exists).
 */
async function forwardThrough(gateway: SshHost, target: SshTarget, openMs: number): Promise<Duplex> {
  const live = await gateway.connection.acquire();
  const port = target.port ?? 22;
  const channel = await openBounded(
    live,
    Date.now() + openMs,
    (callback: OpenCallback<ClientChannel>) =>
      live.client.forwardOut("127.0.0.1", 0, target.host, port, callback),
    (ch) => ch,
  ).catch((err: Error) => {
    throw new Unreachable(targetId(target), `no route through ${gateway.id}: ${err.message}`);
  });
  // The VM's FIN (its sshd killed by a reboot) reaches us as EOF only: the gateway then waits
  // for our EOF before it closes the channel, and ssh2 (half-open allowed) never sends it.
  // The session over it would end without closing, and with it every channel it carries.
  channel.once("end", () => channel.end());
  return channel;
}
