/**
 * Scrub text a remote host printed, at the one place it enters the process (exec.ts and
 * stream.ts run every line through a Redactor): whatever keeps it later (errors, conditions,
 * events, state files, the status page, Kubernetes status, logs) only ever saw the scrubbed
 * line. Secrets travel on stdin and never in argv, but a failing tool may still echo one (a
 * traced script, a config dump, TripleO's passwords file, a URL or a header with
 * credentials): the patterns below catch the usual shapes and replace only the value, and
 * every secret the operator itself handed out (registered with rememberSecret) is replaced
 * wherever it appears. Whole PEM private-key blocks are dropped line by line.
 */
export const REDACTED = "[redacted]";

/** Words that make a key secret-looking: OS_PASSWORD, AdminPassword, undercloud_admin_password... */
const SECRET_WORD = /(password|passwd|passphrase|secret|token|api[_-]?key|private[_-]?key|credentials?)/gi;

/**
 * `key<sep>value` with a secret-looking key. The separator decides where the value ends: a
 * quoted value at its closing quote (spaces and all); `key=value` (shell) at whitespace;
 * `key: value` and `key = value` (YAML, ini, TripleO's passwords files) at the end of the line.
 */
const KEY_VALUE =
  /(?<![\w.-])([A-Za-z_][\w.-]*)("?)(\s*[:=]\s*)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S.*))(.*)$/;

/** Command-line flags whose next word is a secret, for any tool. */
const SECRET_FLAG =
  /((?<![\w-])--?(?:password|passwd|pass|token|secret|os-password|os-token|api-key|private-key)(?:[ =]|\s+))(?:(["'])(.*?)\2|(\S+))/gi;

/** Flags that are a password only for one tool: ipmitool -P, sshpass -p, mysql -pPASS. */
const TOOL_FLAGS: Array<{ tool: RegExp; flag: RegExp }> = [
  { tool: /\bipmitool\b/, flag: /(\s-P\s*)(?:(["'])(.*?)\2|(\S+))/g },
  { tool: /\bsshpass\b/, flag: /(\s-p\s*)(?:(["'])(.*?)\2|(\S+))/g },
  { tool: /\bmysql(?:admin|dump)?\b/, flag: /(\s-p)(?:(["'])(.*?)\2|(\S+))/g },
];

const OTHER_PATTERNS: Array<[RegExp, string]> = [
  // Authorization: Bearer x, Proxy-Authorization: Basic x, X-Auth-Token handled as a key
  [
    /((?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate)\s+)?)(.+)/gi,
    `$1${REDACTED}`,
  ],
  [/(\bbearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi, `$1${REDACTED}`],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi, `$1${REDACTED}$3`],
];

/** A line that is only a long base64 run: a key body or token rather than a message. */
const BASE64_RUN = /^\s*[A-Za-z0-9+/]{40,}={0,2}\s*$/;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/;

/** Secrets shorter than this are not searched for (a 3-letter password would eat words). */
const MIN_KNOWN_SECRET = 6;
const known = new Set<string>();

/**
 * A secret the operator handed out or was given (a guest, manager or BMC password): from now
 * on replaced wherever remote text holds it, whatever shape surrounds it.
 */
export function rememberSecret(value: string | undefined): void {
  const v = value?.trim();
  if (v && v.length >= MIN_KNOWN_SECRET) known.add(v);
}

/** For tests: forget every remembered secret. */
export function forgetSecrets(): void {
  known.clear();
}

/** A key is secret-looking when a secret word starts it, follows a separator or starts a camelCase part. */
function secretKey(key: string): boolean {
  for (const m of key.matchAll(SECRET_WORD)) {
    const at = m.index;
    const before = key[at - 1];
    if (at === 0 || !/[a-z]/i.test(before ?? "") || /[A-Z]/.test(key[at]!)) return true;
  }
  return false;
}

/** Every `key<sep>value` of the line, left to right; what follows a value is scanned again. */
function redactKeyValues(line: string): string {
  const m = KEY_VALUE.exec(line);
  if (!m) return line;
  const [all, key, q, sep, dq, sq, bare, after] = m as unknown as [
    string,
    string,
    string,
    string,
    ...(string | undefined)[],
  ];
  const head = line.slice(0, m.index) + key + q + sep;
  const valueAt = m.index + key.length + q.length + sep.length;
  if (!secretKey(key) || (PROGRAM_PREFIX.test(key) && sep.trimStart().startsWith(":")))
    return head + redactKeyValues(line.slice(valueAt));
  if (dq !== undefined) return `${head}"${REDACTED}"${redactKeyValues(after ?? "")}`;
  if (sq !== undefined) return `${head}'${REDACTED}'${redactKeyValues(after ?? "")}`;
  const value = bare ?? "";
  // shell `KEY=value more`: the value ends at whitespace
  const end =
    sep === "=" ? /^\S+/.exec(value)![0].length : q === '"' ? /^[^,}\]]*/.exec(value)![0].length : all.length;
  return end >= value.length
    ? `${head}${REDACTED}`
    : `${head}${REDACTED}${redactKeyValues(value.slice(end))}`;
}

/** `passwd: Authentication token manipulation error` names the program, not a value. */
const PROGRAM_PREFIX = /^(?:ch|g)?passwd$/;

/** curl -u user:password, --user, --proxy-user, -U: the user stays, the password goes. */
const USER_PASSWORD =
  /((?:^|\s)(?:-u|--user|--proxy-user|-U)(?:\s+|=)?)(?:(["'])([^\s:"']+:)(.*?)\2|([^\s:"']+:)(\S+))/g;

function redactUserPassword(line: string): string {
  return line.replace(
    USER_PASSWORD,
    (_all, flag: string, quote?: string, qUser?: string, _qp?: string, user?: string) =>
      quote ? `${flag}${quote}${qUser}${REDACTED}${quote}` : `${flag}${user}${REDACTED}`,
  );
}

function redactFlag(re: RegExp, line: string): string {
  return line.replace(re, (_all, flag: string, quote?: string) =>
    quote ? `${flag}${quote}${REDACTED}${quote}` : `${flag}${REDACTED}`,
  );
}

/** Scrub one line that is not part of a private key block. */
export function redactLine(line: string): string {
  // Known secrets go first (whole, before a pattern could cut one at a space), except those
  // that hold a secret word: replacing "password" first would break the key it is part of.
  let text = replaceKnown(line, (s) => !SECRET_WORD_ONCE.test(s));
  if (BASE64_RUN.test(text)) return REDACTED;
  text = redactKeyValues(text);
  text = redactFlag(SECRET_FLAG, text);
  for (const { tool, flag } of TOOL_FLAGS) if (tool.test(text)) text = redactFlag(flag, text);
  text = redactUserPassword(text);
  text = OTHER_PATTERNS.reduce((t, [re, to]) => t.replace(re, to), text);
  return replaceKnown(text, () => true);
}

const SECRET_WORD_ONCE = new RegExp(SECRET_WORD.source, "i");

function replaceKnown(text: string, which: (secret: string) => boolean): string {
  let out = text;
  for (const secret of known)
    if (out.includes(secret) && which(secret)) out = out.replaceAll(secret, REDACTED);
  return out;
}

/** Scrubs the lines of one stream in order, dropping everything inside a PEM private key block. */
export class Redactor {
  private inKey = false;

  line(line: string): string {
    if (PEM_BEGIN.test(line)) this.inKey = true;
    if (this.inKey) {
      if (PEM_END.test(line)) this.inKey = false;
      return REDACTED;
    }
    return redactLine(line);
  }
}

/** Redact lines, dropping everything between PEM BEGIN/END PRIVATE KEY markers (inclusive). */
export function redactLines(lines: readonly string[]): string[] {
  const r = new Redactor();
  return lines.map((l) => r.line(l));
}

/** Redact a whole output (line by line, line breaks kept). */
export function redactText(text: string): string {
  const r = new Redactor();
  return text
    .split("\n")
    .map((l) => (l.endsWith("\r") ? `${r.line(l.slice(0, -1))}\r` : r.line(l)))
    .join("\n");
}
