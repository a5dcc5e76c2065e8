// The emulator's sign-in page, driving the real clerk-js that the page loads: continue as a
// listed person (a sign-in token, Clerk's `ticket` strategy), sign in with email and
// password, or create an account. Errors are Clerk's own, shown beside their field.
"use strict";

(function () {
  const main = document.querySelector("main");
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");
  const base = main.dataset.base;
  const allowedOrigins = JSON.parse(main.dataset.allowedOrigins || "[]");

  // clerk-js puts its redirect props in the hash (`#/?sign_in_force_redirect_url=…`); links
  // may use the query. Only this origin and the allowed ones are followed.
  function target() {
    const hash = new URLSearchParams(location.hash.replace(/^#\/?\??/, ""));
    const query = new URLSearchParams(location.search);
    const names = [
      "sign_in_force_redirect_url",
      "sign_up_force_redirect_url",
      "sign_in_fallback_redirect_url",
      "sign_up_fallback_redirect_url",
      "redirect_url",
    ];
    for (const params of [hash, query]) {
      for (const name of names) {
        const raw = params.get(name);
        if (!raw) continue;
        try {
          const url = new URL(raw, location.href);
          if (url.origin === location.origin || allowedOrigins.includes(url.origin)) return url.href;
        } catch (_) {
          // Not a URL: ignored, like an unknown origin.
        }
      }
    }
    return main.dataset.home;
  }

  function say(text) {
    status.textContent = text;
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  function clearErrors(form) {
    for (const input of form.querySelectorAll("input")) {
      input.removeAttribute("aria-invalid");
      const error = document.getElementById(`${input.id}-error`);
      if (error) error.textContent = "";
    }
  }

  // Clerk's error: beside the field it names (`meta.paramName`), else in the notice.
  function showError(form, error) {
    const first = (error && error.errors && error.errors[0]) || null;
    const message = first ? first.longMessage || first.message : (error && error.message) || "Something went wrong.";
    const field = first && first.meta && first.meta.paramName;
    const input = form && field ? form.querySelector(`[name="${field}"]`) : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      const slot = document.getElementById(`${input.id}-error`);
      if (slot) slot.textContent = message;
      input.focus();
      showProblem("");
    } else {
      showProblem(message);
    }
    say("Not signed in yet.");
  }

  function busy(form, on) {
    for (const element of document.querySelectorAll("button")) element.disabled = on;
    if (form) form.setAttribute("aria-busy", String(on));
  }

  async function clerk() {
    for (let i = 0; i < 200 && !window.Clerk; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!window.Clerk) throw new Error("clerk-js did not load.");
    await window.Clerk.load();
    return window.Clerk;
  }

  async function finish(Clerk, sessionId) {
    say("Signed in. Taking you back…");
    await Clerk.setActive({ session: sessionId, redirectUrl: target() });
  }

  async function run(form, action) {
    showProblem("");
    if (form) clearErrors(form);
    busy(form, true);
    try {
      const Clerk = await clerk();
      await action(Clerk);
    } catch (error) {
      showError(form, error);
    } finally {
      busy(form, false);
    }
  }

  for (const button of document.querySelectorAll("button[data-user-id]")) {
    button.addEventListener("click", () =>
      run(null, async (Clerk) => {
        say(`Signing in as ${button.dataset.name}…`);
        const answer = await fetch(`${base}/sign-in/ticket`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user_id: button.dataset.userId }),
        });
        const body = await answer.json();
        if (!answer.ok) throw { errors: (body.errors || []).map((e) => ({ ...e, longMessage: e.long_message })) };
        const signIn = await Clerk.client.signIn.create({ strategy: "ticket", ticket: body.ticket });
        await finish(Clerk, signIn.createdSessionId);
      }),
    );
  }

  const passwordForm = document.getElementById("password-form");
  passwordForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(passwordForm);
    run(passwordForm, async (Clerk) => {
      say("Signing in…");
      const signIn = await Clerk.client.signIn.create({
        strategy: "password",
        identifier: String(data.get("identifier") || ""),
        password: String(data.get("password") || ""),
      });
      if (signIn.status !== "complete") throw new Error(`Sign-in is ${signIn.status}.`);
      await finish(Clerk, signIn.createdSessionId);
    });
  });

  const signUpForm = document.getElementById("sign-up-form");
  signUpForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(signUpForm);
    run(signUpForm, async (Clerk) => {
      say("Creating your account…");
      const signUp = await Clerk.client.signUp.create({
        emailAddress: String(data.get("email_address") || ""),
        password: String(data.get("password") || ""),
        firstName: String(data.get("first_name") || "") || undefined,
        lastName: String(data.get("last_name") || "") || undefined,
      });
      if (signUp.status !== "complete") {
        const missing = (signUp.missingFields || []).join(", ");
        throw new Error(`Still needed: ${missing || signUp.status}.`);
      }
      await finish(Clerk, signUp.createdSessionId);
    });
  });

  clerk().then(
    (Clerk) => {
      if (Clerk.user) {
        say(`Signed in as ${Clerk.user.fullName || Clerk.user.primaryEmailAddress?.emailAddress}. Choose someone to switch.`);
      } else {
        say("Choose how to sign in.");
      }
      main.dataset.ready = "true";
    },
    (error) => showError(null, error),
  );
})();
