import { parseDocument } from "yaml";

export interface ContainerImageTags {
  tag?: string;
  cephTag?: string;
}

/**
 * Pin `tag` and `ceph_tag` in the environment file written by
 * `openstack tripleo container image prepare default`, in every ContainerImagePrepare entry's
 * `set`. Unset tags keep the prepared default. Comments and order of the file are kept.
 */
export function pinContainerImageTags(preparedYaml: string, tags: ContainerImageTags): string {
  const doc = parseDocument(preparedYaml);
  if (doc.errors.length > 0) throw new Error(`container images file: ${doc.errors[0]?.message}`);
  const entries = doc.getIn(["parameter_defaults", "ContainerImagePrepare"]) as
    { items?: unknown[] } | undefined;
  const count = entries?.items?.length ?? 0;
  if (count === 0)
    throw new Error("container images file has no parameter_defaults.ContainerImagePrepare entry");
  for (let i = 0; i < count; i++) {
    const set = ["parameter_defaults", "ContainerImagePrepare", i, "set"];
    if (tags.tag !== undefined) doc.setIn([...set, "tag"], tags.tag);
    if (tags.cephTag !== undefined) doc.setIn([...set, "ceph_tag"], tags.cephTag);
  }
  return doc.toString({ lineWidth: 0 });
}
