/** The OvercloudNodeSet's nodes: desired state, observe (one round trip), pure plan, steps, cleanup. */
export * from "./paths.js";
export * from "./identity.js";
export * from "./desired.js";
export * from "./facts.js";
export * from "./observe.js";
export * from "./bmc.js";
export * from "./node-steps.js";
export * from "./plan.js";
export * from "./cleanup.js";
export * from "./report.js";
export * from "./handoff.js";
