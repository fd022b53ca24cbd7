/**
 * The benchmarks' lab on sandbox Managers: N prebaked Debian system containers, each with
 * the e2e sandbox lab (test/e2e/manifests: a LabManager with a host bridge, the manager user
 * and optionally VirtualBMC, plus the seed's NAT LibvirtNetwork), converged once with
 * `labctl apply` so every later pass is a no-op.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { labctl } from "../test/e2e/support/labctl.js";
import { E2E_MANIFESTS } from "../test/e2e/support/manifests.js";
import { startSandbox, stopSandbox, type Sandbox } from "../test/e2e/support/sandbox.js";

export interface BenchLab {
  sandbox: Sandbox;
  dir: string;
  manifests: string;
  workspace: string;
  /** Wall time of the converging `labctl apply`. */
  convergeMs: number;
  close(): Promise<void>;
}

export interface BenchLabOptions {
  count: number;
  prefix: string;
  virtualBMC: boolean;
  resyncInterval: string;
}

async function e2eDoc(file: string): Promise<Record<string, unknown> & { spec: Record<string, unknown> }> {
  const text = await readFile(join(E2E_MANIFESTS, file), "utf8");
  return parseAllDocuments(text)[0]!.toJSON() as Record<string, unknown> & { spec: Record<string, unknown> };
}

/** manager-<i> and its network net-<i> for every sandbox Manager. */
async function writeManifests(sandbox: Sandbox, dir: string, opts: BenchLabOptions): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const m of sandbox.managers) {
    const manager = await e2eDoc("manager.yaml");
    manager.metadata = { name: `manager-${m.index}` };
    manager.spec.address = m.address;
    manager.spec.ssh = {
      ...(manager.spec.ssh as object),
      privateKeyRef: { file: sandbox.privateKeyPath },
      hostKeyFingerprint: m.fingerprint,
    };
    manager.spec.virtualBMC = { enabled: opts.virtualBMC };
    manager.spec.resyncInterval = opts.resyncInterval;
    const network = await e2eDoc("networks.yaml");
    network.metadata = { name: `net-${m.index}` };
    network.spec.managerRef = { name: `manager-${m.index}` };
    network.spec.resyncInterval = opts.resyncInterval;
    await writeFile(join(dir, `lab-${m.index}.yaml`), `${stringify(manager)}---\n${stringify(network)}`);
  }
}

export async function startBenchLab(opts: BenchLabOptions): Promise<BenchLab> {
  const dir = await mkdtemp(join(tmpdir(), `bench-${opts.prefix}-`));
  let sandbox: Sandbox | undefined;
  const close = async () => {
    await stopSandbox(sandbox);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    sandbox = await startSandbox({ count: opts.count, variant: "prebaked", prefix: opts.prefix });
    const manifests = join(dir, "manifests");
    const workspace = join(dir, "workspace");
    await writeManifests(sandbox, manifests, opts);
    const t0 = performance.now();
    const applied = await labctl(["apply", "-f", manifests, "--workspace", workspace], {
      timeoutMs: 40 * 60_000,
    });
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr.slice(-2000)}`);
    return { sandbox, dir, manifests, workspace, convergeMs: performance.now() - t0, close };
  } catch (err) {
    await close();
    throw err;
  }
}
