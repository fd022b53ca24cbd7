import { z } from "zod";

/**
 * Linux limits interface names to 15 bytes (IFNAMSIZ - 1). The charset is ASCII-only, so
 * characters equal bytes and the limit is expressible as maxLength in the generated schemas.
 */
export const ifaceName = z
  .string()
  .min(1)
  .max(15, "must be at most 15 bytes (Linux IFNAMSIZ)")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "may contain only letters, digits, '_', '.', '-'");

const octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4Source = `${octet}(\\.${octet}){3}`;
const ipv4Re = new RegExp(`^${ipv4Source}$`);
const cidrRe = new RegExp(`^${ipv4Source}/(3[0-2]|[12]?\\d)$`);

export const ipv4 = z.string().regex(ipv4Re, "must be an IPv4 address");

/** IPv4 address with prefix length, e.g. 192.168.122.1/24. */
export const cidr = z
  .string()
  .regex(cidrRe, "must be an IPv4 address with prefix length, e.g. 192.168.122.1/24");

export const ipv6Cidr = z
  .string()
  .regex(/^[0-9a-fA-F:]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/, "must be an IPv6 address with prefix length");

export const mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "must be a lowercase MAC address");

/** A Go-style duration: 30s, 5m, 1h, 1h30m. */
export const duration = z
  .string()
  .min(2, "must be a duration like 30s, 5m or 1h")
  .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, "must be a duration like 30s, 5m or 1h");

export const ianaTimezone = z
  .string()
  .regex(/^[A-Za-z]+(?:[/_+-][A-Za-z0-9]+)*$/, "must be an IANA timezone like America/Chicago or UTC");

export const posixUserName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a POSIX user name (lowercase, at most 32 chars)");

export const hostName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    "must be a lowercase DNS host name",
  );

/** A distribution package name (rpm or deb). */
export const packageName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_+.-]*$/, "must be a package name");

/** An absolute path without newlines (it ends up in unit files and shell arguments). */
export const absolutePath = z.string().regex(/^\/[^\n\r\0]*$/, "must be an absolute path without newlines");

/** A TCP/UDP port above the privileged range. */
export const unprivilegedPort = z
  .number()
  .int()
  .min(1024, "must be between 1024 and 65535")
  .max(65535, "must be between 1024 and 65535");

export function durationMs(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}
