// The load of scripts/soak: mixed traffic against two server instances for a bounded time,
// then the checks. Every answer is recorded; the checks read the database with psql.
//
//   node soak.mjs SECONDS EMULATOR_URL WEBHOOK_SECRET DATABASE_URL INSTANCE_URL...
//
// Traffic (CONCURRENCY async workers, each request to a random instance):
//   - authenticated reads: GET /api/me, GET /api/projects;
//   - project creates, renames and deletes, each project used by one worker at a time;
//   - Clerk webhooks (Svix-signed) for users of their own: each a run of user.updated events
//     with rising updated_at, sent out of order (some held back and sent after newer ones)
//     and some sent twice; every delivery is retried until it answers 2xx, as Svix does.
// Session tokens come from the emulator's control API and are minted again every 10 s (so
// that a rotated signing key is picked up).
//
// The checks (exit 1 on any violation):
//   1. no answer was a 500 (503s and refused connections are counted and reported);
//   2. every project whose create answered 201 and that was never asked to be deleted is in
//      the database, with the name of its last rename that answered 200 (or of a later
//      rename whose answer was lost); every delete that answered 204 is gone;
//   3. every webhook delivery that answered 2xx is recorded once in webhook_deliveries, no
//      delivery answered "applied" twice, and each webhook user holds the newest event;
//   4. both instances agree with the database: each user's projects (GET /api/projects,
//      every page) and profile (GET /api/me) on each instance equal the rows.
import { createHmac, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";

const [seconds, emulator, webhookSecret, databaseUrl, ...instances] = process.argv.slice(2);
const DURATION_MS = Number(seconds) * 1000;
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const USERS = Number(process.env.SOAK_USERS ?? 20);
const WEBHOOK_USERS = Number(process.env.SOAK_WEBHOOK_USERS ?? 40);
const REQUEST_TIMEOUT_MS = 10_000;

const statuses = {}; // "METHOD route status" -> count
const violations = [];
let requests = 0;
const count = (key) => (statuses[key] = (statuses[key] ?? 0) + 1);
const violation = (text) => {
  if (violations.length < 50) violations.push(text);
  else violations.length === 50 && violations.push("… more");
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];

/// One request; the answer's status (0: no answer) and JSON body. Records the status.
async function call(base, method, path, route, { body, token, headers = {} } = {}) {
  requests++;
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let status = 0;
  let json = null;
  try {
    const response = await fetch(base + path, init);
    status = response.status;
    const text = await response.text();
    json = text ? JSON.parse(text) : null;
  } catch {
    // Refused, reset or timed out: an instance being killed or restarted.
  }
  count(`${method} ${route} ${status || "no-answer"}`);
  if (status >= 500 && status !== 503) violation(`${method} ${path} on ${base} answered ${status}: ${JSON.stringify(json)}`);
  return { status, json };
}

async function control(method, path, body) {
  const response = await fetch(`${emulator}/_emulator${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} /_emulator${path}: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// ---- users and tokens ----

const users = []; // { clerkId, email, token }
for (let i = 0; i < USERS; i++) {
  const user = await control("POST", "/users", {
    email_address: `soak${i}-${Date.now()}@example.com`, first_name: "Soak", last_name: `User ${i}`,
  });
  users.push({ clerkId: user.id, token: null });
}
async function mintTokens() {
  for (const user of users) {
    try {
      user.token = (await control("POST", "/tokens", { user_id: user.clerkId, lifetime_secs: 3600 })).jwt;
    } catch (error) {
      console.error(`soak: minting a token failed (kept the previous one): ${error.message}`);
    }
  }
}
await mintTokens();

// ---- projects ----

const projects = new Map(); // id -> { owner, name, confirmedName, laterNames, deleteAsked, deleted, busy }
let projectCounter = 0;

async function createProject(user) {
  const name = `Soak ${++projectCounter} ${randomUUID().slice(0, 8)}`;
  const { status, json } = await call(pick(instances), "POST", "/api/projects", "/api/projects", {
    token: user.token, body: { name, description: "soak" },
  });
  if (status === 201) {
    projects.set(json.id, { owner: user, name, confirmedName: name, laterNames: [], deleteAsked: false, deleted: false, busy: false });
  }
}

function freeProjectOf(user) {
  const mine = [...projects.entries()].filter(([, p]) => p.owner === user && !p.deleteAsked && !p.busy);
  return mine.length ? pick(mine) : null;
}

async function renameProject(user) {
  const found = freeProjectOf(user);
  if (!found) return createProject(user);
  const [id, project] = found;
  project.busy = true;
  const name = `Renamed ${++projectCounter} ${randomUUID().slice(0, 8)}`;
  const { status } = await call(pick(instances), "PATCH", `/api/projects/${id}`, "/api/projects/{id}", {
    token: user.token, body: { name },
  });
  if (status === 200) {
    project.confirmedName = name;
    project.laterNames = [];
  } else {
    // The rename may or may not have happened (its answer was lost or it was refused).
    project.laterNames.push(name);
  }
  project.busy = false;
}

async function deleteProject(user) {
  const found = freeProjectOf(user);
  if (!found) return;
  const [id, project] = found;
  project.busy = true;
  project.deleteAsked = true;
  const { status } = await call(pick(instances), "DELETE", `/api/projects/${id}`, "/api/projects/{id}", { token: user.token });
  if (status === 204) project.deleted = true;
  project.busy = false;
}

// ---- webhooks ----

const secretBytes = Buffer.from(webhookSecret.replace(/^whsec_/, ""), "base64");
const webhookUsers = Array.from({ length: WEBHOOK_USERS }, (_, i) => ({
  clerkId: `user_soakwebhook${i}${Date.now().toString(36)}`, version: 0, held: [],
}));
const deliveries = new Map(); // svix id -> { user, version, answered2xx, applied }
const BASE_MS = Date.now();

function event(user, version) {
  return JSON.stringify({
    type: version === 1 ? "user.created" : "user.updated", object: "event", timestamp: BASE_MS + version,
    data: {
      id: user.clerkId, object: "user",
      email_addresses: [{ id: "idn_1", email_address: `${user.clerkId}-v${version}@example.com` }],
      primary_email_address_id: "idn_1", first_name: "Hook", last_name: `Version ${version}`, image_url: null,
      created_at: BASE_MS, updated_at: BASE_MS + version * 1000,
    },
  });
}

/// Sends one delivery until it answers 2xx (at most 40 tries, 250 ms apart), as Svix retries.
async function deliver(id) {
  const delivery = deliveries.get(id);
  for (let attempt = 0; attempt < 40; attempt++) {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = createHmac("sha256", secretBytes).update(`${id}.${timestamp}.${delivery.body}`).digest("base64");
    const { status, json } = await call(pick(instances), "POST", "/api/webhooks/clerk", "/api/webhooks/clerk", {
      body: delivery.body,
      headers: { "svix-id": id, "svix-timestamp": String(timestamp), "svix-signature": `v1,${signature}` },
    });
    if (status >= 200 && status < 300) {
      delivery.answered2xx = true;
      if (json?.status === "applied" && delivery.applied++ >= 1) violation(`webhook ${id} answered "applied" twice`);
      return;
    }
    await sleep(250);
  }
}

async function webhookStep() {
  const user = pick(webhookUsers);
  const roll = Math.random();
  if (roll < 0.2 && user.held.length) {
    // Reordering: an older event, held back, arrives after newer ones.
    return deliver(user.held.shift());
  }
  if (roll < 0.35) {
    // A duplicate: a delivery already acknowledged, sent again with its svix-id.
    const done = [...deliveries.entries()].filter(([, d]) => d.answered2xx);
    if (done.length) return deliver(pick(done)[0]);
  }
  const version = ++user.version;
  const id = `msg_soak${randomUUID().replaceAll("-", "")}`;
  deliveries.set(id, { user, version, body: event(user, version), answered2xx: false, applied: 0 });
  if (version > 1 && Math.random() < 0.25) user.held.push(id);
  else await deliver(id);
}

// ---- the load ----

const deadline = Date.now() + DURATION_MS;
async function worker() {
  while (Date.now() < deadline) {
    const user = pick(users);
    const roll = Math.random();
    if (roll < 0.3) await call(pick(instances), "GET", "/api/me", "/api/me", { token: user.token });
    else if (roll < 0.5) await call(pick(instances), "GET", "/api/projects", "/api/projects", { token: user.token });
    else if (roll < 0.62) await createProject(user);
    else if (roll < 0.72) await renameProject(user);
    else if (roll < 0.78) await deleteProject(user);
    else await webhookStep();
  }
}
const minter = (async () => {
  while (Date.now() < deadline) {
    await sleep(10_000);
    await mintTokens();
  }
})();
const started = Date.now();
await Promise.all([...Array.from({ length: CONCURRENCY }, worker), minter]);
// Held-back events are delivered at the end, last of all (the oldest arriving last).
for (const user of webhookUsers) for (const id of user.held.splice(0)) await deliver(id);
const loadSeconds = (Date.now() - started) / 1000;

// ---- the checks ----

function psql(sql) {
  return execFileSync("psql", [databaseUrl, "-XAtq", "-F", "\t", "-c", sql], { encoding: "utf8", maxBuffer: 1 << 28 })
    .split("\n").filter(Boolean).map((line) => line.split("\t"));
}
// Wait until both instances and the database answer again (an instance restarted late).
for (const base of instances) {
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    await sleep(500);
  }
}
await mintTokens();

const rows = new Map(psql("select id, name from projects").map(([id, name]) => [id, name]));
let created = 0;
for (const [id, project] of projects) {
  created++;
  if (project.deleted) {
    if (rows.has(id)) violation(`project ${id}: its delete answered 204 but it is in the database`);
  } else if (!project.deleteAsked) {
    if (!rows.has(id)) violation(`project ${id}: its create answered 201 but it is not in the database`);
    else if (![project.confirmedName, ...project.laterNames].includes(rows.get(id)))
      violation(`project ${id}: named ${JSON.stringify(rows.get(id))} in the database, expected ${JSON.stringify(project.confirmedName)}`);
  }
}

const acknowledged = [...deliveries.entries()].filter(([, d]) => d.answered2xx).map(([id]) => id);
const recorded = new Set(psql(`select svix_id from webhook_deliveries where svix_id like 'msg_soak%'`).map(([id]) => id));
for (const id of acknowledged) if (!recorded.has(id)) violation(`webhook ${id} answered 2xx but is not recorded`);
const emails = new Map(psql(`select clerk_id, email from users where clerk_id like 'user_soakwebhook%'`));
for (const user of webhookUsers) {
  const mine = [...deliveries.values()].filter((d) => d.user === user);
  if (!mine.length) continue;
  const newestAcknowledged = Math.max(0, ...mine.filter((d) => d.answered2xx).map((d) => d.version));
  const possible = mine.filter((d) => d.version >= newestAcknowledged && (d.version === newestAcknowledged || !d.answered2xx))
    .map((d) => `${user.clerkId}-v${d.version}@example.com`);
  if (!possible.includes(emails.get(user.clerkId)))
    violation(`webhook user ${user.clerkId}: email ${emails.get(user.clerkId)}, expected ${possible.join(" or ")}`);
}

let agreementChecks = 0;
for (const user of users) {
  const expected = psql(`select p.id, p.name from projects p join users u on u.id = p.owner_id where u.clerk_id = '${user.clerkId}' order by p.id`)
    .map(([id, name]) => `${id} ${name}`).join("\n");
  const [profile] = psql(`select id, coalesce(email, '') from users where clerk_id = '${user.clerkId}'`);
  for (const base of instances) {
    agreementChecks++;
    const seen = [];
    let cursor = "";
    for (let page = 0; page < 100; page++) {
      const { status, json } = await call(base, "GET", `/api/projects?limit=100&cursor=${encodeURIComponent(cursor)}`, "/api/projects", { token: user.token });
      if (status !== 200) { violation(`${base}: GET /api/projects for ${user.clerkId} answered ${status} after the load`); break; }
      seen.push(...json.items.map((p) => `${p.id} ${p.name}`));
      if (!json.next_cursor) break;
      cursor = json.next_cursor;
    }
    if (seen.sort().join("\n") !== expected) violation(`${base}: the projects of ${user.clerkId} differ from the database`);
    const me = await call(base, "GET", "/api/me", "/api/me", { token: user.token });
    if (me.status !== 200 || !profile || me.json.id !== profile[0] || (me.json.email ?? "") !== profile[1])
      violation(`${base}: GET /api/me for ${user.clerkId} (${me.status}) differs from the database`);
  }
}

const total = (pattern) => Object.entries(statuses).filter(([k]) => pattern.test(k)).reduce((s, [, n]) => s + n, 0);
const summary = {
  load_seconds: Math.round(loadSeconds),
  requests,
  requests_per_second: Math.round(requests / loadSeconds),
  answers_500: total(/ 5\d\d$/) - total(/ 503$/),
  answers_503: total(/ 503$/),
  no_answer: total(/ no-answer$/),
  projects_created: created,
  projects_deleted: [...projects.values()].filter((p) => p.deleted).length,
  projects_in_database: rows.size,
  webhook_deliveries: deliveries.size,
  webhook_deliveries_acknowledged: acknowledged.length,
  agreement_checks: agreementChecks,
  violations: violations.length,
};
console.log(JSON.stringify({ summary, statuses: Object.fromEntries(Object.entries(statuses).sort()) }, null, 2));
for (const text of violations) console.log(`VIOLATION: ${text}`);
process.exit(violations.length ? 1 : 0);
