/**
 * Tag for our constant bash scripts: the text is taken raw (backslashes stay as written),
 * and `\${` is how a script writes bash's `${` inside a template literal. Interpolation is
 * refused so that no value can ever be pasted into a script: values go in "$1"... or stdin.
 */
export function bash(strings: TemplateStringsArray, ...values: never[]): string {
  if (values.length > 0) throw new TypeError("bash scripts are constants: pass values as arguments");
  return strings.raw.join("").replaceAll("\\${", "${");
}
