/**
 * Text from hosts and file names reaches people's terminals (`labctl describe`, `get`, error
 * lines). A guest that prints ESC[2J, an OSC title or a cursor move must not redraw or retitle
 * the reader's terminal, nor hide the lines around it: these helpers keep such text inert.
 */

/* eslint-disable no-control-regex */
/** ESC sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (to BEL or ESC \), or ESC + one. */
const ESCAPE_SEQUENCE =
  /\u001b(?:\[[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0020-\u002f]*[\u0030-\u007e]?)/g;
/** 8-bit forms: CSI with its parameters, OSC/DCS/SOS/PM/APC strings up to their terminator. */
const C1_SEQUENCE =
  /\u009b[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|[\u0090\u0098\u009d\u009e\u009f][^\u0007\u009c\u001b]*(?:\u0007|\u009c|\u001b\\)?/g;
/** C0 controls but \n and \t, DEL, C1 controls, and the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/* eslint-enable no-control-regex */

/** Whether the text holds any control character (\n and \t included). */
export function hasControlCharacters(text: string): boolean {
  return ANY_CONTROL.test(text);
}

/** Drop escape sequences and control characters, keeping \n and \t: what a terminal may show. */
export function stripControls(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, "").replace(C1_SEQUENCE, "").replace(CONTROL, "");
}

/** stripControls, on one line: \n and \t become spaces (a table cell, a line of an error). */
export function oneLine(text: string): string {
  return stripControls(text).replace(/[\n\t]/g, " ");
}

/**
 * Quote text that holds control characters as a JSON string, with C1 controls escaped too
 * (JSON.stringify leaves them raw): a name shown exactly, yet inert and on one line.
 */
export function quotedIfControl(text: string): string {
  if (!hasControlCharacters(text)) return text;
  return escapeC1(JSON.stringify(text));
}

/** JSON.stringify escapes C0 controls only: escape C1 and U+2028/9 too, for JSON a terminal shows. */
export function escapeC1(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
