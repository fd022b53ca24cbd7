/**
 * npm run bench [names...]: runs the benchmarks, writes each result to
 * bench/results/<name>.json and rewrites bench/results/summary.md from every result file
 * there (so running one benchmark keeps the others' last figures). Default: all.
 * See bench/README.md for what each needs (most need root: a sandbox Manager or sshd).
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { benchEditLatency } from "./edit-latency.js";
import { benchSshPool } from "./ssh-pool.js";
import { benchDriftLatency } from "./drift-latency.js";
import { benchNoopReconcile } from "./noop-reconcile.js";
import { benchScale } from "./scale.js";
import { benchDriftServices } from "./drift-services.js";
import { benchDriftFiles } from "./drift-files.js";
import { benchDriftDomains } from "./drift-domains.js";
import { benchWatchLatency } from "./watch-latency.js";
import { benchCliStartup } from "./cli-startup.js";
import { benchObserveCost } from "./observe-cost.js";
import { benchKubeScale } from "./kube-scale.js";

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

const benches: Record<string, () => Promise<unknown>> = {
  "edit-latency": () => benchEditLatency(30),
  "ssh-pool": () => benchSshPool(200),
  "drift-latency": () => benchDriftLatency(5),
  "noop-reconcile": () => benchNoopReconcile(5),
  scale: () => benchScale(3),
  "drift-services": () => benchDriftServices(5),
  "drift-files": () => benchDriftFiles(5),
  "drift-domains": () => benchDriftDomains(5),
  "watch-latency": () => benchWatchLatency(30),
  "cli-startup": () => benchCliStartup(20),
  "observe-cost": () => benchObserveCost(10),
  "kube-scale": () => benchKubeScale(Number(process.env.BENCH_KUBE_MANAGERS ?? 1000), 3, 30),
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches);
for (const name of chosen)
  if (!benches[name]) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(", ")}`);
await mkdir(RESULTS, { recursive: true });
for (const name of chosen) {
  process.stderr.write(`bench: ${name}...\n`);
  const result = { name, at: new Date().toISOString(), result: await benches[name]!() };
  await writeFile(`${RESULTS}${name}.json`, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result));
}
await writeSummary();

async function writeSummary(): Promise<void> {
  const rows = ["| benchmark | measured at | result |", "|---|---|---|"];
  for (const file of (await readdir(RESULTS)).filter((f) => f.endsWith(".json")).sort()) {
    const { name, at, result } = JSON.parse(await readFile(`${RESULTS}${file}`, "utf8")) as {
      name: string;
      at?: string;
      result: unknown;
    };
    rows.push(`| ${name} | ${at ?? ""} | \`${JSON.stringify(result)}\` |`);
  }
  await writeFile(`${RESULTS}summary.md`, rows.join("\n") + "\n");
}
