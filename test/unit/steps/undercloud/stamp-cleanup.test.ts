import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planUndercloudDeletion } from "../../../../src/steps/undercloud/cleanup.js";
import { undercloudFacts } from "../../../../src/steps/undercloud/facts.js";
import { undercloudPaths } from "../../../../src/steps/undercloud/paths.js";
import {
  describeOwner,
  parseStamp,
  parseStampTimes,
  renderStamp,
  undercloudOwner,
} from "../../../../src/steps/undercloud/stamp.js";
import { BASE_URL, IMAGES, OWNER, applyAll, existing, rawNothing, scriptArgs } from "./support.js";

const paths = undercloudPaths(IMAGES, "tripleo", BASE_URL);

describe("the ownership stamp and phase journal", () => {
  it("reads back what it writes, including the times, whatever prefix virsh prints", () => {
    const xml = renderStamp(
      { owner: OWNER, journal: ["created", "booted"] },
      { created: "t1", booted: "t2" },
      "domain",
    );
    const asVirshPrints = xml.replaceAll("lab:", "ns0:");
    assert.deepEqual(parseStamp(asVirshPrints), { owner: OWNER, journal: ["created", "booted"] });
    assert.deepEqual(parseStampTimes(asVirshPrints), { created: "t1", booted: "t2" });
  });

  it("gives virsh metadata --set an unprefixed element (libvirt adds the prefix) that reads back the same", () => {
    const set = renderStamp({ owner: OWNER, journal: ["created"] }, {}, "set");
    assert.match(set, /^<owner kind="TripleOUndercloud" namespace="default" name="tripleo">/);
    assert.deepEqual(parseStamp(set), { owner: OWNER, journal: ["created"] });
  });

  it("finds no stamp in foreign metadata and ignores unknown phases", () => {
    assert.equal(parseStamp("<other:thing xmlns:other='x'/>"), undefined);
    const odd =
      '<lab:owner kind="TripleOUndercloud" namespace="a" name="b"><lab:phase name="hacked"/><lab:phase name="keyed"/></lab:owner>';
    assert.deepEqual(parseStamp(odd)?.journal, ["keyed"]);
  });

  it("escapes attribute values", () => {
    const owner = undercloudOwner("default", 'a"b<c');
    assert.deepEqual(parseStamp(renderStamp({ owner, journal: [] }))?.owner, owner);
  });
});

describe("planUndercloudDeletion", () => {
  it("removes a VM stamped ours, with its disk, seed and leftover seed inputs", async () => {
    const plan = planUndercloudDeletion(
      "tripleo",
      OWNER,
      paths,
      existing({ owner: OWNER, journal: ["created"] }),
    );
    assert.equal(plan.leftAlone, undefined);
    const host = await applyAll(plan.steps);
    const args = scriptArgs(host.execs[0] ?? []);
    assert.deepEqual(args.slice(1, 2), ["tripleo"]);
    for (const p of [paths.disk, paths.seed, paths.seedInputs]) assert.ok(args.includes(p), p);
    assert.ok(!args.includes(paths.base), "the shared base image stays");
  });

  it("leaves an unstamped domain and one stamped by another object in place", () => {
    const foreign = planUndercloudDeletion("tripleo", OWNER, paths, existing(undefined));
    assert.deepEqual(foreign.steps, []);
    assert.match(foreign.leftAlone ?? "", /no ownership stamp/);
    const other = planUndercloudDeletion(
      "tripleo",
      OWNER,
      paths,
      existing({ owner: undercloudOwner("x", "y"), journal: [] }),
    );
    assert.deepEqual(other.steps, []);
    assert.match(other.leftAlone ?? "", /TripleOUndercloud x\/y/);
  });

  it("removes our files left by a create that crashed before define, and nothing when none are marked", () => {
    const raw = rawNothing();
    assert.deepEqual(planUndercloudDeletion("tripleo", OWNER, paths, undercloudFacts(raw)).steps, []);
    raw.files.ownerMarker = true;
    raw.files.markerOwner = describeOwner(OWNER);
    raw.files.disk = true;
    assert.equal(planUndercloudDeletion("tripleo", OWNER, paths, undercloudFacts(raw)).steps.length, 1);
  });
});
