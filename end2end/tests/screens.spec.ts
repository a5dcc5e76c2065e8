// Every page fits a phone screen and a desktop one; the screenshots land in test-results/
// (docs/screenshots holds a copy of them).
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";

const sizes = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function fits(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const size of sizes) {
  test(`landing, sign-in and dashboard fit a ${size.name} screen`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    const shot = (name: string) => page.screenshot({ path: testInfo.outputPath(`${name}-${size.name}.png`), fullPage: true });

    await page.goto("/");
    await expect(page.locator("main")).toHaveAttribute("data-hydrated", "true");
    await fits(page);
    await shot("landing");

    await page.locator(".cta").getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/sign-in\?redirect_url=\/dashboard$/);
    await expect(page.locator(".cl-signIn-root")).toBeVisible();
    await fits(page);
    await shot("sign-in");

    await page.goto("/");
    await signIn(page);
    await expect(page.getByTestId("profile-email")).toBeVisible();
    await fits(page);
    await shot("dashboard");
  });
}
