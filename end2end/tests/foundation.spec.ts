import { expect, test } from "@playwright/test";

test("the landing page hydrates: a click changes the page without a reload", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));

  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Sign in with Clerk. Get a real local user.",
  );
  // Hydration is done once the wasm module has replaced the server's inert markup.
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  // A marker that a reload would erase.
  await page.evaluate(() => ((window as unknown as { marker: string }).marker = "still here"));

  const toggle = page.getByRole("button", { name: "Show how it works" });
  const flow = page.locator("#request-flow");
  await expect(flow).toBeHidden();
  await toggle.click();
  await expect(flow).toBeVisible();
  await expect(page.getByRole("button", { name: "Hide how it works" })).toHaveAttribute("aria-expanded", "true");
  await page.getByRole("button", { name: "Hide how it works" }).click();
  await expect(flow).toBeHidden();

  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("still here");
  expect(problems).toEqual([]);
});

test("the page loads nothing from another origin", async ({ page, baseURL }) => {
  const origin = new URL(baseURL ?? "http://127.0.0.1:3000").origin;
  const foreign: string[] = [];
  page.on("request", (request) => {
    if (new URL(request.url()).origin !== origin) {
      foreign.push(request.url());
    }
  });
  await page.goto("/");
  await page.waitForLoadState("networkidle");
  expect(foreign).toEqual([]);
});

test("readyz answers 200 and healthz answers ok", async ({ request }) => {
  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready", database: "ok", migrations: "applied" });
  const health = await request.get("/healthz");
  expect(await health.json()).toEqual({ status: "ok" });
});
