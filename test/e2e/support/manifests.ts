import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import type { Sandbox, SandboxManager } from "./sandbox.js";

export const E2E_MANIFESTS = fileURLToPath(new URL("../manifests/", import.meta.url));

/**
 * Point a LabManager spec at a test sandbox Manager: its address, the sandbox's key and the
 * container's pinned host key fingerprint (so nothing is trusted on first use).
 */
export function pointAtSandbox(
  spec: Record<string, unknown>,
  sandbox: Sandbox,
  manager: SandboxManager,
): void {
  spec.address = manager.address;
  spec.ssh = {
    ...(spec.ssh as Record<string, unknown> | undefined),
    privateKeyRef: { file: sandbox.privateKeyPath },
    hostKeyFingerprint: manager.fingerprint,
  };
}

/** Copy a manifest file, every LabManager in it pointed at the sandbox Manager. */
export async function renderForSandbox(
  sandbox: Sandbox,
  manager: SandboxManager,
  source: string,
  dest: string,
): Promise<void> {
  const docs = parseAllDocuments(await readFile(source, "utf8")).map(
    (d) => d.toJSON() as { kind: string; spec: Record<string, unknown> },
  );
  for (const d of docs) if (d.kind === "LabManager") pointAtSandbox(d.spec, sandbox, manager);
  await writeFile(dest, docs.map((d) => stringify(d)).join("---\n"));
}

/** Copy an e2e manifest's LabManager for a test sandbox Manager (pointAtSandbox), plus edits. */
export async function renderManagerManifest(
  sandbox: Sandbox,
  manager: SandboxManager,
  dir: string,
  edit: (spec: Record<string, unknown>) => void = () => {},
  file = "manager.yaml",
  /** The manifest in test/e2e/manifests/ whose first document is the LabManager. */
  source = "manager.yaml",
): Promise<string> {
  const text = await readFile(join(E2E_MANIFESTS, source), "utf8");
  const doc = parseAllDocuments(text)[0]!.toJSON() as { spec: Record<string, unknown> };
  pointAtSandbox(doc.spec, sandbox, manager);
  edit(doc.spec);
  await mkdir(dir, { recursive: true });
  const path = join(dir, file);
  await writeFile(path, stringify(doc));
  return path;
}

/** LibvirtNetwork documents on one Manager ("manager" by default), as one multi-document YAML. */
export function networksYaml(
  networks: readonly { name: string; spec: Record<string, unknown> }[],
  manager = "manager",
): string {
  return networks
    .map((n) =>
      stringify({
        apiVersion: "openstacklab.io/v1alpha1",
        kind: "LibvirtNetwork",
        metadata: { name: n.name },
        spec: { managerRef: { name: manager }, ...n.spec },
      }),
    )
    .join("---\n");
}
