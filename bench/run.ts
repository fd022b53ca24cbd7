/**
 * npm run bench [names...]: runs the benchmarks, writes each result to
 * bench/results/<name>.json and a summary table to bench/results/summary.md.
 * Names: edit-latency, ssh-pool (root: loopback sshd), drift-latency (root: a sandbox
 * Manager). Default: all.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { benchEditLatency } from "./edit-latency.js";
import { benchSshPool } from "./ssh-pool.js";
import { benchDriftLatency } from "./drift-latency.js";

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

const benches: Record<string, () => Promise<unknown>> = {
  "edit-latency": () => benchEditLatency(30),
  "ssh-pool": () => benchSshPool(200),
  "drift-latency": () => benchDriftLatency(5),
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches);
await mkdir(RESULTS, { recursive: true });
const rows: string[] = ["| benchmark | result |", "|---|---|"];
for (const name of chosen) {
  const bench = benches[name];
  if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(", ")}`);
  process.stderr.write(`bench: ${name}...\n`);
  const result = { name, at: new Date().toISOString(), result: await bench() };
  await writeFile(`${RESULTS}${name}.json`, JSON.stringify(result, null, 2) + "\n");
  rows.push(`| ${name} | \`${JSON.stringify(result.result)}\` |`);
  console.log(JSON.stringify(result));
}
await writeFile(`${RESULTS}summary.md`, rows.join("\n") + "\n");
