export * from "./meta.js";
export * from "./conditions.js";
export * from "./fields.js";
export * from "./labmanager.js";
export * from "./libvirtnetwork.js";
export * from "./tripleoundercloud.js";
export * from "./kinds.js";
