import { z } from "zod";
import { secretRef } from "./meta.js";

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

/**
 * An IPv6 address as RFC 4291 writes it: eight groups of 1-4 hex digits, or fewer with one
 * `::` standing for the missing ones. The patterns (also the CRDs', for RE2) only bound the
 * characters; this is what refuses `:::::::`, `1:::2` or nine groups.
 */
export function isIpv6(address: string): boolean {
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

/** The eight groups written out (lowercase, four digits): one spelling per IPv6 address. */
export function canonicalIpv6(address: string): string {
  const [head = "", tail] = address.toLowerCase().split("::");
  const split = (h: string) => (h === "" ? [] : h.split(":"));
  const left = split(head);
  const right = tail === undefined ? [] : split(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => g.padStart(4, "0")).join(":");
}

const IPV6_MESSAGE = "must be an IPv6 address: eight groups of 1-4 hex digits, or fewer with one '::'";

export const ipv6Cidr = z
  .string()
  .regex(/^[0-9a-fA-F:]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/, "must be an IPv6 address with prefix length")
  .refine((v) => isIpv6(v.split("/")[0] ?? ""), IPV6_MESSAGE);

export const mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "must be a lowercase MAC address");

/** A Go-style duration: 30s, 5m, 1h, 1h30m. */
export const duration = z
  .string()
  .min(2, "must be a duration like 30s, 5m or 1h")
  .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, "must be a duration like 30s, 5m or 1h");

/** How often a Ready object is re-observed to catch drift no host event reported. */
export function resyncInterval(defaultValue: string) {
  return duration
    .default(defaultValue)
    .describe(
      `How often the host is re-observed (one SSH round trip) to catch drift no event reported, as a duration like 30s, 5m or 1h; default ${defaultValue}.`,
    );
}

export const ianaTimezone = z
  .string()
  .max(64)
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
export const packageName = z
  .string()
  .max(255)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_+.-]*$/, "must be a package name");

/*
 * Paths reach unit files, INI files, ssh_config and remote argv: letters, digits and
 * ._+@%=:,/- only (no whitespace, quotes, shell metacharacters or newlines), and never a '..'
 * (a dot must be followed by another character than a dot). No lookahead: the CRD patterns
 * are checked by the API server's RE2 too.
 */
const pathChar = "[A-Za-z0-9_+@%=:,/-]";
const pathBody = `(${pathChar}|\\.${pathChar})*\\.?`;
const pathRules = "letters, digits and ._+@%=:,/- only, without '..'";

/** An absolute path (it ends up in unit files, config files and shell arguments). */
export const absolutePath = z
  .string()
  .max(4096)
  .regex(new RegExp(`^/${pathBody}$`), `must be an absolute path of ${pathRules}`);

/** A relative or absolute path, same characters as absolutePath. */
export const relativeOrAbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(new RegExp(`^${pathBody}$`), `must be a path of ${pathRules}`);

const urlChar = "[A-Za-z0-9_~:/?#@!&+,;=%-]";
const urlBody = `(${urlChar}|\\.${urlChar})+\\.?`;

/**
 * A URL for download tools and config files: `^(schemes)://...suffix$`. No whitespace,
 * quotes, backslashes, '$', '`', '<', '>', '|', braces or brackets, and no '..' (no path
 * traversal in file:// URLs). `absolute` also accepts an absolute path.
 */
export function url(opts: { schemes: string; suffix?: string; absolute?: boolean; what: string }) {
  const alternatives = [`(${opts.schemes})://${urlBody}${opts.suffix ?? ""}`];
  if (opts.absolute) alternatives.push(`/${pathBody}`);
  return z
    .string()
    .max(2048)
    .regex(
      new RegExp(`^(${alternatives.join("|")})$`),
      `must be ${opts.what}, without whitespace, quotes, shell metacharacters or '..'`,
    )
    .superRefine((value, ctx) => {
      const problem = percentEscapeProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

/**
 * What a URL's percent escapes hide: a malformed escape (`%zz`, `%2`: decoding throws), or,
 * decoded, a '..' (`%2e%2e`, `%2E.`) or a control character. file:// URLs are decoded into a
 * path on the Manager, and a server decodes http(s) paths: the pattern's "no '..'" must hold
 * after decoding too.
 */
export function percentEscapeProblem(value: string): string | undefined {
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(value);
  if (bad)
    return `has a malformed percent escape at ${JSON.stringify(value.slice(bad.index, bad.index + 3))} (a '%' must start %XX, two hex digits)`;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return "has percent escapes that do not decode to UTF-8 text";
  }
  if (decoded.includes("..")) return "must not hide '..' in percent escapes (%2e%2e): no path traversal";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return "must not hide control characters in percent escapes";
  return undefined;
}

/**
 * The file name a URL or path ends in (before any ?query or #fragment), percent-decoded; ""
 * when it names a directory (a trailing '/') or only a host.
 */
export function urlFileName(value: string): string {
  const path = value
    .replace(/^file:\/\//, "")
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "")
    .replace(/[?#].*$/, "");
  const last = path.slice(path.lastIndexOf("/") + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * What the operator connects to: a DNS name (its last label starts with a letter, so no
 * malformed dotted quad slips through), an IPv4 address or an IPv6 literal.
 */
const dnsLabel = "[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?";
const topLabel = "[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?";
const ipv6Literal = "([0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}";
export const hostAddress = z
  .string()
  .min(1)
  .max(253)
  .regex(
    new RegExp(`^((${dnsLabel}\\.)*${topLabel}\\.?|${ipv4Source}|${ipv6Literal})$`),
    "must be a DNS name, an IPv4 address or an IPv6 address",
  )
  .refine((v) => !v.includes(":") || isIpv6(v), IPV6_MESSAGE);

/** An osinfo short id as virt-install --os-variant takes it: centos7.0, rhel8.4, generic. */
export const osVariant = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9._-]*$/, "must be an osinfo short id like centos7.0 (see `osinfo-query os`)");

/**
 * An INI value of undercloud.conf: one line of words of letters, digits and ._,:/@%+=*- —
 * no newline (a new setting), no '[' or ']' (a section), no quotes, '$' (oslo.config
 * interpolation) or shell metacharacters.
 */
export const iniValue = z
  .string()
  .max(4096)
  .regex(
    /^([A-Za-z0-9_.,:/@%+=*-]+( [A-Za-z0-9_.,:/@%+=*-]+)*)?$/,
    "must be one line of words of letters, digits and ._,:/@%+=*- (no newline, brackets, quotes, '$' or edge spaces)",
  );

/** A Kubernetes Secret key. */
export const secretKey = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[-._a-zA-Z0-9]*[-_a-zA-Z0-9][-._a-zA-Z0-9]*$/,
    "must be a Secret key (letters, digits, '-', '_', '.')",
  );

/**
 * meta's secretRef with its free-text fields tightened: a secret file is read by labctl and
 * sent to the host, and lands in ssh_config (IdentityFile), so no '..', whitespace or quotes.
 */
export const checkedSecretRef = secretRef.extend({
  key: secretKey.default("value").describe("Key inside the Secret; default `value`."),
  file: relativeOrAbsolutePath
    .optional()
    .describe("File mode: a file holding the value, absolute or relative to the directory labctl runs in."),
});

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
