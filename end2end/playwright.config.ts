import { defineConfig, devices } from "@playwright/test";

// The app is started by `cargo leptos end-to-end` (or scripts/run); globalSetup waits for it.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

// Debian's Chromium: Playwright's own browser download is not reachable here.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    {
      // The development server (`cargo leptos end-to-end`), the emulator mounted in the app.
      name: "chromium",
      use: { ...devices["Desktop Chrome"], launchOptions },
    },
    {
      // Production's topology (scripts/e2e-production): the release bundle behind nginx with
      // TLS and HTTP/2, in Clerk mode against the standalone emulator, through the app's
      // Frontend API proxy. The emulator's own sign-in page is not part of it.
      name: "production",
      testIgnore: ["emulator.spec.ts"],
      use: {
        ...devices["Desktop Chrome"],
        launchOptions,
        // The certificate scripts/e2e-production makes for nginx.
        ignoreHTTPSErrors: true,
      },
    },
  ],
});
