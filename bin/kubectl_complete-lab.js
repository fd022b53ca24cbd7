#!/usr/bin/env node
/* global process */
// Completion of the kubectl plugin: kubectl (1.26+) runs `kubectl_complete-lab WORDS...` to
// complete `kubectl lab WORDS...`; labctl answers in cobra's format (src/cli/commands/completion.ts).
process.argv.splice(2, 0, "__complete-kubectl", "--");
await import("./labctl.js");
