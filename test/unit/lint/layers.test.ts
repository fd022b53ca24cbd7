// The layering rule as `npm run lint` runs it: a backward import planted anywhere in src/
// fails the lint with a message naming both folders; the real tree passes.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "layers/imports-point-down")
    .map((m) => m.message);
}

describe("imports point one way", () => {
  const backward: Array<[string, string]> = [
    ["src/api/planted.ts", 'import { registerRun } from "../cli/commands/run.js";'],
    ["src/steps/labmanager/planted.ts", 'import { ControllerManager } from "../../runtime/manager.js";'],
    ["src/controllers/planted.ts", 'import { createFileOperator } from "../modes/file/operator.js";'],
    [
      "src/controllers/undercloud/planted.ts",
      'export { KubernetesSource } from "../../sources/kubernetes/source.js";',
    ],
    ["src/remote/planted.ts", 'export * from "../workspace/keys.js";'],
    ["src/runtime/planted.ts", 'const m = await import("../modes/kubernetes/run.js");'],
    ["src/sources/planted.ts", 'import type { ObjectState } from "../controllers/state.js";'],
    ["src/machines/planted.ts", 'import type { Step } from "../steps/types.js";'],
  ];
  for (const [file, code] of backward) {
    it(`refuses ${file}: ${code}`, async () => {
      const messages = await lint(file, `${code}\nexport const planted = 1;\n`);
      assert.equal(messages.length, 1, `expected one layering error, got ${JSON.stringify(messages)}`);
      assert.match(messages[0]!, /^src\/\w+ must not import src\/\w+: imports point one way/);
    });
  }

  it("allows imports downward and within a folder", async () => {
    assert.deepEqual(await lint("src/cli/planted.ts", 'import { rootLogger } from "../log.js";'), []);
    assert.deepEqual(
      await lint("src/runtime/planted.ts", 'import { objectGraph } from "../controllers/index.js";'),
      [],
    );
    assert.deepEqual(
      await lint("src/steps/bmc/planted.ts", 'import { VENV } from "../labmanager/paths.js";'),
      [],
    );
  });
});
