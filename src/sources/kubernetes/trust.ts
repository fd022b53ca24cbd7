import { secretRefsOf, type LabObject } from "../../api/index.js";

/** The prefix of the Secrets the operator generates credentials into (labcreds-<kind>-<name>). */
export const CREDENTIALS_SECRET_PREFIX = "labcreds-";

/**
 * Whoever may create an object must not be able to make the operator disclose anything:
 * in Kubernetes mode a reference names a Secret of the object's own namespace (the only
 * one it is looked up in), never a file of the operator's pod (its service account token)
 * and never the credentials the operator keeps for an object. One error line per field.
 */
export function trustBoundaryErrors(object: LabObject): string[] {
  return secretRefsOf(object).flatMap(({ path, ref }) => {
    if (ref.file !== undefined)
      return [
        `${path}.file: files are not read in Kubernetes mode (they would be the operator's own); name a Secret with secretName and key`,
      ];
    if (ref.secretName?.startsWith(CREDENTIALS_SECRET_PREFIX))
      return [
        `${path}.secretName: ${ref.secretName} is where the operator keeps generated credentials, not a Secret to read from`,
      ];
    return [];
  });
}
