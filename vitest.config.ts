import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Many tests start real processes (brokers, kcat, python clients). On a busy 2-core machine a start can take
    // seconds, so the default 5 s would fail tests that are only slow, not wrong; every wait inside a test is bounded
    // on its own, with a message saying what it waited for.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
