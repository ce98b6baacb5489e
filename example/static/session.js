// session.js keeps the session badge in the top bar current, the way Better
// Auth's useSession does:
//
//   - it reads GET /api/auth/get-session (JSON null, or {session, user}) when
//     the page loads, when the window regains focus or becomes visible (at
//     most once every 5 s), when the browser comes back online, and every
//     minute while the page is visible;
//   - tabs tell each other of a sign-out through the localStorage key
//     "better-auth.message" and the storage event, and the others refetch
//     at once.
//
// A page rendered for a signed-in user that finds the session gone goes to
// the sign-in page. Nothing here is needed for the app to work: it is a
// plain form app without JavaScript.
(function () {
  "use strict";

  var ENDPOINT = "/api/auth/get-session";
  var MESSAGE_KEY = "better-auth.message";
  var COOLDOWN_MS = 5000;
  var INTERVAL_MS = 60000;

  var body = document.body;
  var badge = document.getElementById("session-badge");
  var signedIn = body.dataset.signedIn === "true";
  var clientId = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var lastFetch = 0;
  var inflight = null;
  var leaving = false;

  function show(state, text, title) {
    if (!badge) {
      return;
    }
    badge.dataset.state = state;
    badge.dataset.checked = String(Date.now());
    badge.textContent = text;
    badge.title = title;
  }

  function until(date) {
    var mins = Math.round((date.getTime() - Date.now()) / 60000);
    if (mins < 1) {
      return "in less than a minute";
    }
    if (mins < 60) {
      return "in " + mins + (mins === 1 ? " minute" : " minutes");
    }
    var hours = Math.round(mins / 60);
    if (hours < 48) {
      return "in " + hours + (hours === 1 ? " hour" : " hours");
    }
    return "in " + Math.round(hours / 24) + " days";
  }

  function apply(data, trigger) {
    var checked = "checked at " + new Date().toLocaleTimeString();
    if (data && data.session && data.user) {
      var expires = new Date(data.session.expiresAt);
      show("active", "Signed in", data.user.email + " · expires " + until(expires) + " · " + checked);
      return;
    }
    show("none", "Signed out", checked);
    if (signedIn && !leaving) {
      leaving = true;
      var back = encodeURIComponent(location.pathname + location.search);
      location.assign(trigger === "signout" ? "/sign-in" : "/sign-in?expired=1&returnTo=" + back);
    }
  }

  // refetch asks the server for the session. Without force it does nothing
  // within COOLDOWN_MS of the previous request. With force it always asks,
  // after the request in flight if there is one, since that one may have
  // started before what the caller has just learnt of.
  function refetch(trigger, force) {
    if (inflight) {
      return force ? inflight.then(function () { return refetch(trigger, true); }) : inflight;
    }
    if (!force && Date.now() - lastFetch < COOLDOWN_MS) {
      return Promise.resolve();
    }
    lastFetch = Date.now();
    inflight = fetch(ENDPOINT, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    }).then(function (res) {
      if (!res.ok) {
        throw new Error("get-session answered " + res.status);
      }
      return res.json();
    }).then(function (data) {
      apply(data, trigger);
    }, function () {
      // Offline, or the server is restarting: say so, try again later.
      show("unknown", "Can't reach server", "The session could not be checked; retrying soon.");
    }).finally(function () {
      inflight = null;
    });
    return inflight;
  }

  // broadcast tells the other tabs of this origin, in Better Auth's message
  // format; the timestamp makes every message a change, so it always fires.
  function broadcast(trigger) {
    try {
      localStorage.setItem(MESSAGE_KEY, JSON.stringify({
        event: "session",
        data: { trigger: trigger },
        clientId: clientId,
        timestamp: Date.now()
      }));
    } catch (e) {
      // Storage is off (private mode, policy): the other tabs notice at
      // their next refetch instead.
    }
  }

  window.addEventListener("storage", function (e) {
    if (e.key !== MESSAGE_KEY || !e.newValue) {
      return;
    }
    var msg;
    try {
      msg = JSON.parse(e.newValue);
    } catch (err) {
      return;
    }
    if (!msg || msg.event !== "session" || msg.clientId === clientId) {
      return;
    }
    refetch(msg.data && msg.data.trigger, true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      refetch("visibilitychange", false);
    }
  });
  window.addEventListener("focus", function () { refetch("focus", false); });
  window.addEventListener("online", function () { refetch("online", true); });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      refetch("pageshow", true); // back from the back-forward cache
    }
  });
  setInterval(function () {
    if (document.visibilityState === "visible") {
      refetch("interval", false);
    }
  }, INTERVAL_MS);

  if (body.dataset.broadcast) {
    broadcast(body.dataset.broadcast);
  }
  refetch("load", true);
})();
