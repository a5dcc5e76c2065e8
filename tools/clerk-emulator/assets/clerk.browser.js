/*
 * Clerk emulator: an offline stand-in for clerk-js's browser bundle, for development and
 * tests only. It is NOT clerk-js. It offers the subset of clerk-js's `window.Clerk` API that
 * apps use, under the same names, signatures and semantics (see docs/clerk-js-surface.md),
 * and talks to the emulator it was served from. Emulator-only helpers live under
 * `window.Clerk.__emulator`.
 */
(function () {
  'use strict';

  if (window.Clerk && window.Clerk.__emulator) {
    return; // Loaded twice: keep the first instance and its state.
  }

  var SCRIPT_PATH = /\/npm\/@clerk\/clerk-js@[^/]+\/dist\/clerk\.browser\.js(?:[?#].*)?$/;
  var YEAR_SECONDS = 365 * 24 * 3600;
  var EMPTY_CLIENT = { id: null, last_active_session_id: null, created_at: null, updated_at: null };

  var script = document.currentScript;
  var src = script && script.src ? script.src : '';
  // The emulator is found through this script's own URL, not the publishable key's host:
  // that way the same page works mounted in the app or against a standalone emulator.
  var base = src.replace(SCRIPT_PATH, '');
  if (!src || base === src) {
    console.error('[clerk-emulator] cannot tell where the emulator is: load this script from its emulator URL.');
  }
  var publishableKey = (script && script.getAttribute('data-clerk-publishable-key')) || null;

  var state = { client: null, session: null, user: null, fingerprint: null };
  var listeners = new Set();
  // Per session and template: { token, validUntil (local ms), lifetimeMs, pinned, pending, forced }.
  var tokens = new Map();
  var refreshTimer = null;
  var leewaySeconds = 15;
  var loadPromise = null;

  // ---- HTTP ----

  function fapi(method, path, body) {
    var init = {
      method: method,
      credentials: 'include',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (_) {
          json = null;
        }
        return { status: response.status, ok: response.ok, body: json };
      });
    });
  }

  function control(method, path, body) {
    return fapi(method, '/_emulator' + path, body).then(function (res) {
      if (!res.ok) {
        var detail = res.body && res.body.errors && res.body.errors[0];
        throw new Error('[clerk-emulator] ' + method + ' /_emulator' + path + ' failed: ' +
          (detail ? detail.long_message : 'HTTP ' + res.status));
      }
      return res.body;
    });
  }

  // ---- cookies on the app's origin, kept current like clerk-js keeps them ----

  function setCookie(name, value, maxAge) {
    var cookie = name + '=' + value + '; Path=/; SameSite=Lax; Max-Age=' + maxAge;
    if (location.protocol === 'https:') {
      cookie += '; Secure';
    }
    document.cookie = cookie;
  }

  function setSessionCookie(jwt) {
    setCookie('__session', jwt, YEAR_SECONDS);
  }

  function setSignedOutCookies() {
    setCookie('__session', '', 0);
    setCookie('__client_uat', '0', YEAR_SECONDS);
  }

  // ---- resources, in clerk-js's shapes ----

  function decodeClaims(jwt) {
    var part = jwt.split('.')[1] || '';
    var b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    b64 += '==='.slice((b64.length + 3) % 4);
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  function toDate(ms) {
    return typeof ms === 'number' ? new Date(ms) : null;
  }

  function toUser(raw) {
    if (!raw) {
      return null;
    }
    var emailAddresses = (raw.email_addresses || []).map(function (e) {
      return {
        id: e.id,
        emailAddress: e.email_address,
        verification: { status: e.verification ? e.verification.status : null },
        linkedTo: [],
        toString: function () { return e.email_address; },
      };
    });
    var primary = emailAddresses.find(function (e) { return e.id === raw.primary_email_address_id; }) || null;
    var fullName = [raw.first_name, raw.last_name].filter(Boolean).join(' ') || null;
    return {
      id: raw.id,
      externalId: raw.external_id || null,
      username: raw.username || null,
      firstName: raw.first_name,
      lastName: raw.last_name,
      fullName: fullName,
      imageUrl: raw.image_url,
      hasImage: !!raw.has_image,
      primaryEmailAddressId: raw.primary_email_address_id,
      primaryEmailAddress: primary,
      emailAddresses: emailAddresses,
      primaryPhoneNumberId: null,
      primaryPhoneNumber: null,
      phoneNumbers: [],
      publicMetadata: raw.public_metadata || {},
      unsafeMetadata: raw.unsafe_metadata || {},
      createdAt: toDate(raw.created_at),
      updatedAt: toDate(raw.updated_at),
      reload: function () {
        return refreshClient().then(function () { return state.user; });
      },
    };
  }

  function toSession(raw) {
    var user = toUser(raw.user);
    var session = {
      id: raw.id,
      status: raw.status,
      user: user,
      lastActiveAt: toDate(raw.last_active_at),
      createdAt: toDate(raw.created_at),
      updatedAt: toDate(raw.updated_at),
      publicUserData: user && {
        firstName: user.firstName,
        lastName: user.lastName,
        imageUrl: user.imageUrl,
        hasImage: user.hasImage,
        identifier: user.primaryEmailAddress ? user.primaryEmailAddress.emailAddress : '',
        userId: user.id,
      },
      getToken: function (options) {
        return getToken(raw.id, options);
      },
      remove: function () {
        return clerk.signOut({ sessionId: raw.id }).then(function () { return session; });
      },
      end: function () {
        return session.remove();
      },
      clearCache: function () {
        clearTokens(raw.id);
      },
    };
    return session;
  }

  function toClient(raw, sessions) {
    return {
      id: raw.id,
      sessions: sessions,
      activeSessions: sessions.filter(function (s) { return s.status === 'active'; }),
      lastActiveSessionId: raw.last_active_session_id,
      signedInSessions: sessions,
      createdAt: toDate(raw.created_at),
      updatedAt: toDate(raw.updated_at),
    };
  }

  // ---- state changes ----

  function emit() {
    var resources = { client: state.client, session: state.session, user: state.user, organization: null };
    listeners.forEach(function (listener) {
      try {
        listener(resources);
      } catch (error) {
        console.error('[clerk-emulator] a Clerk listener threw', error);
      }
    });
  }

  // What listeners care about: who is signed in, in which session, with which user data.
  function fingerprint(raw) {
    var session = raw && (raw.sessions || []).find(function (s) { return s.id === raw.last_active_session_id; });
    return JSON.stringify(session ? [session.id, session.status, session.user] : null);
  }

  // Applies a Frontend API client; tells the caller whether listeners should hear of it.
  function applyClient(raw) {
    var print = fingerprint(raw);
    if (print === state.fingerprint) {
      return false;
    }
    var previousSessionId = state.session ? state.session.id : null;
    state.fingerprint = print;
    if (!raw) {
      // clerk-js always has a client once loaded (a browser that never signed in included).
      state.client = toClient(EMPTY_CLIENT, []);
      state.session = null;
      state.user = null;
    } else {
      var sessions = (raw.sessions || []).map(toSession);
      state.client = toClient(raw, sessions);
      state.session = sessions.find(function (s) { return s.id === raw.last_active_session_id; }) || null;
      state.user = state.session ? state.session.user : null;
    }
    var sessionId = state.session ? state.session.id : null;
    if (previousSessionId && previousSessionId !== sessionId) {
      clearTokens(previousSessionId);
    }
    if (state.session) {
      setCookie('__client_uat', String(Math.floor(raw.updated_at / 1000)), YEAR_SECONDS);
    } else {
      setSignedOutCookies();
    }
    return true;
  }

  function refreshClient() {
    return fapi('GET', '/v1/client').then(function (res) {
      if (!res.ok) {
        throw new Error('[clerk-emulator] GET /v1/client failed with HTTP ' + res.status);
      }
      var changed = applyClient(res.body ? res.body.response : null);
      if (changed && clerk.loaded) {
        emit();
      }
      return changed;
    });
  }

  function becomeSignedOut() {
    clearTokens();
    state.client = toClient(
      state.client
        ? { id: state.client.id, last_active_session_id: null, created_at: +state.client.createdAt, updated_at: Date.now() }
        : EMPTY_CLIENT,
      []
    );
    state.session = null;
    state.user = null;
    state.fingerprint = fingerprint(null);
    setSignedOutCookies();
    emit();
  }

  // ---- tokens ----

  function cacheKey(sessionId, template) {
    return sessionId + '|' + (template || '');
  }

  function clearTokens(sessionId) {
    tokens.forEach(function (_, key) {
      if (!sessionId || key.indexOf(sessionId + '|') === 0) {
        tokens.delete(key);
      }
    });
    if (!sessionId || (state.session && state.session.id === sessionId)) {
      clearTimeout(refreshTimer);
      refreshTimer = null;
    }
  }

  // Never more than half the token's life, so short test lifetimes still cache a while.
  function leewayMs(lifetimeMs, seconds) {
    var leeway = typeof seconds === 'number' && seconds >= 0 ? seconds : leewaySeconds;
    return Math.min(leeway * 1000, lifetimeMs / 2);
  }

  function isFresh(entry, seconds) {
    return !!entry.token && (entry.pinned || entry.validUntil - leewayMs(entry.lifetimeMs, seconds) > Date.now());
  }

  function getToken(sessionId, options) {
    options = options || {};
    if (!state.session || state.session.id !== sessionId) {
      return Promise.resolve(null);
    }
    var key = cacheKey(sessionId, options.template);
    var entry = tokens.get(key);
    if (entry && !options.skipCache) {
      // `leewayInSeconds` is clerk-js 5's name (@clerk/types 4) for this per-call setting.
      if (isFresh(entry, options.leewayInSeconds)) {
        return Promise.resolve(entry.token);
      }
      if (entry.pending) {
        return entry.pending;
      }
    }
    // Concurrent forced refreshes (e.g. several requests that all got a 401) share one.
    if (entry && options.skipCache && entry.pending && entry.forced) {
      return entry.pending;
    }
    return fetchToken(sessionId, options.template, key, !!options.skipCache);
  }

  function fetchToken(sessionId, template, key, forced) {
    var path = '/v1/client/sessions/' + encodeURIComponent(sessionId) + '/tokens' +
      (template ? '/' + encodeURIComponent(template) : '');
    var pending = fapi('POST', path).then(function (res) {
      if (res.status === 401 || res.status === 404) {
        // The session ended elsewhere: revoked, signed out in another tab, user deleted.
        if (state.session && state.session.id === sessionId) {
          becomeSignedOut();
        }
        return null;
      }
      if (!res.ok || !res.body || typeof res.body.jwt !== 'string') {
        throw new Error('[clerk-emulator] token request failed with HTTP ' + res.status);
      }
      var jwt = res.body.jwt;
      var claims = decodeClaims(jwt);
      // Validity is measured on this machine's clock from the token's own lifetime, so an
      // emulator clock offset does not make every cached token look stale or fresh.
      var lifetimeMs = Math.max(0, (claims.exp - claims.iat) * 1000);
      var current = tokens.get(key);
      if (current && current.pending === pending) {
        tokens.set(key, {
          token: jwt,
          validUntil: Date.now() + lifetimeMs,
          lifetimeMs: lifetimeMs,
          pinned: false,
          pending: null,
          forced: false,
        });
        if (!template && state.session && state.session.id === sessionId) {
          setSessionCookie(jwt);
          scheduleRefresh(sessionId, lifetimeMs);
        }
      }
      return jwt;
    });
    var previous = tokens.get(key) || { token: null, validUntil: 0, lifetimeMs: 0, pinned: false };
    tokens.set(key, Object.assign({}, previous, { pending: pending, forced: forced }));
    pending.then(null, function () {
      var current = tokens.get(key);
      if (current && current.pending === pending) {
        current.pending = null;
        current.forced = false;
      }
    });
    return pending;
  }

  // Like clerk-js: refresh the default token shortly before it expires, so the `__session`
  // cookie is current whenever the browser next loads a page.
  function scheduleRefresh(sessionId, lifetimeMs) {
    clearTimeout(refreshTimer);
    var delay = Math.max(1000, lifetimeMs - leewayMs(lifetimeMs));
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      if (!state.session || state.session.id !== sessionId) {
        return;
      }
      getToken(sessionId, { skipCache: true })
        .then(function () { return refreshClient(); })
        .catch(function (error) {
          console.warn('[clerk-emulator] background token refresh failed; retrying in 5 s', error);
          if (!refreshTimer && state.session && state.session.id === sessionId) {
            refreshTimer = setTimeout(function () {
              refreshTimer = null;
              getToken(sessionId, { skipCache: true }).catch(function () {});
            }, 5000);
          }
        });
    }, delay);
  }

  // Throttled timers in hidden tabs may miss the refresh: catch up when the tab returns.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible' || !clerk.loaded) {
      return;
    }
    refreshClient()
      .then(function () {
        var session = state.session;
        var entry = session && tokens.get(cacheKey(session.id));
        if (session && entry && !isFresh(entry) && !entry.pending) {
          return getToken(session.id);
        }
        return null;
      })
      .catch(function () {});
  });

  // ---- navigation ----

  function absolute(url) {
    return new URL(url, location.href).href;
  }

  function buildSignInUrl(redirectUrl) {
    return base + '/sign-in?redirect_url=' + encodeURIComponent(absolute(redirectUrl || location.href));
  }

  // ---- window.Clerk ----

  var clerk = {
    version: 'clerk-emulator',
    instanceType: 'development',
    publishableKey: publishableKey,
    loaded: false,
    status: 'loading',
    get client() { return state.client; },
    get session() { return state.session; },
    get user() { return state.user; },
    get isSignedIn() { return !!state.session; },

    load: function (options) {
      if (!loadPromise) {
        void options; // clerk-js's options (appearance, routing, …) have no effect here.
        loadPromise = refreshClient()
          .then(function () {
            return state.session ? getToken(state.session.id) : null;
          })
          .then(function () {
            clerk.loaded = true;
            clerk.status = 'ready';
            emit();
          }, function (error) {
            clerk.status = 'error';
            throw error;
          });
      }
      return loadPromise;
    },

    addListener: function (callback, options) {
      listeners.add(callback);
      if (clerk.loaded && !(options && options.skipInitialEmit)) {
        callback({ client: state.client, session: state.session, user: state.user, organization: null });
      }
      return function () {
        listeners.delete(callback);
      };
    },

    buildSignInUrl: function (options) {
      options = options || {};
      return buildSignInUrl(options.signInForceRedirectUrl || options.forceRedirectUrl ||
        options.signInFallbackRedirectUrl || options.fallbackRedirectUrl || options.redirectUrl);
    },

    openSignIn: function (props) {
      props = props || {};
      window.location.assign(buildSignInUrl(props.forceRedirectUrl || props.fallbackRedirectUrl ||
        props.redirectUrl || props.afterSignInUrl));
    },

    redirectToSignIn: function (options) {
      window.location.assign(clerk.buildSignInUrl(options));
      return Promise.resolve();
    },

    signOut: function (callbackOrOptions, maybeOptions) {
      var callback = typeof callbackOrOptions === 'function' ? callbackOrOptions : null;
      var options = (callback ? maybeOptions : callbackOrOptions) || {};
      var sessionId = options.sessionId || (state.session ? state.session.id : null);
      var ending = sessionId
        ? fapi('POST', '/v1/client/sessions/' + encodeURIComponent(sessionId) + '/remove').catch(function (error) {
          console.warn('[clerk-emulator] sign-out request failed; signing out locally', error);
        })
        : Promise.resolve();
      return ending
        .then(function () {
          if (!state.session || state.session.id === sessionId) {
            becomeSignedOut();
          } else {
            clearTokens(sessionId);
          }
          return callback ? callback() : null;
        })
        .then(function () {
          if (options.redirectUrl) {
            window.location.assign(options.redirectUrl);
          }
        });
    },

    __emulator: {
      baseUrl: base,
      controlUrl: base + '/_emulator',

      /** Send any control API request: `control('GET', '/users')`. */
      control: control,

      /** Fetch the client again and tell listeners if anything changed (e.g. the user). */
      reload: function () {
        return refreshClient().then(function () { return undefined; });
      },

      /**
       * Replace the cached default token and the `__session` cookie with an already expired
       * token for the current session, with no background refresh: like a laptop waking
       * from sleep. The next getToken() returns it; getToken({ skipCache: true }) replaces it.
       */
      expireToken: function () {
        var session = state.session;
        if (!session) {
          return Promise.reject(new Error('[clerk-emulator] expireToken: signed out'));
        }
        return control('POST', '/sessions/' + encodeURIComponent(session.id) + '/expired-token').then(function (res) {
          clearTimeout(refreshTimer);
          refreshTimer = null;
          tokens.set(cacheKey(session.id), {
            token: res.jwt,
            validUntil: 0,
            lifetimeMs: 0,
            pinned: true,
            pending: null,
            forced: false,
          });
          setSessionCookie(res.jwt);
          return res.jwt;
        });
      },

      /** Revoke the current session on the emulator; this page learns of it on its next token request. */
      revokeSession: function () {
        var session = state.session;
        if (!session) {
          return Promise.reject(new Error('[clerk-emulator] revokeSession: signed out'));
        }
        return control('POST', '/sessions/' + encodeURIComponent(session.id) + '/revoke');
      },

      /** `'omit'` (or true) leaves email and names out of new session tokens; `'include'` (or false) puts them back. */
      setClaimsMode: function (mode) {
        var omit = mode === true || mode === 'omit';
        if (!omit && mode !== false && mode !== 'include') {
          return Promise.reject(new Error("[clerk-emulator] setClaimsMode: use 'omit' or 'include'"));
        }
        return control('PATCH', '/settings', { omit_custom_claims: omit });
      },

      setTokenLifetime: function (seconds) {
        return control('PATCH', '/settings', { token_lifetime_secs: seconds });
      },

      /** Shift the emulator's clock for new tokens (seconds, may be negative). */
      setClockOffset: function (seconds) {
        return control('PATCH', '/settings', { clock_offset_secs: seconds });
      },

      /** Tokens are served from cache until this many seconds (default 15) before they expire. */
      setTokenLeeway: function (seconds) {
        if (typeof seconds !== 'number' || !(seconds >= 0)) {
          throw new TypeError('[clerk-emulator] setTokenLeeway: seconds must be a number >= 0');
        }
        leewaySeconds = seconds;
      },
    },
  };

  window.Clerk = clerk;
})();
