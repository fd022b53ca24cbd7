import type { V1Secret } from "@kubernetes/client-node";
import type { SecretRef } from "../api/index.js";
import { Refused } from "../util/errors.js";
import { isNotFound, type KubeClients } from "./client.js";

/** A secret value that is not there: the message names the Secret and key, never a value. */
export class SecretMissing extends Error {
  override name = "SecretMissing";
}

/**
 * The value a SecretRef points to in Kubernetes mode (spec.ssh.passwordRef and the like):
 * Secret `secretName`, key `key`, in the object's namespace. The value goes to the caller
 * only; it is never logged, put in status or events, or passed on a command line.
 */
export async function readSecretRef(
  clients: KubeClients,
  namespace: string,
  ref: SecretRef,
  /** Why this Secret must not be read (it belongs to someone else), or undefined. */
  refuse?: (secret: V1Secret) => string | undefined,
): Promise<string> {
  if (!ref.secretName)
    throw new SecretMissing("the reference names no secretName (Kubernetes mode needs one)");
  const where = `Secret ${namespace}/${ref.secretName} key ${JSON.stringify(ref.key)}`;
  let secret: V1Secret;
  try {
    secret = await clients.core.readNamespacedSecret({ namespace, name: ref.secretName });
  } catch (err) {
    if (isNotFound(err)) throw new SecretMissing(`${where}: the Secret does not exist`);
    throw err;
  }
  const refused = refuse?.(secret);
  if (refused) throw new Refused("ForbiddenReference", `${where}: ${refused}`);
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) throw new SecretMissing(`${where}: the Secret has no such key`);
  return Buffer.from(encoded, "base64").toString("utf8");
}
