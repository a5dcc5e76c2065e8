// Clerk's handshake with the real clerk-js and the emulator's Frontend API: a page loaded long
// after the last token is signed in on the server's first paint, after one round trip to the
// Frontend API; a Frontend API whose handshakes do not help is tried three times, then the page
// is rendered signed out, with no loop.
import { expect, test, type BrowserContext, type Page, type Request } from "@playwright/test";
import { ADA, control, emulatorInfo, signIn } from "./helpers";

const HANDSHAKE = /\/__clerk\/v1\/client\/handshake$/;

/// Signs in, then leaves the browser holding a session cookie whose token was minted two
/// minutes ago (emulator clock), long expired, with no clerk-js running to replace it.
async function lastTokenTwoMinutesAgo(page: Page, context: BrowserContext, request: any) {
  await signIn(page);
  const sessionId: string = await page.evaluate(() => window.Clerk.session.id);
  await page.close();
  await control(request, "PATCH", "/settings", { clock_offset_secs: -120 });
  let jwt: string;
  try {
    ({ jwt } = await control(request, "POST", "/tokens", { user_id: ADA.id, session_id: sessionId }));
  } finally {
    await control(request, "PATCH", "/settings", { clock_offset_secs: 0 });
  }
  const { cookie_suffix } = await emulatorInfo(request);
  const url = new URL("/", test.info().project.use.baseURL).toString();
  await context.addCookies(
    ["__session", `__session_${cookie_suffix}`].map((name) => ({ name, value: jwt, url })),
  );
}

function handshakesOf(context: BrowserContext): Request[] {
  const seen: Request[] = [];
  context.on("request", (r) => {
    if (HANDSHAKE.test(new URL(r.url()).pathname)) seen.push(r);
  });
  return seen;
}

test("a page load two minutes after the last token is signed in on the first paint", async ({ browser, request }) => {
  const context = await browser.newContext();
  try {
    await lastTokenTwoMinutesAgo(await context.newPage(), context, request);
    const handshakes = handshakesOf(context);
    const page = await context.newPage();

    const response = await page.goto("/dashboard");

    expect(response!.status()).toBe(200);
    expect(new URL(page.url()).search).toBe("");
    expect(new URL(page.url()).pathname).toBe("/dashboard");
    expect(handshakes).toHaveLength(1);
    // The server-rendered HTML itself, before any script ran.
    const html = await response!.text();
    expect(html).toContain(ADA.name);
    expect(html).toContain(ADA.email);
    expect(html).not.toContain("Checking your session");
    await expect(page.getByTestId("profile-email")).toHaveText(ADA.email);
  } finally {
    await context.close();
  }
});

test("a handshake that fails three times ends signed out with no loop", async ({ browser, request }) => {
  const context = await browser.newContext();
  try {
    await lastTokenTwoMinutesAgo(await context.newPage(), context, request);
    // The emulator's next handshakes hand out tokens that are already expired.
    await control(request, "PATCH", "/settings", { failing_handshakes: 10 });
    const handshakes = handshakesOf(context);
    const page = await context.newPage();
    let response;
    try {
      response = await page.goto("/");
    } finally {
      await control(request, "PATCH", "/settings", { failing_handshakes: 0 });
    }

    expect(response!.status()).toBe(200);
    expect(handshakes).toHaveLength(3);
    const html = await response!.text();
    expect(html).toContain("SignedOut");
    expect(html).not.toContain(ADA.name);
    // No fourth attempt follows.
    await page.waitForLoadState("networkidle");
    expect(handshakes).toHaveLength(3);
  } finally {
    await context.close();
  }
});
