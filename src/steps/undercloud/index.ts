/** The TripleOUndercloud VM: observe, plan (pure), steps on the Manager, guest profiles. */
export * from "./paths.js";
export * from "./stamp.js";
export * from "./facts.js";
export * from "./observe.js";
export * from "./domain-xml.js";
export * from "./steps.js";
export * from "./plan.js";
export * from "./cleanup.js";
export * from "./profile.js";
export * from "./variables.js";
export * from "./guest.js";
export * from "./journal.js";
export * from "./virt-type.js";
export * from "./password-hash.js";
