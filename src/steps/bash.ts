/**
 * Tag for our constant bash scripts: the text is taken raw (backslashes stay as written),
 * and `\${` is how a script writes bash's `${` inside a template literal. Interpolation is
 * refused so that no value can ever be pasted into a script: values go in "$1"... or stdin.
 */
export function bash(strings: TemplateStringsArray, ...values: never[]): string {
  if (values.length > 0) throw new TypeError("bash scripts are constants: pass values as arguments");
  return strings.raw.join("").replaceAll("\\${", "${");
}

/**
 * A bash function for scripts that wait for readiness: `poll_until SECONDS COMMAND...` runs
 * COMMAND quietly until it succeeds and returns 1 once SECONDS have passed. Prepend it to a
 * script (`POLL_UNTIL + bash\`...\``); it is the one place that sets the poll interval.
 */
export const POLL_UNTIL = bash`poll_until() {
  local deadline=$((SECONDS + $1)) interval=0.2
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep "$interval"
  done
}
`;
