// The offline Clerk emulator in a real browser: its sign-in page, and the clerk-js surface the
// app relies on (`window.Clerk`), checked against the server's own verification.
import { expect, test } from "@playwright/test";
import { ADA, sessionToken, signIn } from "./helpers";

test("sign in through the emulator; getToken, getToken({ skipCache }) and signOut behave like clerk-js", async ({ page, context }) => {
  await signIn(page);

  const first: string = await page.evaluate(async () => {
    await window.Clerk.load();
    return window.Clerk.session.getToken();
  });
  expect(first.split(".")).toHaveLength(3);
  const cached: string = await page.evaluate(() => window.Clerk.session.getToken());
  expect(cached).toBe(first);

  // The server accepts it, and answers with the local user it stands for.
  const me = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${first}` } });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ clerk_id: ADA.id, email: ADA.email });

  // skipCache: a different, fresh token, also accepted.
  const fresh: string = await page.evaluate(() => window.Clerk.session.getToken({ skipCache: true }));
  expect(fresh).not.toBe(first);
  const iat = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).iat;
  expect(iat(fresh)).toBeGreaterThanOrEqual(iat(first));
  const again = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${fresh}` } });
  expect(again.status()).toBe(200);

  // The __session cookie carries the current token, like clerk-js keeps it.
  const sessionCookie = (await context.cookies()).find((c) => c.name === "__session");
  expect(sessionCookie?.value).toBe(fresh);

  // signOut (from the landing page, which stays put when the session ends): no session, no
  // __session cookie, __client_uat back to 0.
  await page.goto("/");
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
  await page.evaluate(() => window.Clerk.signOut());
  expect(await page.evaluate(() => window.Clerk.session)).toBeNull();
  expect(await page.evaluate(() => window.Clerk.user)).toBeNull();
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === "__session")).toBeUndefined();
  expect(cookies.find((c) => c.name === "__client_uat")?.value).toBe("0");
  expect(await page.evaluate(() => window.Clerk.session?.getToken() ?? null)).toBeNull();
});

test("a template token from the emulator is refused as a session token", async ({ page }) => {
  await signIn(page);
  await page.request.put("/__clerk/_emulator/templates/e2e", { data: { claims: { email: "{{user.primary_email_address}}" } } });
  const template = await sessionToken(page, { template: "e2e" });
  const response = await page.request.get("/api/me", { headers: { Authorization: `Bearer ${template}` } });
  expect(response.status()).toBe(401);
  expect((await response.json()).error.reason).toBe("token-type-mismatch");
});
