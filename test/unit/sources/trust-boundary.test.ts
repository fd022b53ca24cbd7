// Kubernetes mode's decode refuses references that would make the operator disclose what
// it holds: a file of its pod (the service account token) or another object's credentials.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeRaw } from "../../../src/sources/kubernetes/decode.js";
import type { RawObject } from "../../../src/sources/kubernetes/watcher.js";

const raw = (spec: Record<string, unknown>): RawObject =>
  ({
    apiVersion: "openstacklab.io/v1alpha1",
    kind: "LabManager",
    metadata: { name: "lab", namespace: "team-a", uid: "u1", generation: 1 },
    spec: { address: "192.0.2.10", ...spec },
  }) as unknown as RawObject;

test("a file reference is refused in Kubernetes mode, naming the field", () => {
  const decoded = decodeRaw(
    "LabManager",
    raw({ ssh: { passwordRef: { file: "/var/run/secrets/kubernetes.io/serviceaccount/token" } } }),
  );
  assert.equal(decoded.ok, false);
  assert.match(
    decoded.ok ? "" : decoded.errors.join("\n"),
    /^spec\.ssh\.passwordRef\.file: files are not read in Kubernetes mode/,
  );
});

test("a reference to an operator credentials Secret is refused, for every field that holds one", () => {
  const ref = { secretName: "labcreds-labmanager-other", key: "login-key" };
  const decoded = decodeRaw("LabManager", raw({ ssh: { privateKeyRef: ref }, user: { passwordRef: ref } }));
  assert.equal(decoded.ok, false);
  const errors = decoded.ok ? [] : decoded.errors;
  assert.equal(errors.length, 2);
  assert.match(
    errors[0]!,
    /^spec\.ssh\.privateKeyRef\.secretName: labcreds-labmanager-other is where the operator keeps/,
  );
  assert.match(errors[1]!, /^spec\.user\.passwordRef\.secretName:/);
});

test("a Secret of the object's own namespace is fine", () => {
  const decoded = decodeRaw(
    "LabManager",
    raw({ ssh: { passwordRef: { secretName: "root-password", key: "pw" } } }),
  );
  assert.equal(decoded.ok, true);
});
