/**
 * A small XML reader for the documents libvirt prints (`virsh net-dumpxml`): elements,
 * attributes in either quote style, text and the five predefined entities plus numeric
 * references. Comments, processing instructions, CDATA and DOCTYPE are skipped. It is not a
 * validating parser: it exists so observe needs no XML dependency for a handful of fields.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<![^>]*>|<\/([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(
    ENTITY,
    (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
      if (named) return NAMED[named] as string;
      return String.fromCodePoint(dec ? Number(dec) : parseInt(hex as string, 16));
    },
  );
}

function parseAttrs(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of source.matchAll(ATTR)) attrs[m[1] as string] = decodeEntities(m[2] ?? m[3] ?? "");
  return attrs;
}

/** The document element of an XML text; throws on unbalanced tags or an empty document. */
export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
  const stack: XmlElement[] = [root];
  for (const m of text.matchAll(TOKEN)) {
    const top = stack[stack.length - 1] as XmlElement;
    const [, cdata, closing, opening, attrSource, selfClose, chars] = m;
    if (cdata !== undefined) top.text += cdata;
    else if (chars !== undefined) top.text += decodeEntities(chars);
    else if (closing !== undefined) {
      if (top.name !== closing || stack.length === 1)
        throw new Error(`unbalanced XML: </${closing}> closes <${top.name}>`);
      stack.pop();
    } else if (opening !== undefined) {
      const el: XmlElement = { name: opening, attrs: parseAttrs(attrSource ?? ""), children: [], text: "" };
      top.children.push(el);
      if (!selfClose) stack.push(el);
    }
  }
  if (stack.length !== 1)
    throw new Error(`unbalanced XML: <${(stack[stack.length - 1] as XmlElement).name}> not closed`);
  const doc = root.children[0];
  if (!doc) throw new Error("empty XML document");
  return doc;
}

/** Local name without its namespace prefix. */
export function localName(name: string): string {
  const i = name.indexOf(":");
  return i < 0 ? name : name.slice(i + 1);
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The namespace URI an element's prefix is bound to on the element itself (libvirt keeps it there). */
export function namespaceOf(el: XmlElement): string | undefined {
  const i = el.name.indexOf(":");
  const attr = i < 0 ? "xmlns" : `xmlns:${el.name.slice(0, i)}`;
  return el.attrs[attr];
}
