import { createServer, type Server } from "node:http";
import type { OperatorMetrics } from "./metrics.js";

export interface HealthProbe {
  /** Live: the process answers. Ready: sources synced (and, in Kubernetes mode, leader or standby). */
  ready(): boolean;
}

/** Serves /metrics, /healthz and /readyz; other paths are 404. */
export async function startHttpServer(
  address: string,
  metrics: OperatorMetrics,
  probe: HealthProbe,
  collect: () => void,
): Promise<Server> {
  const [host, port] = splitAddress(address);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === "/metrics") {
        collect();
        res.setHeader("Content-Type", metrics.registry.contentType);
        res.end(await metrics.registry.metrics());
      } else if (req.url === "/healthz") {
        res.end("ok\n");
      } else if (req.url === "/readyz") {
        const ready = probe.ready();
        res.statusCode = ready ? 200 : 503;
        res.end(ready ? "ok\n" : "not ready\n");
      } else {
        res.statusCode = 404;
        res.end("not found\n");
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return server;
}

/** "127.0.0.1:8080", ":8080" (loopback) or "8080". */
export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  const host = i > 0 ? address.slice(0, i) : "127.0.0.1";
  const port = Number(i >= 0 ? address.slice(i + 1) : address);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad listen address "${address}"`);
  return [host.replace(/^\[|\]$/g, ""), port];
}
