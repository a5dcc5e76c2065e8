// Clerk's own Node SDK, unchanged, against the emulator's Backend API. Run by
// tests/emulator/node_sdk.rs, which starts an emulator and passes CLERK_API_URL (the
// emulator's base, e.g. http://127.0.0.1:PORT/__clerk), CLERK_SECRET_KEY and CLERK_JWT_KEY.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { createClerkClient, verifyToken } from '@clerk/backend';

const apiUrl = required('CLERK_API_URL');
const secretKey = required('CLERK_SECRET_KEY');
const jwtKey = required('CLERK_JWT_KEY');
const clerk = createClerkClient({ secretKey, apiUrl });

function required(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (run this through cargo test -p clerk-emulator)`);
  return value;
}

/** The Clerk API error a failed SDK call throws: its HTTP status and first error. */
async function apiError(call) {
  try {
    await call();
  } catch (error) {
    assert.ok(Array.isArray(error.errors), `not a Clerk API error: ${error}`);
    return { status: error.status, ...error.errors[0] };
  }
  assert.fail('the call succeeded');
}

/** A session for the user, started through the emulator's control API (not the SDK). */
async function startSession(userId) {
  const response = await fetch(`${apiUrl}/_emulator/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).session_id;
}

const newEmail = () => `node-${randomUUID()}@example.com`;

test('a user created with a password is got, listed, updated and deleted', async () => {
  const email = newEmail();
  const user = await clerk.users.createUser({
    emailAddress: [email],
    password: 'katherine-1918',
    firstName: 'Katherine',
    lastName: 'Johnson',
  });
  assert.match(user.id, /^user_2/);
  assert.equal(user.passwordEnabled, true);
  assert.equal(user.primaryEmailAddress?.emailAddress, email);
  assert.equal(user.fullName, 'Katherine Johnson');

  const got = await clerk.users.getUser(user.id);
  assert.equal(got.id, user.id);
  assert.equal(got.emailAddresses[0].verification?.status, 'verified');

  const list = await clerk.users.getUserList({ emailAddress: [email.toUpperCase()], limit: 5 });
  assert.equal(list.totalCount, 1);
  assert.deepEqual(
    list.data.map((u) => u.id),
    [user.id],
  );

  const verified = await clerk.users.verifyPassword({ userId: user.id, password: 'katherine-1918' });
  assert.equal(verified.verified, true);

  const renamed = await clerk.users.updateUser(user.id, { firstName: 'Kate' });
  assert.equal(renamed.firstName, 'Kate');
  assert.ok(renamed.updatedAt > user.updatedAt);

  const deleted = await clerk.users.deleteUser(user.id);
  assert.equal(deleted.id, user.id);
  assert.equal(deleted.deleted, true);
  const gone = await apiError(() => clerk.users.getUser(user.id));
  assert.equal(gone.status, 404);
  assert.equal(gone.code, 'resource_not_found');
});

test('duplicate emails and bad passwords get Clerk error codes', async () => {
  const taken = await apiError(() =>
    clerk.users.createUser({ emailAddress: ['ada@example.com'], password: 'another-one-1' }),
  );
  assert.equal(taken.status, 422);
  assert.equal(taken.code, 'form_identifier_exists');
  assert.equal(taken.meta?.paramName, 'email_address');

  const short = await apiError(() => clerk.users.createUser({ emailAddress: [newEmail()], password: 'short' }));
  assert.equal(short.status, 422);
  assert.equal(short.code, 'form_password_length_too_short');
  assert.equal(short.meta?.paramName, 'password');

  const wrong = await apiError(() =>
    clerk.users.verifyPassword({ userId: 'user_2seedAdaLovelace00000000000', password: 'not-her-password' }),
  );
  assert.equal(wrong.code, 'form_password_incorrect');
});

test('a sign-in token is minted for a user and can be revoked', async () => {
  const user = await clerk.users.createUser({ emailAddress: [newEmail()], password: 'ticket-holder-1' });
  const token = await clerk.signInTokens.createSignInToken({ userId: user.id, expiresInSeconds: 600 });
  assert.match(token.id, /^sit_/);
  assert.equal(token.userId, user.id);
  assert.equal(token.status, 'pending');
  assert.ok(token.token.length >= 32);
  assert.equal(token.url, `${apiUrl}/sign-in?__clerk_ticket=${token.token}`);

  const revoked = await clerk.signInTokens.revokeSignInToken(token.id);
  assert.equal(revoked.status, 'revoked');
  const again = await apiError(() => clerk.signInTokens.revokeSignInToken(token.id));
  assert.equal(again.status, 400);

  const unknown = await apiError(() => clerk.signInTokens.createSignInToken({ userId: 'user_nobody', expiresInSeconds: 60 }));
  assert.equal(unknown.status, 404);
  await clerk.users.deleteUser(user.id);
});

test('an emulator session token verifies with jwtKey and with secretKey + apiUrl, until revoked', async () => {
  const user = await clerk.users.createUser({ emailAddress: [newEmail()], password: 'session-owner-1' });
  const sessionId = await startSession(user.id);

  const session = await clerk.sessions.getSession(sessionId);
  assert.equal(session.userId, user.id);
  assert.equal(session.status, 'active');
  const sessions = await clerk.sessions.getSessionList({ userId: user.id });
  assert.equal(sessions.totalCount, 1);
  assert.equal(sessions.data[0].id, sessionId);

  const { jwt } = await clerk.sessions.getToken(sessionId);
  const networkless = await verifyToken(jwt, { jwtKey });
  assert.equal(networkless.sub, user.id);
  assert.equal(networkless.sid, sessionId);
  // Fetches {apiUrl}/v1/jwks with the secret key.
  const fetched = await verifyToken(jwt, { secretKey, apiUrl });
  assert.equal(fetched.sub, user.id);

  const tampered = `${jwt.slice(0, -4)}${jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  await assert.rejects(verifyToken(tampered, { jwtKey }));

  const revoked = await clerk.sessions.revokeSession(sessionId);
  assert.equal(revoked.status, 'revoked');
  const noToken = await apiError(() => clerk.sessions.getToken(sessionId));
  assert.equal(noToken.status, 401);
  await clerk.users.deleteUser(user.id);
});

test('a wrong secret key is refused with authentication_invalid', async () => {
  const stranger = createClerkClient({ secretKey: 'sk_test_not-the-emulators-key', apiUrl });
  const refused = await apiError(() => stranger.users.getUserList());
  assert.equal(refused.status, 401);
  assert.equal(refused.code, 'authentication_invalid');
});
