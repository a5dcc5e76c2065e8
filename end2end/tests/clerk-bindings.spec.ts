// The app's bindings to clerk-js (its loader, token source and provider) with the real
// clerk-js: a script that arrives late is waited for and loaded once, and the page follows
// the changes clerk-js reports about the signed-in user.
import { expect, test, type Request } from "@playwright/test";
import { backendApi, newUser, signIn } from "./helpers";

const CLERK_JS = /\/npm\/@clerk\/clerk-js@[^/]+\/dist\/clerk\.browser\.js$/;

test("clerk-js arriving late is waited for, loaded once, and its tokens reach the server", async ({ browser, baseURL, page, request }) => {
  const person = await newUser(request, "Late", "Loader");
  await signIn(page, person);

  // The same person in a new browser context (its cookies, an empty HTTP cache: clerk-js is
  // cached for good once loaded), where clerk-js arrives three seconds late, as on a slow
  // network.
  const context = await browser.newContext({ baseURL, storageState: await page.context().storageState() });
  page = await context.newPage();
  await page.route(CLERK_JS, async (route) => {
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await route.fulfill({ response });
  });
  const frontendApi: Request[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/__clerk/v1/")) frontendApi.push(r);
  });
  const apiMe: number[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/api/me") apiMe.push(r.status());
  });

  // Not waiting for the load event, which waits for the late script too.
  await page.goto("/dashboard", { waitUntil: "domcontentloaded" });
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  // The wasm starts before clerk-js exists; a request made now waits for it.
  expect(await page.evaluate(() => typeof window.Clerk)).toBe("undefined");
  await page.getByRole("button", { name: "Refresh profile" }).click();
  await expect(page.locator(".user-name")).toHaveText(person.name, { timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Refresh profile" })).toBeEnabled();
  await expect(page.getByTestId("profile-email")).toHaveText(person.email);
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(apiMe).toEqual([200]);

  // One load for the whole page: the client and the environment were asked for once each.
  const asked = (path: string) => frontendApi.filter((r) => r.method() === "GET" && new URL(r.url()).pathname === path);
  expect(asked("/__clerk/v1/client")).toHaveLength(1);
  expect(asked("/__clerk/v1/environment")).toHaveLength(1);
  await context.close();
});

test("the header follows what clerk-js learns about the user", async ({ page, request }) => {
  const person = await newUser(request, "Before", "Rename");
  await signIn(page, person);
  await expect(page.locator(".user-name")).toHaveText(person.name);

  // Changed at Clerk (Backend API); the page learns it on clerk-js's next answer from the
  // Frontend API, here a session touch, and the header follows without a reload.
  await backendApi(request, "PATCH", `/v1/users/${person.id}`, { first_name: "After" });
  await page.evaluate(() => window.Clerk.session.touch());
  await expect(page.locator(".user-name")).toHaveText("After Rename");
  expect(await page.evaluate(() => window.Clerk.user.firstName)).toBe("After");
});
