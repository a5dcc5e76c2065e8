// A Frontend API outage is not a sign-out: while Clerk answers 503 to every token request for
// 30 s and a request needs a fresh token, the page says the service is temporarily unavailable
// and keeps the person signed in; after recovery the next action succeeds without signing in.
import { expect, test, type Response } from "@playwright/test";
import { ADA, control, holdTokenTheServerFindsExpired, signIn } from "./helpers";

const OUTAGE_MS = 30_000;

test("a 30 s Frontend API outage shows 'temporarily unavailable' and keeps the session", async ({ page, request }) => {
  test.setTimeout(120_000);
  // clerk-js is made to hold a token the server finds expired (browser and emulator clocks two
  // minutes behind while it is minted), so the next request needs a fresh one.
  await page.clock.install();
  await signIn(page);
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  await holdTokenTheServerFindsExpired(page, request);
  const apiMe: Response[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/api/me") apiMe.push(r);
  });

  await control(request, "PUT", "/frontend-api/token-failure", { status: 503, retry_after_secs: 1 });
  const started = Date.now();
  try {
    await page.getByRole("button", { name: "Refresh profile" }).click();
    await expect(page.getByRole("alert")).toContainText("temporarily unavailable", { timeout: 25_000 });
    await expect(page.getByRole("alert")).toContainText("still signed in");
    // Still signed in: same page, same person, Clerk's session intact.
    expect(new URL(page.url()).pathname).toBe("/dashboard");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Ada");
    expect(await page.evaluate(() => window.Clerk.user?.id)).toBe(ADA.id);
    // The refused token was not sent again: one attempt, no retry with it.
    expect(apiMe.map((r) => r.status())).toEqual([401]);
    const rest = OUTAGE_MS - (Date.now() - started);
    if (rest > 0) await page.waitForTimeout(rest);
    expect(await page.evaluate(() => window.Clerk.user?.id)).toBe(ADA.id);
  } finally {
    await control(request, "DELETE", "/frontend-api/token-failure");
  }

  // Recovered: the next action works, with no sign-in in between.
  await page.getByRole("button", { name: "Refresh profile" }).click();
  await expect(page.getByRole("button", { name: "Refresh profile" })).toBeEnabled({ timeout: 20_000 });
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  expect(new URL(page.url()).pathname).toBe("/dashboard");
  expect(apiMe.at(-1)!.status()).toBe(200);
});
