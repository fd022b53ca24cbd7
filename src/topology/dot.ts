import type { NodeKind, Topology, TopologyNode } from "./model.js";

const SHAPES: Record<NodeKind, string> = {
  LabManager: "box3d",
  Bridge: "cds",
  LibvirtNetwork: "ellipse",
  TripleOUndercloud: "component",
  OvercloudNodeSet: "box",
};

const COLORS: Record<TopologyNode["ready"], string> = {
  True: "#2e7d32",
  False: "#c62828",
  Unknown: "#9e9e9e",
};

/** Graphviz DOT of the topology: one node per object or bridge, coloured by Ready. */
export function toDot(topology: Topology): string {
  const lines = ["digraph lab {", "  rankdir=LR;", '  node [fontname="sans-serif", fontsize=10];'];
  for (const n of topology.nodes) {
    const label = `${n.kind}\n${n.name}\n${n.detail}\nReady=${n.ready}${n.reason ? ` (${n.reason})` : ""}`;
    lines.push(
      `  ${dotString(n.id)} [label=${dotString(label)}, shape=${SHAPES[n.kind]}, color=${dotString(COLORS[n.ready])}];`,
    );
  }
  for (const e of topology.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** A DOT double-quoted string: quotes and backslashes escaped, newlines as \n line breaks. */
export function dotString(text: string): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n");
  // Other control characters would end the label or confuse dot's lexer: blank them.
  const printable = [...escaped].map((c) => (c.charCodeAt(0) < 0x20 || c === "\x7f" ? " " : c)).join("");
  return `"${printable}"`;
}
