// Drives the emulator's window.Clerk in a real browser (headless Chromium) and writes what it
// saw into <pre id="result"> as JSON, for tests/emulator/browser.rs to check.
(async function () {
  const out = { errors: [] };
  const base = '/__clerk';
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const cookie = (name) => {
    const pair = document.cookie.split('; ').find((c) => c.startsWith(name + '='));
    return pair === undefined ? undefined : pair.slice(name.length + 1);
  };
  const claims = (jwt) => JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  const header = (jwt) => JSON.parse(atob(jwt.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));
  let tokenRequests = 0;
  const realFetch = window.fetch;
  window.fetch = function (url, init) {
    if (String(url).includes('/tokens')) tokenRequests += 1;
    return realFetch.call(this, url, init);
  };
  const signInAs = async (userId) => {
    const body = new URLSearchParams({ user_id: userId, redirect_url: '/' });
    await realFetch(base + '/sign-in', { method: 'POST', body, redirect: 'manual', credentials: 'include' });
  };
  const emissions = [];
  const record = (r) => emissions.push({ session: r.session && r.session.id, user: r.user && r.user.id });

  if (location.search === '?signed-out') {
    // A browser that never signed in: loads to a signed-out state and says so.
    try {
      Clerk.addListener(record);
      await Clerk.load();
      out.signedOut = {
        loaded: Clerk.loaded,
        session: Clerk.session,
        user: Clerk.user,
        isSignedIn: Clerk.isSignedIn,
        clientSessions: Clerk.client && Clerk.client.sessions.length,
        uat: cookie('__client_uat'),
        emissions: emissions.slice(),
      };
    } catch (error) {
      out.errors.push(String(error && error.stack ? error.stack : error));
    }
    const pre = document.getElementById('result');
    pre.textContent = JSON.stringify(out);
    pre.dataset.done = 'yes';
    return;
  }

  try {
    out.publishableKey = Clerk.publishableKey;
    out.loadedBefore = Clerk.loaded;
    out.sessionBeforeLoad = Clerk.session;
    Clerk.addListener(record);

    await signInAs('user_2seedAdaLovelace00000000000');
    const first = Clerk.load();
    out.loadIdempotent = first === Clerk.load();
    await first;
    out.loaded = Clerk.loaded;
    out.emissionsAfterLoad = emissions.slice();
    let late = 0;
    const unsubscribe = Clerk.addListener(() => { late += 1; });
    out.lateListenerCalledAtOnce = late;
    unsubscribe();

    const user = Clerk.user;
    out.user = {
      id: user.id,
      email: user.primaryEmailAddress.emailAddress,
      primaryEmailAddressId: user.primaryEmailAddressId,
      emailCount: user.emailAddresses.length,
      firstName: user.firstName,
      lastName: user.lastName,
      fullName: user.fullName,
      imageUrl: user.imageUrl,
    };
    out.sessionStatus = Clerk.session.status;
    out.sessionUserId = Clerk.session.user.id;

    const t1 = await Clerk.session.getToken();
    out.cookieMatchesToken = cookie('__session') === t1;
    out.clientUat = Number(cookie('__client_uat'));
    out.tokenSid = claims(t1).sid === Clerk.session.id;
    out.tokenAzp = claims(t1).azp;
    tokenRequests = 0;
    const t2 = await Clerk.session.getToken();
    out.cachedTokenReused = t1 === t2 && tokenRequests === 0;

    tokenRequests = 0;
    const forced = await Promise.all([1, 2, 3].map(() => Clerk.session.getToken({ skipCache: true })));
    out.skipCacheSharedOneRequest = tokenRequests === 1 && forced.every((t) => t === forced[0]);
    out.skipCacheGaveNewToken = forced[0] !== t1 && claims(forced[0]).jti !== claims(t1).jti;
    out.cookieFollowsNewToken = cookie('__session') === forced[0];

    tokenRequests = 0;
    const concurrent = await Promise.all([1, 2].map(() => Clerk.session.getToken({ template: 'api' })));
    out.templateShared = tokenRequests === 1 && concurrent[0] === concurrent[1];
    out.templateCat = header(concurrent[0]).cat;
    out.templateHasSid = 'sid' in claims(concurrent[0]);
    out.cookieUntouchedByTemplate = cookie('__session') === forced[0];

    // Waking from sleep: an expired token is served until skipCache replaces it.
    const expired = await Clerk.__emulator.expireToken();
    const now = Math.floor(Date.now() / 1000);
    out.expiredIsPast = claims(expired).exp <= now - 30;
    out.expiredServedFromCache = (await Clerk.session.getToken()) === expired;
    out.expiredInCookie = cookie('__session') === expired;
    const fresh = await Clerk.session.getToken({ skipCache: true });
    out.freshAfterExpired = claims(fresh).exp > now && cookie('__session') === fresh;

    // Background refresh keeps the cookie current without anyone asking.
    await Clerk.__emulator.setTokenLifetime(4);
    const short = await Clerk.session.getToken({ skipCache: true });
    tokenRequests = 0;
    await sleep(3500);
    out.backgroundRefreshed = tokenRequests >= 1 && cookie('__session') !== short;
    await Clerk.__emulator.setTokenLifetime(60);

    // Claims mode round trip through the control API.
    await Clerk.__emulator.setClaimsMode('omit');
    out.omittedEmail = 'email' in claims(await Clerk.session.getToken({ skipCache: true }));
    await Clerk.__emulator.setClaimsMode('include');
    out.includedEmail = 'email' in claims(await Clerk.session.getToken({ skipCache: true }));

    // Revoked elsewhere: the next token request finds out and signs the page out.
    emissions.length = 0;
    await Clerk.__emulator.revokeSession();
    out.tokenAfterRevoke = await Clerk.session.getToken({ skipCache: true });
    out.sessionAfterRevoke = Clerk.session;
    out.uatAfterRevoke = cookie('__client_uat');
    out.emissionsAfterRevoke = emissions.slice();

    // Sign in again (another user), reload, then sign out with a callback-less options object.
    emissions.length = 0;
    await signInAs('user_2seedGraceHopper00000000000');
    await Clerk.__emulator.reload();
    out.reloadedUser = Clerk.user && Clerk.user.id;
    out.emissionsAfterReload = emissions.slice();
    out.isSignedIn = Clerk.isSignedIn;
    emissions.length = 0;
    const signedInSession = Clerk.session;
    await Clerk.signOut();
    out.afterSignOut = {
      session: Clerk.session,
      user: Clerk.user,
      sessionCookie: cookie('__session'),
      uat: cookie('__client_uat'),
      emissions: emissions.slice(),
      staleSessionToken: await signedInSession.getToken(),
    };
    out.signInUrl = Clerk.buildSignInUrl({ redirectUrl: '/after' });
  } catch (error) {
    out.errors.push(String(error && error.stack ? error.stack : error));
  }
  const pre = document.getElementById('result');
  pre.textContent = JSON.stringify(out);
  pre.dataset.done = 'yes';
})();
