import { z } from "zod";

/** Linux limits interface names to 15 bytes (IFNAMSIZ - 1); we also keep a safe charset. */
export const ifaceName = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s) <= 15, "must be at most 15 bytes (Linux IFNAMSIZ)")
  .refine((s) => /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(s), "may contain only letters, digits, '_', '.', '-'");

const ipv4Re = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const ipv4 = z.string().regex(ipv4Re, "must be an IPv4 address");

/** IPv4 address with prefix length, e.g. 192.168.122.1/24. */
export const cidr = z.string().refine((s) => {
  const [addr, len, ...rest] = s.split("/");
  return rest.length === 0 && addr !== undefined && ipv4Re.test(addr) && /^(3[0-2]|[12]?\d)$/.test(len ?? "");
}, "must be an IPv4 address with prefix length, e.g. 192.168.122.1/24");

export const ipv6Cidr = z
  .string()
  .regex(/^[0-9a-fA-F:]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/, "must be an IPv6 address with prefix length");

export const mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "must be a lowercase MAC address");

/** A Go-style duration: 30s, 5m, 1h, 1h30m. */
export const duration = z
  .string()
  .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, "must be a duration like 30s, 5m or 1h")
  .refine((s) => s.length > 0, "must not be empty");

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

export function durationMs(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}
