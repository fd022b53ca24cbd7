import { generateKeyPair } from "../../workspace/keys.js";
import { generatePassword } from "../../workspace/password.js";
import type { SecretOwner, SecretRole } from "../../workspace/types.js";
import type { Workspace } from "../../workspace/workspace.js";

export interface KeyMaterial {
  privateKey: Buffer;
  publicKey: string;
}

/** How the file-mode store gets an object's generated secrets. */
export interface WorkspaceSecrets {
  /** The key pair of a role; undefined only for a login key a read-only run does not have. */
  keyPair(owner: SecretOwner, role: SecretRole, legacy?: string): Promise<KeyMaterial | undefined>;
  password(owner: SecretOwner, role: SecretRole, legacy?: string): Promise<string>;
}

/** Created once in the workspace and kept (labctl apply and run). */
export function writingSecrets(workspace: Workspace): WorkspaceSecrets {
  return {
    async keyPair(owner, role, legacy) {
      const pair = await workspace.keyPairFor(owner, role, legacy);
      return { privateKey: Buffer.from(pair.privateKey), publicKey: pair.publicKey };
    },
    password: (owner, role, legacy) => workspace.passwordFor(owner, role, legacy),
  };
}

/**
 * `labctl plan`: what the workspace has, and otherwise stand-ins kept in memory for this run
 * only (what apply would generate), so planning writes nothing. A missing login key stays
 * missing: plan then logs in with the password instead of authorizing a key.
 */
export function readOnlySecrets(workspace: Workspace): WorkspaceSecrets {
  const made = new Map<string, KeyMaterial | string>();
  const once = <T extends KeyMaterial | string>(id: string, make: () => T): T =>
    (made.get(id) as T | undefined) ?? (made.set(id, make()).get(id) as T);
  const id = (o: SecretOwner, role: SecretRole) => `${o.kind}/${o.namespace}/${o.name}/${role}`;
  return {
    async keyPair(owner, role, legacy) {
      const kept = await workspace.peekKeyPair(owner, role, legacy);
      if (kept) return { privateKey: Buffer.from(kept.privateKey), publicKey: kept.publicKey };
      if (role === "login") return undefined;
      return once(`key ${id(owner, role)}`, () => {
        const pair = generateKeyPair("ed25519", `${role}@${owner.name}`);
        return { privateKey: Buffer.from(pair.privateKey), publicKey: pair.publicKey };
      });
    },
    async password(owner, role, legacy) {
      return (
        (await workspace.peekPassword(owner, role, legacy)) ??
        once(`password ${id(owner, role)}`, generatePassword)
      );
    },
  };
}
