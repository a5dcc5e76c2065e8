// The offline Clerk emulator with Clerk's own clerk-js in a real browser: the bundle is the
// pinned npm release, sign-in works as a listed person, with email and password and by
// signing up, tokens behave as clerk-js's do and the server accepts them, and sign-out
// clears the session and Clerk's cookies.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { ADA, clerkCookies, emulatorInfo, sessionToken, signIn } from "./helpers";

const ROOT = join(__dirname, "..", "..");

test("every page runs the clerk-js of the committed lock file, and nothing in the repo stands in for it", async ({ page, request }) => {
  const lock = JSON.parse(readFileSync(join(ROOT, "tools/clerk-emulator/clerk-js/package-lock.json"), "utf8"));
  const pinned: string = lock.packages["node_modules/@clerk/clerk-js"].version;
  expect(pinned).toMatch(/^6\./);
  expect((await emulatorInfo(request)).clerk_js_version).toBe(pinned);

  for (const path of ["/", "/__clerk/sign-in"]) {
    await page.goto(path);
    const version = await page.evaluate(async () => {
      for (let i = 0; i < 200 && !window.Clerk?.version; i++) await new Promise((r) => setTimeout(r, 50));
      return window.Clerk?.version;
    });
    expect(version, path).toBe(pinned);
  }

  // No tracked file assigns a global Clerk of its own (this file names the pattern only in
  // pieces, so that it does not find itself).
  const files = execFileSync("git", ["ls-files", "*.js", "*.mjs", "*.ts", "*.rs", "*.html"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.includes("node_modules/"));
  const assignment = new RegExp(["(window|globalThis|self)", "\\.Clerk\\s*=[^=]"].join(""));
  const standIns = files.filter((f) => assignment.test(readFileSync(join(ROOT, f), "utf8")));
  expect(standIns).toEqual([]);
});

test("sign in as a listed person; getToken, getToken({ skipCache }) and the server agree", async ({ page, context }) => {
  await signIn(page);

  const first = await sessionToken(page);
  expect(first.split(".")).toHaveLength(3);
  expect(await sessionToken(page)).toBe(first);

  const me = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${first}` } });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ clerk_id: ADA.id, email: ADA.email });

  const fresh = await sessionToken(page, { skipCache: true });
  expect(fresh).not.toBe(first);
  const again = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${fresh}` } });
  expect(again.status()).toBe(200);

  // clerk-js keeps the token in __session and in its suffixed copy; __client_uat says signed in.
  const cookies = await clerkCookies(context);
  const suffix = (await emulatorInfo(page.request)).cookie_suffix;
  expect(cookies["__session"]).toBe(fresh);
  expect(cookies[`__session_${suffix}`]).toBe(fresh);
  expect(Number(cookies["__client_uat"])).toBeGreaterThan(0);
});

test("sign in with email and password, and a wrong password is refused beside the field", async ({ page }) => {
  await page.goto("/__clerk/sign-in");
  await expect(page.locator("main")).toHaveAttribute("data-ready", "true");
  await page.getByLabel("Email address").first().fill(ADA.email);
  await page.getByLabel("Password", { exact: true }).fill("not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.locator("#password-error")).toContainText("Password is incorrect");
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Password", { exact: true }).fill(ADA.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/$/);
  await page.goto("/dashboard");
  await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
});

test("sign up with email and password lands on the dashboard as the new local user", async ({ page }) => {
  const email = `new.${Date.now()}@example.com`;
  await page.goto("/__clerk/sign-in?redirect_url=/dashboard");
  await expect(page.locator("main")).toHaveAttribute("data-ready", "true");
  await page.locator("#new-email").fill(email);
  await page.locator("#new-first-name").fill("Mary");
  await page.locator("#new-last-name").fill("Somerville");
  await page.locator("#new-password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#new-password-error")).not.toBeEmpty();

  await page.locator("#new-password").fill("mary-somerville-1780");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Mary");
});

test("signOut ends the session and clears Clerk's cookies", async ({ page, context }) => {
  await signIn(page);
  await page.goto("/");
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  // clerk-js navigates to the instance's after-sign-out URL when it is done.
  const navigated = page.waitForEvent("framenavigated");
  await page.evaluate(async () => {
    await window.Clerk.load();
    void window.Clerk.signOut();
  });
  await navigated;
  await page.waitForLoadState("load");
  const cookies = await clerkCookies(context);
  const suffix = (await emulatorInfo(page.request)).cookie_suffix;
  expect(cookies["__session"]).toBeUndefined();
  expect(cookies[`__session_${suffix}`]).toBeUndefined();
  expect(cookies["__client_uat"]).toBe("0");
  // A reload finds no session either: the emulator ended it, not only the page.
  await page.reload();
  await expect(page.locator(".cta").getByRole("button", { name: "Sign in" })).toBeVisible();
  const user = await page.evaluate(async () => {
    await window.Clerk.load();
    return window.Clerk.user;
  });
  expect(user).toBeNull();
});

test("a template token from the emulator is refused as a session token", async ({ page }) => {
  await signIn(page);
  await page.request.put("/__clerk/_emulator/templates/e2e", { data: { claims: { email: "{{user.primary_email_address}}" } } });
  const template = await sessionToken(page, { template: "e2e" });
  const response = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${template}` } });
  expect(response.status()).toBe(401);
  expect((await response.json()).error.reason).toBe("token-type-mismatch");
});
