import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { splitAddress } from "../observability/server.js";
import type { Topology } from "../topology/model.js";
import { hostAllowed } from "./host-check.js";
import { CONTENT_SECURITY_POLICY, STATUS_PAGE_HTML } from "./page.js";

export interface StatusServerOptions {
  /** "127.0.0.1:8081", ":8081" (loopback) or "8081". */
  address: string;
  /** The current topology, read on every request and push. */
  topology: () => Promise<Topology>;
  onError?: (err: Error) => void;
}

export interface StatusServer {
  server: Server;
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  /** Push the current topology to every open event stream (coalesced while one is in flight). */
  publish(): void;
  close(): Promise<void>;
}

const HEARTBEAT_MS = 15_000;

const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/**
 * The read-only status page: GET / (the page), GET /api/topology (JSON) and
 * GET /api/events (Server-Sent Events, one "topology" event per change). Nothing here
 * changes anything: every other method is refused. A request whose Host header is not a
 * loopback name or the bound address is refused with 421 (DNS rebinding; host-check.ts).
 */
export async function startStatusServer(opts: StatusServerOptions): Promise<StatusServer> {
  const streams = new Set<ServerResponse>();
  const [host, port] = splitAddress(opts.address);
  const server = createServer((req, res) => {
    handle(req, res, opts, streams, host).catch((err: Error) => {
      opts.onError?.(err);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain", ...COMMON_HEADERS });
      res.end("internal error\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(": heartbeat\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const bound = server.address();
  const address = typeof bound === "object" && bound ? `${bound.address}:${bound.port}` : opts.address;
  return {
    server,
    address,
    publish: coalesce(async () => {
      if (streams.size === 0) return;
      const event = topologyEvent(await opts.topology());
      for (const res of streams) res.write(event);
    }, opts.onError),
    close: async () => {
      clearInterval(heartbeat);
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: StatusServerOptions,
  streams: Set<ServerResponse>,
  boundHost: string,
): Promise<void> {
  if (!hostAllowed(req.headers.host, boundHost)) {
    res.writeHead(421, { "Content-Type": "text/plain", ...COMMON_HEADERS });
    return void res.end(
      "misdirected request: this status page answers only to localhost or its own address\n",
    );
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain", ...COMMON_HEADERS });
    return void res.end("read-only: only GET\n");
  }
  const path = new URL(req.url ?? "/", "http://status.invalid").pathname;
  if (path === "/" || path === "/index.html") {
    res.writeHead(200, {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
      ...COMMON_HEADERS,
    });
    return void res.end(STATUS_PAGE_HTML);
  }
  if (path === "/api/topology") {
    const body = JSON.stringify(await opts.topology());
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", ...COMMON_HEADERS });
    return void res.end(body);
  }
  if (path === "/api/events") {
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", ...COMMON_HEADERS });
    res.write("retry: 1000\n\n");
    res.write(topologyEvent(await opts.topology()));
    streams.add(res);
    req.on("close", () => streams.delete(res));
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain", ...COMMON_HEADERS });
  res.end("not found\n");
}

/** One SSE message; JSON.stringify never emits a raw newline, so one data line suffices. */
export function topologyEvent(topology: Topology): string {
  return `event: topology\ndata: ${JSON.stringify(topology)}\n\n`;
}

/** Run `work` now, or once more after the running call, however many times it was asked for. */
function coalesce(work: () => Promise<void>, onError?: (err: Error) => void): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    work()
      .catch((err: Error) => onError?.(err))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}
