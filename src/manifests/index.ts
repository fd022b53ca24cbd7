export * from "./errors.js";
export * from "./decode.js";
export * from "./load.js";
export * from "./crossvalidate.js";
export * from "./ipv4.js";
export * from "./generated.js";
export * from "./validate.js";
