import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Most integration files wait on a chain, a child process or a timeout rather than compute: on a 2-core machine the
    // default (one worker per core less one) would run them one after another.
    maxWorkers: 3,
  },
});
