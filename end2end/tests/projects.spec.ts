// Projects through the UI: create, rename, delete (with confirmation), the server's
// validation and conflict messages beside the fields, persistence across a reload, and
// privacy between two people signed in at once.
import { expect, test, type Page } from "@playwright/test";
import { newUser, sessionToken, signIn } from "./helpers";

const projects = (page: Page) => page.getByTestId("project");

async function create(page: Page, name: string, description = "") {
  await page.getByLabel("Name", { exact: true }).first().fill(name);
  await page.locator("#new-project-description").fill(description);
  await page.getByRole("button", { name: "Create project" }).click();
}

test("create, rename and delete a project; the changes survive a reload", async ({ page, request }) => {
  const person = await newUser(request, "Katherine", "Johnson");
  await signIn(page, person);
  await expect(page.getByTestId("projects-empty")).toBeVisible();

  await create(page, "Orbit maths", "Trajectories for Friendship 7");
  await expect(projects(page)).toHaveCount(1);
  await expect(projects(page).first().getByRole("heading")).toHaveText("Orbit maths");
  await expect(page.getByLabel("Name", { exact: true }).first()).toHaveValue("");

  await page.getByRole("button", { name: "Rename Orbit maths" }).click();
  const nameField = projects(page).first().getByLabel("Name");
  await nameField.fill("Re-entry maths");
  await projects(page).first().getByRole("button", { name: "Save" }).click();
  await expect(projects(page).first().getByRole("heading")).toHaveText("Re-entry maths");
  await expect(projects(page).first()).not.toHaveAttribute("aria-busy", "true");

  await create(page, "Scratch");
  await expect(projects(page)).toHaveCount(2);
  await page.reload();
  await expect(projects(page)).toHaveCount(2);
  await expect(projects(page).getByRole("heading")).toHaveText(["Scratch", "Re-entry maths"]);

  await page.getByRole("button", { name: "Delete Scratch" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Delete “Scratch”? This cannot be undone.");
  await page.getByRole("button", { name: "Keep it" }).click();
  await expect(projects(page)).toHaveCount(2);
  await page.getByRole("button", { name: "Delete Scratch" }).click();
  await page.getByRole("button", { name: "Delete project" }).click();
  await expect(projects(page)).toHaveCount(1);
  await page.reload();
  await expect(projects(page).getByRole("heading")).toHaveText(["Re-entry maths"]);
});

test("what is typed while a project is saving stays in the form", async ({ page, request }) => {
  const person = await newUser(request, "Annie", "Easley");
  await signIn(page, person);
  await expect(page.getByTestId("projects-empty")).toBeVisible();
  // The server's answer is held back until the next name has been typed.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/fn/projects/create", async (route) => {
    await held;
    await route.continue();
  });
  await create(page, "Centaur", "Upper stage");
  await expect(projects(page)).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Creating…" })).toBeDisabled();
  await page.getByLabel("Name", { exact: true }).first().fill("Atlas");
  release();
  await expect(page.getByRole("button", { name: "Create project" })).toBeEnabled();
  await expect(projects(page).first()).toContainText("Centaur");
  // The sent name is confirmed and its description cleared; the new name is still there.
  await expect(page.getByLabel("Name", { exact: true }).first()).toHaveValue("Atlas");
  await expect(page.locator("#new-project-description")).toHaveValue("");
});

test("validation and conflict answers show beside the fields", async ({ page, request }) => {
  const person = await newUser(request, "Dorothy", "Vaughan");
  await signIn(page, person);
  await expect(page.getByTestId("projects-empty")).toBeVisible();

  // 422: a blank name (the server's message, shown under the field, nothing added).
  const statuses: number[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/api/fn/projects/")) statuses.push(r.status());
  });
  await create(page, "   ");
  const nameErrors = page.locator("#new-project-name-errors");
  await expect(nameErrors).not.toBeEmpty();
  await expect(page.getByLabel("Name", { exact: true }).first()).toHaveAttribute("aria-invalid", "true");
  await expect(projects(page)).toHaveCount(0);

  // 422: a description over 2,000 characters.
  await create(page, "Fortran", "x".repeat(2001));
  await expect(page.locator("#new-project-description-errors")).toContainText("2,000");
  await expect(projects(page)).toHaveCount(0);

  // 409: a duplicate name, case-insensitively; the optimistic row is taken back out.
  await create(page, "FORTRAN", "");
  await expect(projects(page)).toHaveCount(1);
  await create(page, "fortran");
  await expect(nameErrors).toContainText(/already/i);
  await expect(projects(page)).toHaveCount(1);

  // A rename into a clash rolls back and keeps the form open with the message.
  await create(page, "IBM 7090");
  await expect(projects(page)).toHaveCount(2);
  await page.getByRole("button", { name: "Rename IBM 7090" }).click();
  const item = projects(page).first();
  await item.getByLabel("Name").fill("fortran");
  await item.getByRole("button", { name: "Save" }).click();
  await expect(item.locator(".field-errors").first()).toContainText(/already/i);
  await item.getByRole("button", { name: "Cancel" }).click();
  await expect(projects(page).getByRole("heading")).toHaveText(["IBM 7090", "FORTRAN"]);
  expect(statuses).toEqual(expect.arrayContaining([422, 409]));
});

test("two people signed in at once each see only their own projects", async ({ browser, request }) => {
  const first = await newUser(request, "Mary", "Jackson");
  const second = await newUser(request, "Annie", "Easley");
  const one = await (await browser.newContext()).newPage();
  const two = await (await browser.newContext()).newPage();
  await signIn(one, first);
  await signIn(two, second);

  await create(one, "Wind tunnel");
  await expect(projects(one)).toHaveCount(1);
  await create(two, "Centaur rocket");
  await expect(projects(two)).toHaveCount(1);

  await one.reload();
  await two.reload();
  await expect(projects(one).getByRole("heading")).toHaveText(["Wind tunnel"]);
  await expect(projects(two).getByRole("heading")).toHaveText(["Centaur rocket"]);

  // And the REST API agrees, token by token.
  const listAs = async (page: Page) => {
    const token = await sessionToken(page);
    const response = await page.request.get("/api/projects", { headers: { Authorization: `Bearer ${token}` } });
    return (await response.json()).items.map((p: { name: string }) => p.name);
  };
  expect(await listAs(one)).toEqual(["Wind tunnel"]);
  expect(await listAs(two)).toEqual(["Centaur rocket"]);
  await one.context().close();
  await two.context().close();
});
