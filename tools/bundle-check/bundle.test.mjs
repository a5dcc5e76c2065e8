// The release bundle as a deployer runs it (scripts/bundle-test builds it and runs this):
// started from an empty working directory with environment variables only, in Clerk mode
// with keys from a JWKS this test serves, on the port given by PORT. Node only, no packages.
//
// Environment: BUNDLE (the bundle's folder), DATABASE_URL (a database of its own).

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const BUNDLE = process.env.BUNDLE;
const DATABASE_URL = process.env.DATABASE_URL;
if (!BUNDLE || !DATABASE_URL) {
  throw new Error('BUNDLE and DATABASE_URL must be set (scripts/bundle-test sets both)');
}

const FRONTEND_API = 'clerk.bundle-check.test';
const PUBLISHABLE_KEY = `pk_test_${Buffer.from(`${FRONTEND_API}$`).toString('base64').replace(/=+$/, '')}`;
const KID = 'bundle-check-key';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

let jwks;
let jwksUrl;
let app;
let base;

/** A port nothing listens on right now. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the bundle's binary from an empty folder with exactly `env`. */
function start(env) {
  const cwd = mkdtempSync(join(tmpdir(), 'populatte-cwd-'));
  const child = spawn(join(BUNDLE, 'populatte'), [], {
    cwd,
    env: { PATH: '/usr/bin:/bin', RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (d) => output.push(d.toString()));
  child.stderr.on('data', (d) => output.push(d.toString()));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output.join(''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

function clerkEnv(port) {
  return {
    DATABASE_URL,
    // PORT replaces the port of LEPTOS_SITE_ADDR and keeps its loopback interface.
    LEPTOS_SITE_ADDR: '127.0.0.1:3000',
    PORT: String(port),
    CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
    CLERK_JWKS_URL: jwksUrl,
    CLERK_AUTHORIZED_PARTIES: `http://127.0.0.1:${port}`,
  };
}

function mint(sub, azp) {
  const now = Math.floor(Date.now() / 1000);
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ alg: 'RS256', typ: 'JWT', kid: KID, cat: 'cl_B7d4PD111AAA' });
  const claims = part({
    sub, sid: `sess_${sub.slice(5)}`, iss: `https://${FRONTEND_API}`, azp,
    iat: now, nbf: now - 10, exp: now + 60, jti: 'bundle', v: 2, sts: 'active',
    email: `${sub.slice(5)}@example.com`, firstName: 'Bundle', lastName: 'Check',
  });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), privateKey);
  return `${header}.${claims}.${signature.toString('base64url')}`;
}

before(async () => {
  jwks = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const jwk = publicKey.export({ format: 'jwk' });
    res.end(JSON.stringify({ keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] }));
  });
  await new Promise((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${jwks.address().port}/jwks`;

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // CLERK_EMULATOR=on: a build without the emulator cannot mount it, whatever it says.
  app = start({ ...clerkEnv(port), CLERK_EMULATOR: 'on' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (app.child.exitCode !== null) {
      throw new Error(`the bundle exited with ${app.child.exitCode}:\n${app.output()}`);
    }
    const status = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`no 200 from /readyz within 60 s:\n${app.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

after(async () => {
  await app?.stop();
  await new Promise((resolve) => (jwks ? jwks.close(resolve) : resolve()));
});

test('the bundle is ready on the port PORT names', async () => {
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
});

test('the emulator is not in the bundle even when CLERK_EMULATOR=on', async () => {
  for (const path of ['/__clerk/sign-in', '/__clerk/v1/jwks', '/__clerk/_emulator/users']) {
    const response = await fetch(`${base}${path}`);
    assert.equal(response.status, 404, path);
  }
});

test('the page links hashed assets that answer 200, brotli and immutable', async () => {
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const links = [...new Set(html.match(/\/pkg\/[A-Za-z0-9._-]+/g) ?? [])];
  for (const kind of ['.js', '.wasm', '.css']) {
    assert.ok(links.some((l) => l.endsWith(kind)), `the page links a ${kind} file: ${links}`);
  }
  for (const link of links) {
    // A content hash in every name: populatte.<hash>.js, not populatte.js.
    assert.match(link, /^\/pkg\/populatte(_bg)?\.[A-Za-z0-9_-]{8,}\.(js|wasm|css)$/, link);
    const response = await fetch(`${base}${link}`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(response.status, 200, link);
    assert.equal(response.headers.get('content-encoding'), 'br', link);
    assert.match(response.headers.get('cache-control') ?? '', /immutable/, link);
    await response.arrayBuffer();
  }
});

test('a signed-in request reaches /api/me as the local user', async () => {
  const token = mint('user_bundlecheck', base);
  const response = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  const me = JSON.parse(body);
  assert.equal(me.email, 'bundlecheck@example.com', body);
  const anonymous = await fetch(`${base}/api/me`);
  assert.equal(anonymous.status, 401);
});

test('a token minted for another origin is refused (azp)', async () => {
  const token = mint('user_bundlecheck', 'https://elsewhere.example');
  const response = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 401);
});

test('the bundle is production by default: no authorized parties, no start', async () => {
  const env = clerkEnv(await freePort());
  delete env.CLERK_AUTHORIZED_PARTIES;
  const refused = start(env);
  const code = await Promise.race([
    refused.exited,
    new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000)),
  ]);
  const output = refused.output();
  await refused.stop();
  assert.equal(code, 2, output);
  assert.match(output, /CLERK_AUTHORIZED_PARTIES/);
});
