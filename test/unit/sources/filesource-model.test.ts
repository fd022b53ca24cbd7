/**
 * Model-based test of file mode's one promise about deletion: an object is removed only when
 * every file that could hold it loaded and none holds it. Random sequences of edits to the
 * example lab's networks (written valid or with an invalid field, a YAML syntax error, binary,
 * an alias bomb next to them, moved between files, dropped, the file deleted, replaced by a
 * symlink inside or outside the manifest directory, made unreadable) run against the real loader on a temp
 * directory, through the wiring `labctl run` uses (saved state as JSON files, the manifest
 * source, the controller manager's start from saved state). After the first load and after
 * each reload, the objects the operator keeps (and those it plans to remove) must be exactly
 * the model's.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import { parse } from "yaml";
import { KINDS, type Kind, type LabObject } from "../../../src/api/index.js";
import type { Reconciler } from "../../../src/controllers/contract.js";
import type { HostAccess } from "../../../src/controllers/hostaccess.js";
import { emptyState } from "../../../src/controllers/state.js";
import { FileStateStore } from "../../../src/modes/file/filestate.js";
import { manifestSource } from "../../../src/modes/file/operator.js";
import { Operator } from "../../../src/runtime/runner.js";

const log = pino({ level: "silent" });
const NETWORK_DOCS = (await readFile("manifests/02-networks.yaml", "utf8")).split(/^---\n/m);
const LAB_MANAGER = await readFile("manifests/01-labmanager.yaml", "utf8");
/** The example lab's networks by name ("hypervisor-control-plane", "openstack-control-plane", "public"). */
const DOCS = new Map(NETWORK_DOCS.map((text) => [(parse(text) as LabObject).metadata.name, text]));
const NAMES = [...DOCS.keys()];
const FILES = ["a.yaml", "b.yml", "sub/c.yaml"] as const;
type File = (typeof FILES)[number];

/** How a file is on disk; "absent" holds no objects. */
const MODES = ["valid", "syntax", "binary", "bomb", "loop", "outside", "linkIn", "chmod", "absent"] as const;
type Mode = (typeof MODES)[number];
/** Modes whose file cannot be read or parsed: it may hold anything. */
const BAD: ReadonlySet<Mode> = new Set(["syntax", "binary", "loop", "outside", "chmod", "bomb"]);
/** Root reads a chmod 000 file, so that way to be unreadable exists only for other users. */
const ROOT = process.getuid?.() === 0;

interface Model {
  files: Record<File, { mode: Mode; objects: string[] }>;
  /** Networks written with an unknown field (an error naming the object). */
  invalid: Set<string>;
  /** What must exist (kept or listed); everything else of NAMES must be gone or going. */
  present: Set<string>;
  /** The file each present network was last listed in ("" when known from saved state only). */
  lastFile: Map<string, string>;
}

type Edit =
  | { op: "move"; name: string; to: File }
  | { op: "drop"; name: string }
  | { op: "spoil" | "mend"; name: string }
  | { op: "mode"; file: File; mode: Mode };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    op: fc.constant("move" as const),
    name: fc.constantFrom(...NAMES),
    to: fc.constantFrom(...FILES),
  }),
  fc.record({ op: fc.constant("drop" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ op: fc.constantFrom("spoil" as const, "mend" as const), name: fc.constantFrom(...NAMES) }),
  fc.record({
    op: fc.constant("mode" as const),
    file: fc.constantFrom(...FILES),
    mode: fc.constantFrom(...MODES.filter((m) => !(ROOT && m === "chmod"))),
  }),
);

function applyEdit(model: Model, edit: Edit): void {
  if (edit.op === "mode") {
    const file = model.files[edit.file];
    file.mode = edit.mode;
    if (edit.mode === "absent") file.objects = [];
    return;
  }
  if (edit.op === "spoil" || edit.op === "mend") {
    if (edit.op === "spoil") model.invalid.add(edit.name);
    else model.invalid.delete(edit.name);
    return;
  }
  for (const file of Object.values(model.files)) file.objects = file.objects.filter((n) => n !== edit.name);
  if (edit.op === "move") {
    const to = model.files[edit.to];
    if (to.mode === "absent") to.mode = "valid";
    to.objects.push(edit.name);
  }
}

