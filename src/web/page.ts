import { createHash } from "node:crypto";
import { PAGE_SCRIPT } from "./page-script.js";

const STYLE = `
body { font-family: sans-serif; margin: 0; background: #fafafa; color: #212121; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: 0.8em 1.2em; background: #263238; color: #eceff1; }
header h1 { font-size: 1.1em; margin: 0; }
#connection.live { color: #a5d6a7; } #connection.down { color: #ef9a9a; }
main { padding: 1em; overflow-x: auto; }
svg { width: 100%; min-width: 1100px; }
.edge { stroke: #90a4ae; stroke-width: 2; }
.node rect { fill: #fff; stroke-width: 3; }
.ready-True rect { stroke: #2e7d32; } .ready-False rect { stroke: #c62828; fill: #ffebee; }
.ready-Unknown rect { stroke: #9e9e9e; stroke-dasharray: 6 4; }
.node text { font-size: 12px; } .node .kind { fill: #607d8b; font-size: 11px; }
.node .name { font-weight: bold; font-size: 14px; } .node .detail { fill: #455a64; }
.ready-True .state { fill: #2e7d32; } .ready-False .state { fill: #c62828; } .ready-Unknown .state { fill: #757575; }
`;

/** The sha256 CSP source of the inline script: the page runs that script and nothing else. */
export const SCRIPT_HASH = `sha256-${createHash("sha256").update(PAGE_SCRIPT).digest("base64")}`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src '${SCRIPT_HASH}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The one static page: no user data in it, the script fetches and draws the topology. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lab-operator status</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>lab-operator</h1><span id="summary">loading\u2026</span><span id="connection">connecting\u2026</span></header>
<main>
<p id="empty" hidden>No objects yet.</p>
<svg id="topology" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="lab topology"></svg>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
