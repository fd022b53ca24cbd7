/**
 * The one quoting function: every argv that reaches a remote shell passes through here.
 * POSIX single quotes keep every byte literal except the quote itself, which is closed,
 * escaped and reopened. NUL cannot travel in a C string, so it is refused.
 */
export function quoteArg(arg: string): string {
  if (arg.includes("\0")) throw new TypeError("argument contains a NUL byte");
  if (arg !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line for `sh -c`, from argv. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError("empty argv");
  return argv.map(quoteArg).join(" ");
}