interface Load {
  /** Valid documents of files that read, by network, with their file. */
  listed: Map<string, File>;
  /** Documents read with an error naming the network. */
  invalid: Set<string>;
  /** Files with any error. */
  withErrors: Set<string>;
  /** Some file could not be read or parsed: it may hold anything. */
  anyBad: boolean;
}

function visible(model: Model): Load {
  const load: Load = { listed: new Map(), invalid: new Set(), withErrors: new Set(), anyBad: false };
  for (const file of FILES) {
    const { mode, objects } = model.files[file];
    if (BAD.has(mode)) {
      load.anyBad = true;
      load.withErrors.add(file);
    }
    // A syntax error breaks the first document only; a bomb is a document of its own.
    const shown = mode === "syntax" ? objects.slice(1) : BAD.has(mode) && mode !== "bomb" ? [] : objects;
    for (const name of shown) {
      if (model.invalid.has(name)) {
        load.invalid.add(name);
        load.withErrors.add(file);
      } else load.listed.set(name, file);
    }
  }
  return load;
}

/**
 * The rule: a network listed valid exists; one known before is kept while its own document is
 * invalid, while the file it was last listed in has errors (it may be cut short), or while any
 * file cannot be read or parsed; otherwise it is removed.
 */
function step(model: Model, before: ReadonlySet<string>): void {
  const load = visible(model);
  const present = new Set<string>();
  for (const name of NAMES) {
    const file = load.listed.get(name);
    if (file !== undefined) {
      present.add(name);
      model.lastFile.set(name, file);
    } else if (
      before.has(name) &&
      (load.invalid.has(name) || load.withErrors.has(model.lastFile.get(name) ?? "") || load.anyBad)
    ) {
      present.add(name);
    } else model.lastFile.delete(name);
  }
  model.present = present;
}

const BOMB = `a: &a ["x","x","x","x","x","x","x","x","x"]
${Array.from(
  { length: 8 },
  (_, i) =>
    `b${i}: &b${i} [${Array(9)
      .fill(i ? `*b${i - 1}` : "*a")
      .join(",")}]`,
).join("\n")}
`;

