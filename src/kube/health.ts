import { createServer, type Server } from "node:http";

/**
 * /healthz answers 200 while the event loop runs; /readyz answers 200 when `ready()` says so
 * (Kubernetes mode: the API server answered the last lease attempt). Nothing else is served.
 */
export async function startHealthServer(port: number, ready: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (path === "/readyz") {
      const ok = ready();
      return void res
        .writeHead(ok ? 200 : 503, { "content-type": "text/plain" })
        .end(ok ? "ok\n" : "not ready\n");
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve());
  });
  return server;
}
