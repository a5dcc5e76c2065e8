// What the browser is sent for a page of the real build: content-hashed asset names that it
// may keep for a year, text compressed, and a page that no shared cache may keep.
import { expect, test, type Response } from "@playwright/test";

const HASHED = /\/pkg\/populatte\.[A-Za-z0-9_-]{22}\.(wasm|js|css)$/;

test("the built assets have hashed names and are cached for good; the page is not", async ({ page }) => {
  const assets: Response[] = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname.startsWith("/pkg/")) assets.push(response);
  });
  const document = await page.goto("/");
  await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");

  const pageHeaders = document!.headers();
  expect(pageHeaders["cache-control"]).toBe("private, no-cache");
  expect(pageHeaders["content-encoding"]).toBe("br");

  const kinds = assets.map((r) => new URL(r.url()).pathname.split(".").pop()).sort();
  expect(kinds).toEqual(["css", "js", "wasm"]);
  for (const asset of assets) {
    const path = new URL(asset.url()).pathname;
    expect(path).toMatch(HASHED);
    expect(asset.status(), path).toBe(200);
    expect(asset.headers()["cache-control"], path).toBe("public, max-age=31536000, immutable");
  }
  // JS and CSS are compressed in every build (a release build ships brotli copies of all
  // three, the wasm included; a debug build's are compressed as they are sent).
  for (const asset of assets.filter((r) => !r.url().endsWith(".wasm"))) {
    expect(asset.headers()["content-encoding"], asset.url()).toBe("br");
  }
});
