import type { LabManager } from "../api/index.js";
import type { RemoteHost } from "../remote/types.js";

/** The secrets and keys a LabManager's steps need, from the workspace or Kubernetes Secrets. */
export interface ManagerCredentials {
  managerPublicKey: string;
  managerPassword: string;
}

/** How controllers reach hosts: pinned, pooled connections and the credentials for them. */
export interface HostAccess {
  /** A connected host for the Manager (bootstrapping key access on first contact if allowed). */
  manager(manager: LabManager): Promise<RemoteHost>;
  credentials(manager: LabManager): Promise<ManagerCredentials>;
  /** The pinned host key fingerprint of the Manager, once known. */
  fingerprint(manager: LabManager): string | undefined;
}
