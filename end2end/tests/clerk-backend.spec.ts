// What a Populatte operator does with Clerk's own Node SDK (`@clerk/backend`, pinned in
// package.json) reaches the page: a sign-in token minted with it signs a person in through
// Clerk's <SignIn/>, a name changed with `updateUser` arrives through the webhook, and a
// session revoked with `revokeSession` signs the page out. Both topologies run it; in
// production the SDK talks to the standalone emulator playing Clerk.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClerkClient } from "@clerk/backend";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { ADA, control, emulatorInfo, emulatorUrl, newUser, signIn, signInWithClerkForm } from "./helpers";

const ROOT = join(__dirname, "..", "..");

/// Clerk's Backend API client, as a server of the app would make it.
async function clerkClient(request: APIRequestContext, baseURL: string | undefined) {
  const { secret_key } = await emulatorInfo(request);
  const apiUrl = new URL(emulatorUrl(""), baseURL).toString().replace(/\/$/, "");
  return createClerkClient({ secretKey: secret_key, apiUrl });
}

test("the page runs the pinned clerk-js, from the app's own origin", async ({ page, baseURL }) => {
  const lock = JSON.parse(readFileSync(join(ROOT, "tools/clerk-emulator/clerk-js/package-lock.json"), "utf8"));
  const pinned: string = lock.packages["node_modules/@clerk/clerk-js"].version;
  const scripts: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(r.url());
  });
  await page.goto("/sign-in");
  await page.waitForFunction(() => window.Clerk?.loaded === true);
  expect(await page.evaluate(() => window.Clerk.version)).toBe(pinned);
  const clerkJs = scripts.filter((url) => url.includes("/npm/@clerk/clerk-js@"));
  expect(clerkJs.length).toBeGreaterThan(0);
  for (const url of clerkJs) expect(new URL(url).origin).toBe(new URL(baseURL!).origin);
});

test("a sign-in token minted with @clerk/backend signs in through Clerk's <SignIn/>", async ({ page, request, baseURL }) => {
  const clerk = await clerkClient(request, baseURL);
  const person = await newUser(request, "Ticket", "Holder");
  const { token } = await clerk.signInTokens.createSignInToken({ userId: person.id, expiresInSeconds: 300 });

  await page.goto(`/sign-in?redirect_url=/dashboard&__clerk_ticket=${encodeURIComponent(token)}`);

  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByTestId("profile-email")).toHaveText(person.email);
  // A token is good once.
  await page.context().clearCookies();
  await page.goto(`/sign-in?redirect_url=/dashboard&__clerk_ticket=${encodeURIComponent(token)}`);
  await expect(page.locator(".cl-signIn-root")).toBeVisible({ timeout: 15_000 });
  await expect(page).toHaveURL(/\/sign-in/);
});

test("a password sign-in through Clerk's <SignIn/> shows the local user", async ({ page }) => {
  await page.goto("/sign-in?redirect_url=/dashboard");
  await signInWithClerkForm(page, ADA);
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  await expect(page.getByTestId("profile-local-id")).toHaveText(/^[0-9a-f-]{36}$/);
});

test("a name changed with @clerk/backend's updateUser reaches the page through the webhook", async ({ page, request, baseURL }) => {
  const clerk = await clerkClient(request, baseURL);
  const person = await newUser(request, "Before", "Rename");
  await signIn(page, person);
  await expect(page.getByTestId("profile-email")).toHaveText(person.email);

  const updated = await clerk.users.updateUser(person.id, { firstName: "After" });
  expect(updated.firstName).toBe("After");

  // The webhook, signed by the emulator and delivered to the app, updates the local user; the
  // page reads it from the database.
  await expect(async () => {
    const { deliveries } = await control(request, "GET", "/webhooks/deliveries");
    const renamed = deliveries.filter(
      (d: any) => d.event_type === "user.updated" && d.user_id === person.id && d.payload.data.first_name === "After",
    );
    expect(renamed.map((d: any) => d.status)).toEqual(["delivered"]);
  }).toPass({ timeout: 20_000 });
  await expect(async () => {
    await page.goto("/dashboard");
    await expect(page.getByTestId("profile-name")).toHaveText("After Rename", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
});

test("a session revoked with @clerk/backend's revokeSession signs the page out", async ({ page, request, baseURL }) => {
  test.setTimeout(90_000);
  const clerk = await clerkClient(request, baseURL);
  // Short tokens, so that clerk-js's own background refresh meets the revocation soon.
  await control(request, "PATCH", "/settings", { token_lifetime_secs: 20 });
  try {
    const person = await newUser(request, "Revoked", "Session");
    await signIn(page, person);
    const sessionId: string = await page.evaluate(() => window.Clerk.session.id);
    const revoked = await clerk.sessions.revokeSession(sessionId);
    expect(revoked.status).toBe("revoked");
    await expect(page).toHaveURL(/\/sign-in\?redirect_url=\/dashboard$/, { timeout: 60_000 });
    expect(await page.evaluate(() => window.Clerk.user)).toBeNull();
  } finally {
    await control(request, "PATCH", "/settings", { token_lifetime_secs: 60 });
  }
});
