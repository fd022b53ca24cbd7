import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { describeState, lastFailure } from "../../../src/cli/commands/describe.js";
import { table } from "../../../src/cli/format.js";
import { finishedLine } from "../../../src/cli/progress.js";
import { printNotReady, printPlan } from "../../../src/cli/report.js";
import { emptyState, type ObjectState } from "../../../src/controllers/state.js";
import { formatError, printable } from "../../../src/manifests/errors.js";
import { escapeC1, oneLine, stripControls } from "../../../src/util/terminal.js";

const CLEAR = "\u001b[2J\u001b[H";
const TITLE = "\u001b]0;owned terminal\u0007";
const TITLE_ST = "\u001b]2;again\u001b\\";
const C1 = "\u009b31m\u009d0;c1 title\u009c";
const FILE = `/labs/${TITLE}lab${CLEAR}.yaml`;
/** Nothing a terminal acts on: ESC, BEL, C0 but \n and \t, DEL, C1. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function hostileState(): ObjectState {
  const s = emptyState("TripleOUndercloud", "default", `uc${CLEAR}`);
  const at = new Date().toISOString();
  s.status.conditions = [
    {
      type: "Progressing",
      status: "False",
      reason: "GuestStepFailed",
      message: `install exited 1: ${CLEAR}done${TITLE} ${TITLE_ST}${C1}\rlast`,
      lastTransitionTime: at,
    },
    {
      type: "InputValid",
      status: "False",
      reason: "Invalid",
      message: `${FILE}:1 bad`,
      lastTransitionTime: at,
    },
    { type: "Ready", status: "False", reason: "Failed", message: `see ${FILE}`, lastTransitionTime: at },
  ];
  s.status.plannedSteps = [`upload ${FILE}`];
  s.steps = [
    {
      step: "guest/install/0",
      description: `run ${TITLE}install`,
      startedAt: at,
      result: "failed",
      error: `install exited 1: ${CLEAR}`,
      failure: { purpose: `install${TITLE}`, exitCode: 1, stderrTail: [`${CLEAR}boom`, `${TITLE_ST}x`] },
    },
  ];
  s.events = [
    {
      type: "Warning",
      reason: "Failed",
      message: `${C1}${FILE}`,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    },
  ];
  return s;
}

function captured(fn: () => void): string {
  const lines: string[] = [];
  const log = mock.method(console, "log", (t: string) => lines.push(t));
  const error = mock.method(console, "error", (t: string) => lines.push(t));
  try {
    fn();
  } finally {
    log.mock.restore();
    error.mock.restore();
  }
  return lines.join("\n");
}

describe("host text and file names reach the terminal inert", () => {
  it("describe drops ESC[2J, OSC titles and C1 controls from conditions, steps, events and names, keeping the text", () => {
    const text = describeState(hostileState());
    assert.doesNotMatch(text, CONTROL);
    assert.match(text, /install exited 1: done last/);
    assert.match(text, /\/labs\/lab\.yaml:1 bad/);
    assert.match(text, /^ {4}boom$/m);
    assert.match(text, /^Name: +uc$/m);
    const failure = lastFailure(hostileState().steps).join("\n");
    assert.doesNotMatch(failure, CONTROL);
    assert.match(failure, /Purpose: +install$/m);
  });

  it("get's table, plan and the not-Ready lines do the same, each table cell on one line", () => {
    const out = table(["NAME", "MESSAGE"], [[`a${CLEAR}`, `line one\nline two${TITLE}`]]);
    assert.doesNotMatch(out, CONTROL);
    assert.equal(out.split("\n").length, 2);
    assert.match(out, /^a {6}line one line two$/m);
    const s = hostileState();
    const printed = captured(() => {
      printPlan([s]);
      printNotReady({ ok: false, notReady: [s], timedOut: false });
    });
    assert.doesNotMatch(printed, CONTROL);
    assert.match(printed, /Ready=False Failed: see \/labs\/lab\.yaml/);
    assert.match(printed, /upload \/labs\/lab\.yaml/);
    const step = {
      step: "s",
      description: `run ${TITLE}x${CLEAR}`,
      result: "failed",
      reason: "CommandFailed",
    } as const;
    const progress = finishedLine("TripleOUndercloud/uc", step, 1000);
    assert.doesNotMatch(progress, CONTROL);
    assert.match(progress, /^✗ TripleOUndercloud\/uc {2}run x {2}.* failed: CommandFailed$/);
  });

  it("a manifest error names the file exactly but quoted, C1 included, and its message is stripped", () => {
    const line = formatError({ source: { file: FILE, doc: 2 }, path: "spec", message: `bad ${CLEAR}value` });
    assert.doesNotMatch(line, CONTROL);
    assert.ok(line.startsWith(JSON.stringify(FILE)), line);
    assert.match(line, /:2 spec: bad value$/);
    assert.equal(printable("x\u009by"), '"x\\u009by"');
    assert.equal(printable("plain name"), "plain name");
  });

  it("the helper keeps \\n and \\t, oneLine turns them into spaces, escapeC1 keeps JSON valid", () => {
    assert.equal(stripControls(`a\tb\n${CLEAR}c\u0000\u007f${TITLE}d`), "a\tb\ncd");
    assert.equal(oneLine("a\tb\nc"), "a b c");
    const json = escapeC1(JSON.stringify({ m: `x${C1}` }));
    assert.doesNotMatch(json, CONTROL);
    assert.deepEqual(JSON.parse(json), { m: `x${C1}` });
  });
});
