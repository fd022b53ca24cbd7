// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import layers from "./scripts/lint/layers.js";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "crds/", "workspace/", "bench/results/", ".cache/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { layers },
    rules: { "layers/imports-point-down": "error" },
  },
);