async function realize(dir: string, outside: string, model: Model): Promise<void> {
  await rm(join(dir, "store"), { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
  await mkdir(join(dir, "store"), { recursive: true });
  await mkdir(outside, { recursive: true });
  for (const name of FILES) {
    const { mode, objects } = model.files[name];
    const path = join(dir, name);
    await rm(path, { recursive: true, force: true });
    if (mode === "absent") continue;
    await mkdir(dirname(path), { recursive: true });
    const docs = objects.map((n) =>
      model.invalid.has(n) ? DOCS.get(n)!.replace(/^spec:\n/m, "spec:\n  bogusField: true\n") : DOCS.get(n)!,
    );
    const text = docs.length ? docs.join("---\n") : "# no objects\n";
    const flat = name.replace("/", "-");
    if (mode === "valid") await writeFile(path, text);
    else if (mode === "syntax") {
      const [first, ...rest] = docs.length ? docs : [DOCS.get(NAMES[0]!)!];
      const broken = first!.replace(/^metadata:\n {2}name: (\S+)$/m, "metadata: {name: $1");
      assert.notEqual(broken, first);
      await writeFile(path, [broken, ...rest].join("---\n"));
    } else if (mode === "binary")
      await writeFile(path, Buffer.concat([Buffer.from([0, 0xff, 0xfe]), Buffer.from(text)]));
    else if (mode === "bomb") await writeFile(path, [BOMB, ...docs].join("---\n"));
    else if (mode === "loop") await symlink(path, path);
    else if (mode === "chmod") {
      await writeFile(path, text);
      await chmod(path, 0o000);
    } else {
      const target = mode === "outside" ? join(outside, flat) : join(dir, "store", `${flat}.txt`);
      await writeFile(target, text);
      await symlink(target, path);
    }
  }
}

const noReconcile: Reconciler = async () => ({});
const reconcilers = Object.fromEntries(KINDS.map((k) => [k, noReconcile])) as Record<Kind, Reconciler>;

/** Kept (in the cache, not deleting) per network name; anything else is gone or planned to go. */
function kept(operator: Operator): Set<string> {
  return new Set(NAMES.filter((name) => entryOf(operator, name)?.deleting === false));
}

function entryOf(operator: Operator, name: string) {
  return operator.manager.cache.get({ kind: "LibvirtNetwork", namespace: "default", name });
}

/** Same objects as the model; one kept without a valid document says why, naming a file. */
function check(operator: Operator, model: Model, dir: string, trail: string[]): void {
  const why = trail.join("\n");
  assert.deepEqual(kept(operator), model.present, why);
  const { listed } = visible(model);
  for (const name of model.present) {
    const errors = entryOf(operator, name)!.inputErrors;
    if (listed.has(name)) assert.deepEqual(errors, [], `${name}\n${why}`);
    else {
      assert.ok(errors.length > 0, `${name} is kept without InputValid=False\n${why}`);
      for (const line of errors) assert.ok(line.startsWith(`${dir}/`), `${line}\n${why}`);
    }
  }
}

function emptyModel(): Model {
  const files = Object.fromEntries(
    FILES.map((f) => [f, { mode: "absent", objects: [] }]),
  ) as unknown as Model["files"];
  return { files, invalid: new Set(), present: new Set(), lastFile: new Map() };
}

function describeModel(model: Model): string {
  const objects = (f: File) => model.files[f].objects.map((n) => (model.invalid.has(n) ? `${n}!` : n));
  return FILES.map((f) => `${f}=${model.files[f].mode}[${objects(f).join(",")}]`).join(" ");
}

test("file mode removes an object only when every file that could hold it loaded and none holds it", async () => {
  const root = await mkdtemp(join(tmpdir(), "lab-loadmodel-"));
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(NAMES),
        fc.array(editArb, { maxLength: 6 }),
        fc.array(editArb, { minLength: 1, maxLength: 12 }),
        async (saved, setup, edits) => {
          const base = join(root, String(run++));
          const dir = join(base, "manifests");
          const outside = join(base, "outside");
          const stateDir = join(base, "state");
          await mkdir(dir, { recursive: true });
          await writeFile(join(dir, "01-labmanager.yaml"), LAB_MANAGER);
          // Saved state from an earlier run: these networks were converged with their good spec.
          const states = new FileStateStore(stateDir);
          for (const name of saved) {
            const state = emptyState("LibvirtNetwork", "default", name);
            state.lastGoodObject = { ...(parse(DOCS.get(name)!) as LabObject) };
            state.lastGoodObject.metadata.namespace = "default";
            await states.save(state);
          }
          const model = emptyModel();
          for (const edit of setup) applyEdit(model, edit);
          await realize(dir, outside, model);
          const source = manifestSource([dir], states, log, false);
          const operator = new Operator({
            source,
            states,
            reconcilers,
            hosts: {} as HostAccess,
            log,
            mutate: true,
            watchHosts: false,
          });
          const trail = [`start: ${describeModel(model)} saved=[${saved.join(",")}]`];
          try {
            await operator.load();
            for (const name of saved) model.lastFile.set(name, "");
            step(model, new Set(saved));
            check(operator, model, dir, trail);
            for (const edit of edits) {
              applyEdit(model, edit);
              await realize(dir, outside, model);
              await source.reload();
              step(model, model.present);
              trail.push(`${JSON.stringify(edit)} -> ${describeModel(model)}`);
              check(operator, model, dir, trail);
            }
          } finally {
            await operator.stop();
            await rm(base, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
