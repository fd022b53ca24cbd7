import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { pinContainerImageTags } from "../../../src/render/index.js";

const PREPARED = `# Generated with the following on 2019-10-17
parameter_defaults:
  ContainerImagePrepare:
  - push_destination: true
    set:
      ceph_image: daemon
      ceph_tag: v4.0.0-stable-4.0-nautilus-centos-7-x86_64
      name_prefix: centos-binary-
      namespace: docker.io/tripleostein
      tag: current-tripleo
    tag_from_label: rdo_version
`;

type Prepared = { parameter_defaults: { ContainerImagePrepare: { set: Record<string, string> }[] } };

describe("container image tag pins", () => {
  it("pins tag and ceph_tag and keeps everything else", () => {
    const out = pinContainerImageTags(PREPARED, { tag: "368da017_9f5171a1", cephTag: "v4.0.3-stable" });
    const set = (parse(out) as Prepared).parameter_defaults.ContainerImagePrepare[0]?.set;
    assert.deepEqual(set, {
      ceph_image: "daemon",
      ceph_tag: "v4.0.3-stable",
      name_prefix: "centos-binary-",
      namespace: "docker.io/tripleostein",
      tag: "368da017_9f5171a1",
    });
    assert.ok(out.startsWith("# Generated with the following on 2019-10-17\n"), "comments are kept");
  });

  it("leaves the prepared defaults when no pins are given", () => {
    assert.deepEqual(parse(pinContainerImageTags(PREPARED, {})), parse(PREPARED));
  });

  it("refuses a file without ContainerImagePrepare", () => {
    assert.throws(
      () => pinContainerImageTags("parameter_defaults: {}\n", { tag: "x" }),
      /ContainerImagePrepare/,
    );
  });
});
