import { pino, type Logger } from "pino";

/** Paths redacted from every log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "passphrase",
  "*.passphrase",
  "privateKey",
  "*.privateKey",
  "stdin",
  "*.stdin",
  "token",
  "*.token",
  "secret",
  "*.secret",
];

export type { Logger };

/** JSON lines when not a TTY (or LOG_FORMAT=json), pretty on a terminal. */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? "info";
  const redact = { paths: REDACT_PATHS, censor: "[redacted]" };
  const dest = opts.destination ?? process.stderr;
  const pretty =
    !opts.destination &&
    process.env.LOG_FORMAT !== "json" &&
    Boolean((process.stderr as { isTTY?: boolean }).isTTY);
  if (pretty) {
    return pino({
      level,
      redact,
      transport: { target: "pino-pretty", options: { destination: 2, ignore: "pid,hostname" } },
    });
  }
  return pino({ level, redact }, dest as pino.DestinationStream);
}

let root: Logger | undefined;
/** The process-wide logger; the CLI may replace it once at start. */
export function rootLogger(): Logger {
  root ??= createLogger();
  return root;
}
export function setRootLogger(logger: Logger): void {
  root = logger;
}
