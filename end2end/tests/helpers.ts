// Shared steps: signing in through the emulator's page (which runs the real clerk-js) or
// through Clerk's own <SignIn/> on the app's sign-in page (the real @clerk/ui), and talking
// to the emulator's control and Backend APIs.
//
// Two topologies run these specs (end2end/playwright.config.ts): `chromium`, the development
// server with the emulator mounted in the app under /__clerk, and `production`
// (scripts/e2e-production), the release bundle behind nginx whose Clerk is the standalone
// emulator at EMULATOR_URL, reached by the browser only through the app's Frontend API proxy.
import { expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";

/// True in the production topology: there the emulator is not part of the app.
export const PRODUCTION = process.env.E2E_TOPOLOGY === "production";

/// Where the emulator's Backend and control APIs are: its own origin in production, the app's
/// /__clerk in development (a relative URL, resolved against the project's baseURL).
export function emulatorUrl(path: string): string {
  return `${process.env.EMULATOR_URL ?? "/__clerk"}${path}`;
}

export const ADA = {
  id: "user_2seedAdaLovelace00000000000",
  name: "Ada Lovelace",
  email: "ada@example.com",
  password: "ada-lovelace-1815",
};
export const GRACE = { name: "Grace Hopper", email: "grace@example.com" };

// The type of the real clerk-js's global, for page.evaluate callbacks.
declare global {
  interface Window {
    Clerk: any;
  }
}

export type Person = { name: string; email: string };

/// On the emulator's sign-in page: the account button of this person (by email: names repeat).
export function accountButton(page: Page, person: Person) {
  return page.getByRole("button", { name: new RegExp(`Continue as ${person.name}`) }).filter({ hasText: person.email });
}

/// Signs the person in and lands on the dashboard. In development: on the emulator's own
/// sign-in page, pick the person (any person the emulator knows, with or without a password).
/// In production, where the emulator serves no page of its own: Clerk's <SignIn/> on the app's
/// /sign-in, given a sign-in token (ticket) minted through the Backend API, as an app's
/// "sign in as" link would be.
export async function signIn(page: Page, person: Person = ADA): Promise<void> {
  if (PRODUCTION) {
    const ticket = await signInTicket(page.request, person);
    await page.goto(`/sign-in?redirect_url=/dashboard&__clerk_ticket=${encodeURIComponent(ticket)}`);
  } else {
    await page.goto("/__clerk/sign-in?redirect_url=/dashboard");
    await accountButton(page, person).click();
  }
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 15_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText(person.name.split(" ")[0]);
  // The server painted the page signed in; wait for the app's own Clerk.load() too, so that
  // tests reading window.Clerk find the session there.
  await page.waitForFunction(() => window.Clerk?.loaded === true);
}

/// On a page with Clerk's <SignIn/> mounted (the app's /sign-in): Clerk's own form, as a person
/// fills it in: the email address, Continue, then the password, Continue.
export async function signInWithClerkForm(page: Page, person: { email: string; password: string } = ADA): Promise<void> {
  const form = page.locator(".cl-signIn-root");
  await expect(form).toBeVisible({ timeout: 15_000 });
  await form.getByLabel("Email address").fill(person.email);
  await form.getByRole("button", { name: "Continue", exact: true }).click();
  const password = form.locator("input[name=password]:visible");
  await expect(password).toBeVisible();
  await password.fill(person.password);
  await form.getByRole("button", { name: "Continue", exact: true }).click();
}

/// A sign-in token for the person (found by email), minted through the Backend API.
export async function signInTicket(request: APIRequestContext, person: Person): Promise<string> {
  const users = await backendApi(request, "GET", `/v1/users?email_address=${encodeURIComponent(person.email)}`);
  expect(users, person.email).toHaveLength(1);
  const { token } = await backendApi(request, "POST", "/v1/sign_in_tokens", { user_id: users[0].id, expires_in_seconds: 300 });
  return token;
}

/// A call to the emulator's control API (test-only endpoints under /_emulator).
export async function control(request: APIRequestContext, method: string, path: string, data?: unknown) {
  const response = await request.fetch(emulatorUrl(`/_emulator${path}`), { method, data });
  expect(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`).toBe(true);
  return response.status() === 204 ? null : response.json();
}

/// The emulator's own description: keys, URLs, the clerk-js version it serves.
export async function emulatorInfo(request: APIRequestContext) {
  return control(request, "GET", "");
}

/// A call to the emulator's Backend API with its secret key, as a server would make it.
export async function backendApi(request: APIRequestContext, method: string, path: string, data?: unknown) {
  const { secret_key } = await emulatorInfo(request);
  const response = await request.fetch(emulatorUrl(path), {
    method,
    data,
    headers: { Authorization: `Bearer ${secret_key}` },
  });
  expect(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`).toBe(true);
  return response.json();
}

/// The cookies Clerk keeps on the app's origin, by name (suffixed copies included).
export async function clerkCookies(context: BrowserContext): Promise<Record<string, string>> {
  const entries = (await context.cookies())
    .filter((c) => c.name.startsWith("__session") || c.name.startsWith("__client_uat"))
    .map((c) => [c.name, c.value] as const);
  return Object.fromEntries(entries);
}

/// A new user in the emulator, so tests that change or delete users leave the seeds alone.
export async function newUser(request: APIRequestContext, first: string, last: string) {
  const email = `${first.toLowerCase()}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
  const user = await control(request, "POST", "/users", { email_address: email, first_name: first, last_name: last });
  return { id: user.id as string, name: `${first} ${last}`, email };
}

/// The page's current session token from clerk-js (after `Clerk.load()`: until then
/// `Clerk.session` is null even for a signed-in page).
export async function sessionToken(page: Page, options: { skipCache?: boolean; template?: string } = {}): Promise<string> {
  return page.evaluate(async (options) => {
    await window.Clerk.load();
    return window.Clerk.session.getToken(options);
  }, options);
}

/// Makes clerk-js hold a token that it believes valid and the server finds expired, as with a
/// client whose clock is off: the browser's clock (installed with `page.clock.install()`
/// before the page loaded) and the emulator's run two minutes behind while a fresh token is
/// minted, then the emulator's clock is put right, so the next fresh token is valid.
export async function holdTokenTheServerFindsExpired(page: Page, request: APIRequestContext): Promise<void> {
  const behind = 120;
  await control(request, "PATCH", "/settings", { clock_offset_secs: -behind });
  try {
    await page.clock.setSystemTime(Date.now() - behind * 1000);
    await sessionToken(page, { skipCache: true });
  } finally {
    await control(request, "PATCH", "/settings", { clock_offset_secs: 0 });
  }
}
