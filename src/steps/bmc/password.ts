/** IPMI 2.0 passwords are at most 20 bytes. */
export const IPMI_PASSWORD_MAX = 20;

/**
 * The BMC password: the one a passwordRef names (refused when IPMI cannot take it), else a
 * generated one cut to 20 characters (about 119 bits of a 25-character password).
 */
export function bmcPassword(given: string | undefined, generated: () => string, where: string): string {
  if (given === undefined) return generated().slice(0, IPMI_PASSWORD_MAX);
  if (Buffer.byteLength(given) > IPMI_PASSWORD_MAX)
    throw new Error(`${where}: spec.bmc.passwordRef: IPMI allows at most ${IPMI_PASSWORD_MAX} bytes`);
  return given;
}
