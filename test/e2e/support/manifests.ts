import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import type { Sandbox, SandboxManager } from "./sandbox.js";

export const E2E_MANIFESTS = fileURLToPath(new URL("../manifests/", import.meta.url));

/**
 * Copy an e2e manifest for a test sandbox Manager: its address, the sandbox's key and the
 * container's pinned host key fingerprint (so nothing is trusted on first use), plus edits.
 */
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
  const doc = parseAllDocuments(text)[0]!.toJSON() as {
    spec: Record<string, unknown> & { ssh: Record<string, unknown> };
  };
  doc.spec.address = manager.address;
  doc.spec.ssh = {
    ...doc.spec.ssh,
    privateKeyRef: { file: sandbox.privateKeyPath },
    hostKeyFingerprint: manager.fingerprint,
  };
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
