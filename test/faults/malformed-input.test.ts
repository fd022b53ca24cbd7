import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { stableJson } from "../../src/runtime/cache.js";
import { generateCorpus, LAB_FILES, renderFile, type Case, type LabFile } from "./corpus.js";
import { RuntimeLane, validSpec } from "./runtime-lane.js";
import { LabValidator, problems } from "./validate-case.js";

const { lab, cases } = generateCorpus();
const validator = new LabValidator(lab);
const goodFiles = Object.fromEntries(LAB_FILES.map((f) => [f, renderFile(lab[f])])) as Record<
  LabFile,
  string
>;

/** At most `max` failure lines, so a regression prints what broke without flooding. */
function report(failures: string[], max = 15): string {
  const shown = failures.slice(0, max).map((f) => f.slice(0, 300));
  return `${failures.length} failing case(s):\n${shown.join("\n")}`;
}

describe("malformed manifests", () => {
  test("the corpus holds at least 1,000 broken manifests of every family", () => {
    const count = (type: Case["expect"]["type"]) => cases.filter((c) => c.expect.type === type).length;
    assert.ok(cases.length >= 1000, `${cases.length} cases`);
    assert.ok(count("field") >= 800 && count("yaml") >= 60 && count("broken") >= 40);
    assert.ok(cases.filter((c) => c.id.includes(" cross: ")).length >= 25, "cross-object cases");
    assert.equal(new Set(cases.map((c) => c.id)).size, cases.length, "case ids are unique");
  });

  test("the example lab the corpus derives from is valid", () => {
    const { lines, valid } = validator.validate();
    assert.deepEqual(lines, []);
    assert.equal(valid.length, 6); // 5 reconciled objects and the OvercloudNodeSet (validated only)
  });

  test("every broken manifest is rejected with one-line errors naming file, document, Kind/name and field", () => {
    const failures: string[] = [];
    for (const c of cases) {
      const outcome = validator.validate({ file: c.file, text: c.bytes.toString("utf8") });
      const found = problems(c, outcome, validator.path(c.file), true);
      if (found.length > 0) failures.push(`${c.id}: ${found.join(" | ")}`);
    }
    assert.equal(failures.length, 0, report(failures));
  });

  test("an error echoing a broken kind, name or field name stays on one line", () => {
    const failures: string[] = [];
    for (const c of cases.filter((c) => c.echoedRaw)) {
      const { lines } = validator.validate({ file: c.file, text: c.bytes.toString("utf8") });
      if (lines.some((l) => /[\r\n]/.test(l))) failures.push(c.id);
    }
    assert.equal(failures.length, 0, report(failures));
  });
});

/**
 * ~100 cases spread over the corpus (every family), in a fixed order. Not the 10,000-element
 * arrays: FileSource matches errors to keys in O(errors²), so one such reload takes minutes.
 */
function runtimeSample(): Case[] {
  const eligible = cases.filter(
    (c) => !c.id.includes("array(10000)") && !crossFileDuplicate(c) && !PREVIEW_FILES.has(c.file),
  );
  const stride = Math.floor(eligible.length / 100);
  return eligible.filter((_, i) => i % stride === 0).slice(0, 100);
}

const LANES = 4;
/** Files of kinds the runtime does not reconcile yet (PREVIEW_KINDS): validation only. None today. */
const PREVIEW_FILES = new Set<string>([]);

