import { escapeXml } from "./template.js";

export type Attributes = Record<string, string | number | undefined>;

/** ` a="1" b="2"` with values escaped; undefined values are left out. */
export function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");
}

/**
 * One XML element as text. Children are elements built by this function (already safe);
 * text is escaped. Nested children are indented by two spaces per level.
 */
export function element(
  name: string,
  attrs: Attributes = {},
  children: string[] = [],
  text?: string,
): string {
  const open = `<${name}${attributes(attrs)}`;
  if (text !== undefined) return `${open}>${escapeXml(text)}</${name}>`;
  if (children.length === 0) return `${open}/>`;
  const inner = children.map((c) => c.replace(/^/gm, "  ")).join("\n");
  return `${open}>\n${inner}\n</${name}>`;
}
