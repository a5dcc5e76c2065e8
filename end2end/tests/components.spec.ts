// Clerk's own components (the real @clerk/ui, mounted by the real clerk-js, against the
// emulator): <SignIn/> on the app's sign-in page brings a person back to the guarded page that
// asked, <UserButton/> signs out, <Protect> shows its children only on the server's word, and
// the page waits for a late clerk-js and catches up.
import { expect, test, type Page } from "@playwright/test";
import { ADA, clerkCookies, emulatorInfo, newUser, signIn, signInWithClerkForm } from "./helpers";

const protectedAccount = (page: Page) => page.getByTestId("protected-account");

test("a guarded page sends a signed-out visitor to Clerk's <SignIn/> and back to it", async ({ page }) => {
  await page.goto("/profile?tab=security");
  // The server redirected before any script ran, naming the page that asked.
  await expect(page).toHaveURL(/\/sign-in\?redirect_url=\/profile%3Ftab%3Dsecurity$/);
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");

  await signInWithClerkForm(page, ADA);

  await expect(page).toHaveURL(/\/profile\?tab=security$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your account");
  await expect(page.locator(".user-name")).toHaveText(ADA.name);
  // Clerk's <UserProfile/>, rendered by @clerk/ui from the emulator's user.
  await expect(protectedAccount(page).locator(".cl-userProfile-root")).toBeVisible({ timeout: 15_000 });
  await expect(protectedAccount(page)).toContainText(ADA.email);
  // Its Security page lists this browser among the active devices (the emulator's
  // /v1/me/sessions/active).
  await protectedAccount(page).getByRole("button", { name: "Security" }).click();
  await expect(protectedAccount(page).locator(".cl-activeDevice, .cl-activeDeviceListItem").first()).toContainText("Chrome");
});

test("a name changed in <UserProfile/> reaches the local user", async ({ page, request }) => {
  const person = await newUser(request, "Emmy", "Noether");
  await signIn(page, person);
  await page.goto("/profile");
  const profile = protectedAccount(page).locator(".cl-userProfile-root");
  await expect(profile).toBeVisible({ timeout: 15_000 });
  await profile.getByRole("button", { name: /Update profile/ }).click();
  await profile.getByLabel("First name").fill("Amalie");
  await profile.getByRole("button", { name: "Save" }).click();
  await expect(profile).toContainText("Amalie Noether");
  // The emulator's user.updated webhook updates the local row; the dashboard shows it.
  await expect(async () => {
    await page.goto("/dashboard");
    await expect(page.getByTestId("profile-name")).toHaveText("Amalie Noether", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
});

test("a wrong password is refused inside Clerk's form, with Clerk's message", async ({ page }) => {
  await page.goto("/sign-in?redirect_url=/dashboard");
  await signInWithClerkForm(page, { email: ADA.email, password: "not-her-password" });
  await expect(page.locator(".cl-signIn-root")).toContainText(/password is incorrect/i);
  await expect(page).toHaveURL(/\/sign-in/);
  expect((await clerkCookies(page.context()))["__session"]).toBeUndefined();
});

test("signing up through Clerk's <SignUp/> comes back to the page that asked, as the new local user", async ({ page }) => {
  const email = `hypatia.${Date.now()}@example.com`;
  await page.goto("/sign-in?redirect_url=/profile");
  // <SignIn/>'s own "Sign up" link leads to the sign-up page, keeping where to come back to.
  await page.locator(".cl-signIn-root").getByRole("link", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/sign-up\?redirect_url=\/profile/);
  const form = page.locator(".cl-signUp-root");
  await form.getByLabel("Email address").fill(email);
  await form.locator("input[name=password]").fill("hypatia-of-alexandria-415");
  await form.getByRole("button", { name: "Continue", exact: true }).click();

  await expect(page).toHaveURL(/\/profile$/);
  await expect(protectedAccount(page)).toContainText(email, { timeout: 15_000 });
  // The server knows her too: the local user row exists for this session.
  await page.goto("/dashboard");
  await expect(page.getByTestId("profile-email")).toHaveText(email);
});

test("<UserButton/> signs out: the page is signed out and the session cookie is gone", async ({ page, context }) => {
  await signIn(page);
  const suffix = (await emulatorInfo(page.request)).cookie_suffix;
  expect((await clerkCookies(context))["__session"]).toBeTruthy();

  await page.goto("/profile");
  const userButton = page.locator(".page-heading .cl-userButtonTrigger");
  await expect(userButton).toBeVisible({ timeout: 15_000 });
  await userButton.click();
  await page.locator(".cl-userButtonPopoverCard").getByRole("button", { name: "Sign out" }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(".cta").getByRole("button", { name: "Sign in" })).toBeVisible();
  const cookies = await clerkCookies(context);
  expect(cookies["__session"]).toBeUndefined();
  expect(cookies[`__session_${suffix}`]).toBeUndefined();
  expect(cookies["__client_uat"]).toBe("0");
  // The server agrees: the dashboard now asks for sign-in.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in\?redirect_url=\/dashboard$/);
});

test("<Protect> renders its children from the server's answer", async ({ page, context }) => {
  // Signed out, the server renders no protected content (and redirects the page).
  const anonymous = await page.request.get("/profile", { maxRedirects: 0, headers: { Accept: "text/html" } });
  expect(anonymous.status()).toBeGreaterThanOrEqual(300);
  expect(anonymous.status()).toBeLessThan(400);
  expect(anonymous.headers()["location"]).toMatch(/\/sign-in\?redirect_url=\/profile$/);
  expect(await anonymous.text()).not.toContain("protected-account");

  await signIn(page);
  // Signed in, the server's first paint already holds them.
  const html = await (await context.request.get("/profile")).text();
  expect(html).toContain('data-testid="protected-account"');

  // In the browser, Protect asks the server again when it is rendered there.
  await page.getByRole("button", { name: new RegExp(ADA.name) }).click();
  await page.getByRole("menuitem", { name: "Your account" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(protectedAccount(page)).toBeVisible();
});

test("<Protect> shows nothing protected when the server says no, whatever clerk-js believes", async ({ page }) => {
  await signIn(page);
  // The server's answer to "who is this?" is "nobody"; clerk-js still has Ada signed in.
  let asked = 0;
  await page.route("**/api/fn/me", (route) => {
    asked += 1;
    return route.fulfill({ status: 200, contentType: "application/json", body: "null" });
  });
  await page.getByRole("button", { name: new RegExp(ADA.name) }).click();
  await page.getByRole("menuitem", { name: "Your account" }).click();
  await expect(page).toHaveURL(/\/profile$/);

  await expect(page.getByTestId("protect-fallback")).toBeVisible();
  await expect(protectedAccount(page)).toHaveCount(0);
  await expect(page.locator(".cl-userProfile-root")).toHaveCount(0);
  expect(asked).toBeGreaterThan(0);
  // The page's own state is still signed in: only the server's word kept the content out.
  await expect(page.locator(".user-name")).toHaveText(ADA.name);
});

test("a clerk-js that arrives late: the page says it is waiting, then catches up", async ({ page }) => {
  test.setTimeout(60_000);
  // clerk-js is held back until the test has seen the page wait for it, so the check does
  // not depend on how long the page takes to hydrate on a busy machine.
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/clerk\.browser\.js$/, async (route) => {
    await released;
    await route.continue();
  });
  // The held script would keep the load event from firing: wait for the document only.
  await page.goto("/sign-in?redirect_url=/dashboard", { waitUntil: "domcontentloaded" });
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  // Past the usual wait (10 s), still no clerk-js: the page says so instead of giving up.
  const notice = page.getByTestId("clerk-status");
  await expect(notice).toHaveText(/taking longer than usual/, { timeout: 12_000 });
  await expect(page.locator(".cl-signIn-root")).toHaveCount(0);

  // clerk-js arrives: the notice goes, Clerk's form mounts, and signing in works.
  release();
  await expect(notice).toHaveCount(0, { timeout: 14_000 });
  await signInWithClerkForm(page, ADA);
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
});

test("pages without Clerk's components do not download @clerk/ui", async ({ page }) => {
  const uiFiles: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/npm/@clerk/ui@")) uiFiles.push(request.url());
  });
  await page.goto("/");
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  await page.waitForLoadState("networkidle");
  expect(uiFiles).toEqual([]);

  await page.goto("/sign-in");
  await expect(page.locator(".cl-signIn-root")).toBeVisible({ timeout: 15_000 });
  expect(uiFiles.some((url) => url.endsWith("/ui.browser.js"))).toBe(true);
});

test("the signed-in dashboard does not download @clerk/ui", async ({ page }) => {
  await signIn(page);
  const uiFiles: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/npm/@clerk/ui@")) uiFiles.push(request.url());
  });
  await page.goto("/dashboard");
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  await page.waitForLoadState("networkidle");
  expect(uiFiles).toEqual([]);
});
