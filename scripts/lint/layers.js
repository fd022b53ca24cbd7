// @ts-check
/**
 * Imports point one way (README "Layout"): each folder of src/ may import only the folders
 * listed for it, never one above it. An ESLint rule, so `npm run lint` fails on a backward
 * import the moment it is written.
 */
import { dirname, relative, resolve, sep } from "node:path";

/** What each folder of src/ may import (besides itself); "log" is src/log.ts. */
export const LAYERS = {
  cli: ["*"],
  modes: [
    "runtime",
    "sources",
    "web",
    "topology",
    "observability",
    "controllers",
    "machines",
    "steps",
    "render",
    "remote",
    "kube",
    "workspace",
    "manifests",
    "api",
    "util",
    "log",
  ],
  runtime: [
    "sources",
    "observability",
    "controllers",
    "machines",
    "steps",
    "render",
    "remote",
    "manifests",
    "api",
    "util",
    "log",
  ],
  web: ["topology", "observability", "api", "util", "log"],
  topology: ["controllers", "machines", "api", "util"],
  observability: ["controllers", "remote", "api", "util", "log"],
  sources: ["manifests", "kube", "api", "util", "log"],
  controllers: ["machines", "steps", "render", "remote", "workspace", "manifests", "api", "util", "log"],
  machines: ["api", "util"],
  steps: ["render", "remote", "manifests", "api", "util", "log"],
  render: ["manifests", "api", "util"],
  remote: ["api", "util", "log"],
  kube: ["api", "util", "log"],
  workspace: ["remote", "api", "util", "log"],
  manifests: ["api", "util"],
  api: [],
  util: [],
  log: ["util"],
};

/** The src/ folder a path is in ("log" for src/log.ts), or undefined outside src/. */
function folderOf(srcDir, path) {
  const rel = relative(srcDir, path);
  if (rel.startsWith("..") || rel === "") return undefined;
  const [first, ...rest] = rel.split(sep);
  return rest.length ? first : first.replace(/\.[jt]s$/, "");
}

/** @type {import("eslint").Rule.RuleModule} */
export const importsPointDown = {
  meta: {
    type: "problem",
    docs: { description: "imports between src/ folders point one way (README Layout)" },
    schema: [],
    messages: {
      backward:
        "src/{{from}} must not import src/{{to}}: imports point one way (README Layout); {{from}} may import {{allowed}}",
    },
  },
  create(context) {
    const file = context.filename;
    const srcDir = resolve(context.cwd, "src");
    const from = folderOf(srcDir, file);
    if (!from) return {};
    const allowed = LAYERS[/** @type {keyof typeof LAYERS} */ (from)];
    const check = (/** @type {any} */ node) => {
      const spec = node.source?.value;
      if (typeof spec !== "string" || !spec.startsWith(".")) return;
      const to = folderOf(srcDir, resolve(dirname(file), spec));
      if (!to || to === from || !allowed || allowed.includes("*") || allowed.includes(to)) return;
      context.report({
        node: node.source,
        messageId: "backward",
        data: { from, to, allowed: allowed.length ? allowed.join(", ") : "nothing of ours" },
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { "imports-point-down": importsPointDown } };
