// The signed-in experience with the real clerk-js: the dashboard shows the local user from the
// database, an expired token is refreshed transparently (one 401, one refresh, one retry), a
// revoked session signs the page out, sign-out protects the dashboard, and signing back in
// returns to the page first asked for.
import { expect, test, type Request, type Response } from "@playwright/test";
import { ADA, backendApi, control, holdTokenTheServerFindsExpired, sessionToken, signIn, signInWithClerkForm } from "./helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test("the dashboard shows the local user from the database", async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  const localId = (await page.getByTestId("profile-local-id").textContent()) ?? "";
  expect(localId).toMatch(UUID);
  // The same id the API reads from the users table for this session.
  const token = await sessionToken(page);
  const me = await (await page.request.get("/api/me", { headers: { Authorization: `Bearer ${token}` } })).json();
  expect(me.id).toBe(localId);
  expect(me.clerk_id).toBe(ADA.id);
});

test("an expired token is refreshed once and the request retried once", async ({ page, request }) => {
  // The browser's clock and the emulator's run two minutes behind the server's: clerk-js
  // then holds a token it believes valid which the server finds expired, as with a client
  // whose clock is off. Then the emulator's clock is put right: the fresh token is valid.
  await page.clock.install();
  await signIn(page);
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  await holdTokenTheServerFindsExpired(page, request);

  const apiMe: Response[] = [];
  const tokenRequests: Request[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/api/me") apiMe.push(response);
  });
  page.on("request", (request) => {
    if (/\/__clerk\/v1\/client\/sessions\/[^/]+\/tokens$/.test(new URL(request.url()).pathname)) tokenRequests.push(request);
  });

  await page.getByRole("button", { name: "Refresh profile" }).click();
  await expect(page.getByRole("button", { name: "Refresh profile" })).toBeEnabled();
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  await expect(page.getByRole("alert")).toHaveCount(0);

  expect(apiMe.map((r) => r.status())).toEqual([401, 200]);
  expect((await apiMe[0].json()).error.reason).toBe("token-expired");
  expect(apiMe[0].headers()["www-authenticate"]).toBe('Bearer error="invalid_token"');
  expect(tokenRequests).toHaveLength(1);
  // The retry carried the fresh token, not the expired one.
  const sent = (r: Response) => r.request().headers()["authorization"];
  expect(sent(apiMe[1])).not.toBe(sent(apiMe[0]));
});

test("a session revoked through the Backend API signs the page out", async ({ page, request }) => {
  test.setTimeout(90_000);
  // Short tokens, so that clerk-js's own background refresh meets the revocation soon.
  await control(request, "PATCH", "/settings", { token_lifetime_secs: 20 });
  try {
    await signIn(page);
    const sessionId: string = await page.evaluate(() => window.Clerk.session.id);
    const revoked = await backendApi(request, "POST", `/v1/sessions/${sessionId}/revoke`);
    expect(revoked.status).toBe("revoked");
    // No click, no reload: the next token refresh is refused and the page follows.
    await expect(page).toHaveURL(/\/sign-in\?redirect_url=\/dashboard$/, { timeout: 60_000 });
    expect(await page.evaluate(() => window.Clerk.user)).toBeNull();
  } finally {
    await control(request, "PATCH", "/settings", { token_lifetime_secs: 60 });
  }
});

test("after sign-out the dashboard needs sign-in, and signing back in returns there", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: new RegExp(ADA.name) }).click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(".cta").getByRole("button", { name: "Sign in" })).toBeVisible();

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?redirect_url=\/dashboard$/);
  await signInWithClerkForm(page, ADA);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
});

test("the first paint of a signed-in page is rendered by the server and hydrates cleanly", async ({ page, context }) => {
  await signIn(page);
  // The raw HTML, as the server sends it with the browser's cookies: no script has run.
  const html = await (await context.request.get("/dashboard")).text();
  expect(html).toContain(ADA.name);
  expect(html).toContain(ADA.email);
  expect(html).not.toContain("Checking your session");

  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto("/dashboard");
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  await page.waitForLoadState("networkidle");
  expect(problems).toEqual([]);
});

test("the user menu works from the keyboard", async ({ page }) => {
  await signIn(page);
  const menuButton = page.getByRole("button", { name: new RegExp(ADA.name) });
  await menuButton.focus();
  await page.keyboard.press("Enter");
  await expect(menuButton).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menuButton).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeHidden();
});
