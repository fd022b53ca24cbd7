import { readFileSync } from "node:fs";
import { projectPath } from "../util/project-root.js";

const cache = new Map<string, string>();

/** The text of a template under configuration/, read once. */
export function loadTemplate(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(projectPath("configuration", relativePath), "utf8");
    cache.set(relativePath, text);
  }
  return text;
}

export type Escape = (value: string) => string;

const PLACEHOLDER = /\{\{\{([A-Za-z][A-Za-z0-9]*)\}\}\}|\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;

/**
 * Fill `{{name}}` with escape(value) and `{{{name}}}` with a fragment the caller already built
 * safely. A line holding only an empty fragment disappears. Every placeholder must have a
 * value, so a template and its renderer cannot drift apart silently.
 */
export function fill(template: string, values: Record<string, string>, escape: Escape): string {
  const lines = template.split("\n").filter((line) => {
    const only = /^\s*\{\{\{([A-Za-z][A-Za-z0-9]*)\}\}\}\s*$/.exec(line);
    return !(only && values[only[1] as string] === "");
  });
  return lines
    .join("\n")
    .replace(PLACEHOLDER, (_match, raw: string | undefined, escaped: string | undefined) => {
      const name = (raw ?? escaped) as string;
      const value = values[name];
      if (value === undefined) throw new Error(`template value missing: ${name}`);
      return raw ? value : escape(value);
    });
}

/** Text and attribute values in XML. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** One-line values: INI files, sudoers, hook config. A newline would start a new setting. */
export function singleLine(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`value must be a single line: ${JSON.stringify(value)}`);
  return value;
}

/**
 * systemd unit values: `%` starts a specifier, so it is doubled; whitespace would split a
 * path list (ReadWritePaths=) or an Environment= assignment, so it is refused.
 */
export function escapeSystemd(value: string): string {
  if (/\s/.test(value))
    throw new Error(`value must not contain whitespace in a unit file: ${JSON.stringify(value)}`);
  return value.replace(/%/g, "%%");
}

/** A POSIX shell word: single-quoted, embedded quotes closed and escaped. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
