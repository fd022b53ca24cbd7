import { sshAliasesOf, type LabObject } from "../api/index.js";
import { errorAt, quoted } from "./crosscheck.js";
import type { LoadedObject } from "./decode.js";
import type { ManifestError } from "./errors.js";

/**
 * What src/workspace accepts, checked here first so validate refuses what the workspace
 * would refuse mid-reconcile: an ssh.config Host alias (sshconfig.ts renderHostBlock) and
 * the host part of a `user@host` login file name (workspace.ts checkLogin).
 */
const SSH_ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Two objects must never share an ssh.config alias (the second block would replace the
 * first, and `labctl ssh` would reach the wrong host), and a VM's alias must not be its
 * Manager's root login, which it jumps through. Refused here, before anything is written.
 */
export function checkWorkspaceNames(objects: readonly LoadedObject[]): ManifestError[] {
  const owners = new Map<string, { at: LoadedObject; what: string }>();
  const errors: ManifestError[] = [];
  for (const o of objects) {
    for (const { alias, path, what } of sshAliasesOf(o.object as LabObject)) {
      if (!SSH_ALIAS.test(alias)) {
        const message = `ssh.config alias ${quoted(alias)} (${what}) must start with a letter or digit and hold only letters, digits and ._-: ssh.config and the workspace's key files refuse it`;
        errors.push(errorAt(o, path, message));
        continue;
      }
      const first = owners.get(alias);
      if (!first) {
        owners.set(alias, { at: o, what });
        continue;
      }
      if (sameDomainOnOneManager(first.at.object as LabObject, o.object as LabObject)) continue;
      const other = `${first.at.object.kind} ${quoted(first.at.object.metadata.name)}`;
      errors.push(
        errorAt(
          o,
          path,
          `ssh.config alias ${quoted(alias)} (${what}) is already ${other}'s (${first.what}): choose another name`,
        ),
      );
    }
  }
  return errors;
}

/** Two VMs with one domain on one Manager: reported as a domain clash already. */
function sameDomainOnOneManager(a: LabObject, b: LabObject): boolean {
  return (
    a.kind === "TripleOUndercloud" &&
    b.kind === "TripleOUndercloud" &&
    a.metadata.namespace === b.metadata.namespace &&
    a.spec.managerRef.name === b.spec.managerRef.name
  );
}
