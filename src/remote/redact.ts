/**
 * Scrub what a remote command printed before it is kept in errors, status, events or logs.
 * Secrets travel on stdin and never in argv, but a failing tool may still echo one (a
 * traced script, a config dump, a URL with credentials): these patterns catch the usual
 * shapes. Whole PEM private-key blocks are dropped line by line.
 */
const REDACTED = "[redacted]";

const PATTERNS: Array<[RegExp, string]> = [
  // key=value, key: value, "key": "value" for secret-looking keys (OS_PASSWORD, not chpasswd:)
  [
    /((?<![A-Za-z0-9])(?:password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key)[\w-]*"?\s*[:=]\s*"?)([^\s"',;]+)/gi,
    `$1${REDACTED}`,
  ],
  // --password VALUE / --password=VALUE / -p VALUE style flags of common tools
  [/(--?(?:password|passwd|pass|token|secret|os-password)[ =])(\S+)/gi, `$1${REDACTED}`],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi, `$1${REDACTED}$3`],
];

/** A line that is only a long base64 run: a key body or token rather than a message. */
const BASE64_RUN = /^\s*[A-Za-z0-9+/]{40,}={0,2}\s*$/;

export function redactLine(line: string): string {
  if (BASE64_RUN.test(line)) return REDACTED;
  return PATTERNS.reduce((text, [re, to]) => text.replace(re, to), line);
}

/** Redact lines, dropping everything between PEM BEGIN/END PRIVATE KEY markers (inclusive). */
export function redactLines(lines: readonly string[]): string[] {
  let inKey = false;
  return lines.map((line) => {
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(line)) inKey = true;
    if (inKey) {
      if (/-----END [A-Z0-9 ]*PRIVATE KEY-----/.test(line)) inKey = false;
      return REDACTED;
    }
    return redactLine(line);
  });
}
