#!/usr/bin/env node
/* global process */
// The kubectl plugin: `kubectl lab get|describe|graph|suspend|resume|reconcile ...` runs this
// with the words after `lab`; labctl maps them onto its Kubernetes mode (src/cli/kubectl-plugin.ts).
process.argv.splice(2, 0, "--as-kubectl-plugin");
await import("./labctl.js");
