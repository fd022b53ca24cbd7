/**
 * Benchmark: the undercloud VM stopped by hand (`virsh destroy`) → running again.
 * `labctl run` serves the undercloud lab of the e2e suites (imitation guest, QEMU/TCG) with
 * spec.resyncInterval = RESYNC on every object, so what repairs it is libvirt's domain event
 * (src/steps/domain-events.ts) re-queueing the TripleOUndercloud. Each repetition times
 * destroy → `virsh domstate` says running, as seen from the Manager (one ssh per poll,
 * included). Needs root.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { DOMAIN, startUndercloudLab } from "../test/e2e/undercloud-lab.js";
import { labctl, runOperator } from "../test/e2e/support/labctl.js";
import { pollUntil } from "./poll.js";
import { summarize, type Summary } from "./stats.js";

const RESYNC = "10m";

export async function benchDriftDomains(
  repetitions = 5,
): Promise<{ resyncInterval: string; repetitions: number; repairMs: Summary; loadAverage: number[] }> {
  const lab = await startUndercloudLab("bddom");
  try {
    await setResyncEverywhere(lab.manifests, RESYNC);
    const applied = await labctl(["apply", "-f", lab.manifests, "--workspace", lab.workspace], {
      timeoutMs: 40 * 60_000,
    });
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr.slice(-2000)}`);
    const op = runOperator(lab.manifests, lab.workspace);
    try {
      await op.waitForLog((l) => l.msg === "operator running", 60_000);
      await pollUntil(
        () => lab.on(["pgrep", "-f", "event --all --loop"]).then(() => true),
        5 * 60_000,
        "the domain event stream",
      );
      const samples: number[] = [];
      for (let i = 0; i < repetitions; i++) {
        await pollUntil(
          async () => (await domstate()) === "running",
          5 * 60_000,
          "running before the destroy",
        );
        await lab.on(["virsh", "destroy", DOMAIN]);
        const t0 = performance.now();
        await pollUntil(async () => (await domstate()) === "running", 5 * 60_000, "running again");
        samples.push(performance.now() - t0);
      }
      return {
        resyncInterval: RESYNC,
        repetitions,
        repairMs: summarize(samples),
        loadAverage: loadavg().map((l) => +l.toFixed(2)),
      };
    } finally {
      await op.stop("SIGTERM");
    }
  } finally {
    await lab.stop();
  }

  async function domstate(): Promise<string> {
    return (await lab.on(["virsh", "domstate", DOMAIN]).catch(() => "")).trim();
  }
}

/** Every object of the lab resyncs only every `interval`: a repair in time is the event's. */
async function setResyncEverywhere(dir: string, interval: string): Promise<void> {
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".yaml"))) {
    const docs = parseAllDocuments(await readFile(join(dir, file), "utf8")).map((d) => {
      const object = d.toJSON() as { spec: Record<string, unknown> };
      object.spec.resyncInterval = interval;
      return stringify(object);
    });
    await writeFile(join(dir, file), docs.join("---\n"));
  }
}
