import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LabManager, SecretRef } from "../api/index.js";
import type { HostAccess } from "../controllers/hostaccess.js";
import type { KubeClients } from "./client.js";
import { readSecretRef } from "./secrets.js";

/**
 * Kubernetes mode's HostAccess: spec.ssh.passwordRef / privateKeyRef that name a Secret
 * are read (again on every connect, so a rotated Secret is picked up) and handed to the
 * workspace HostAccess as files under <workspace>/secrets/<namespace>/<secret>/<key>
 * (0600, written atomically), the way file mode reads them. Values never reach argv,
 * logs, status or events.
 */
export function withSecretRefs(base: HostAccess, clients: KubeClients, workspace: string): HostAccess {
  async function toFile(namespace: string, ref: SecretRef | undefined): Promise<SecretRef | undefined> {
    if (!ref?.secretName || ref.file) return ref;
    const value = await readSecretRef(clients, namespace, ref);
    const dir = join(workspace, "secrets", namespace, ref.secretName);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, ref.key);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, value, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
    return { ...ref, file: path };
  }

  async function materialize(m: LabManager): Promise<LabManager> {
    const ns = m.metadata.namespace;
    const ssh = {
      ...m.spec.ssh,
      passwordRef: await toFile(ns, m.spec.ssh.passwordRef),
      privateKeyRef: await toFile(ns, m.spec.ssh.privateKeyRef),
    };
    return { ...m, spec: { ...m.spec, ssh } };
  }

  return {
    manager: async (m) => base.manager(await materialize(m)),
    credentials: (m) => base.credentials(m),
    fingerprint: (m) => base.fingerprint(m),
  };
}