describe("the runtime while manifests break", () => {
  test("keeps every last good spec, never removes or changes other objects, reports InputValid=False", async () => {
    const sample = runtimeSample();
    const failures: string[] = [];
    const lanes = await Promise.all(Array.from({ length: LANES }, () => RuntimeLane.start(goodFiles)));
    try {
      const baseline = lanes[0]!.snapshot();
      assert.equal(baseline.size, 6, [...baseline.keys()].join(", "));
      await Promise.all(
        lanes.map(async (lane, l) => {
          for (const c of sample.filter((_, i) => i % LANES === l)) {
            failures.push(...(await runCase(lane, c, baseline)).map((p) => `${c.id}: ${p}`));
          }
        }),
      );
      for (const lane of lanes) {
        const invalid = lane.seen.filter(
          (s) => !validSpec(s) || stableJson(s.spec) !== baseline.get(kindName(s.key))?.spec,
        );
        if (invalid.length > 0)
          failures.push(`a reconciler saw ${invalid.length} spec(s) that were not the good ones`);
        if (lane.removed.length > 0) failures.push(`removed: ${lane.removed.join(", ")}`);
      }
    } finally {
      await Promise.all(lanes.map((lane) => lane.stop()));
    }
    assert.equal(failures.length, 0, report(failures));
    assert.ok(sample.length >= 90, `${sample.length} runtime cases`);
  });
});

const crossFileDuplicate = (c: Case) => c.id.includes("(changed)") && !PREVIEW_FILES.has(c.file);

describe("the runtime with a duplicate declared in another file", () => {
  test("keeps InputValid=False on the first declaration", async () => {
    const lane = await RuntimeLane.start(goodFiles);
    try {
      const failures: string[] = [];
      const baseline = lane.snapshot();
      for (const c of cases.filter(crossFileDuplicate)) {
        failures.push(...(await runCase(lane, c, baseline)).map((p) => `${c.id}: ${p}`));
      }
      assert.equal(failures.length, 0, report(failures));
    } finally {
      await lane.stop();
    }
  });
});

describe("the runtime with input only the cross-object checks refuse", () => {
  test("keeps the last good spec of the object involved, InputValid=False naming the field", async () => {
    const lane = await RuntimeLane.start(goodFiles);
    try {
      const failures: string[] = [];
      const baseline = lane.snapshot();
      const cross = cases.filter((c) => c.id.includes(" cross: "));
      assert.ok(cross.length >= 25);
      for (const c of cross) failures.push(...(await runCase(lane, c, baseline)).map((p) => `${c.id}: ${p}`));
      assert.equal(failures.length, 0, report(failures));
    } finally {
      await lane.stop();
    }
  });
});

/** "LabManager/default/lab" -> "LabManager/lab". */
function kindName(key: string): string {
  const [kind, , name] = key.split("/");
  return `${kind}/${name}`;
}

type Snapshot = ReturnType<RuntimeLane["snapshot"]>;

async function runCase(lane: RuntimeLane, c: Case, baseline: Snapshot): Promise<string[]> {
  const out: string[] = [];
  await lane.write(c.file, c.bytes);
  const now = lane.snapshot();
  for (const [id, good] of baseline) {
    const entry = now.get(id);
    if (!entry || entry.deleting) out.push(`${id} was removed`);
    else if (entry.spec !== good.spec) out.push(`${id} changed its spec`);
  }
  for (const id of now.keys()) if (!baseline.has(id)) out.push(`${id} appeared`);
  const victims = c.victim ? [c.victim] : [...baseline.keys()].filter((id) => fileOf(id) === c.file);
  const mention = c.expect.type === "field" ? c.expect.path : c.expect.type === "yaml" ? "YAML" : c.file;
  for (const victim of victims) {
    const input = await lane.inputValid(victim);
    if (input?.status !== "False") out.push(`${victim} has no InputValid=False`);
    else if (!input.message.includes(mention)) out.push(`${victim} InputValid does not name ${mention}`);
  }
  await lane.restore(c.file);
  for (const [id, entry] of lane.snapshot()) {
    if (entry.inputErrors.length > 0) out.push(`${id} still invalid after the good file came back`);
  }
  return out;
}

/** Which example file declares an object. */
function fileOf(kindName: string): LabFile {
  const kind = kindName.split("/")[0];
  return kind === "LabManager"
    ? "01-labmanager.yaml"
    : kind === "LibvirtNetwork"
      ? "02-networks.yaml"
      : "03-tripleo.yaml";
}
