// bearer-client.mjs drives a sessionkit server with Better Auth's own
// client (createAuthClient from better-auth/client) set up for bearer
// tokens, as a mobile app or a CLI is: no cookies; the token
// comes from the set-auth-token header and goes back through
// fetchOptions.auth. Usage: node bearer-client.mjs <baseURL>
// Prints one line per step; exits non-zero at the first failure.
import { createAuthClient } from "better-auth/client";
import assert from "node:assert/strict";
import { step } from "./harness.mjs";

const baseURL = process.argv[2];
if (!baseURL) throw new Error("usage: node bearer-client.mjs <baseURL>");

// device returns a Better Auth client that keeps its bearer token and
// never a cookie.
function device(name) {
  const state = { token: "" };
  const plainFetch = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    assert.equal(headers.get("cookie"), null, "a bearer client sends no cookie");
    headers.set("user-agent", `sessionkit-interop/${name}`);
    // Node's fetch sends Sec-Fetch-Mode, with which sign-in and sign-up
    // need an Origin (Better Auth's formCsrfMiddleware, as sessionkit's).
    headers.set("origin", new URL(baseURL).origin);
    return fetch(input, { ...init, headers });
  };
  const client = createAuthClient({
    baseURL,
    fetchOptions: {
      customFetchImpl: plainFetch,
      onSuccess: (ctx) => {
        const t = ctx.response.headers.get("set-auth-token");
        if (t) state.token = t;
      },
      auth: { type: "Bearer", token: () => state.token },
    },
  });
  return { client, state };
}

const signed = /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/;
const email = `ada-${Date.now()}@example.com`;
const password = "correct horse battery staple";
const phone = device("phone");
const cli = device("cli");

await step("sign up hands the phone its token", async () => {
  const { data, error } = await phone.client.signUp.email({ name: "Ada", email, password });
  assert.equal(error, null, JSON.stringify(error));
  assert.match(phone.state.token, signed);
  assert.ok(phone.state.token.startsWith(data.token + "."), "set-auth-token is the signed body token");
});

await step("get-session with the bearer token", async () => {
  const { data, error } = await phone.client.getSession();
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.user.email, email);
  assert.ok(phone.state.token.startsWith(data.session.token + "."));
});

await step("sign in on a second client", async () => {
  const { error } = await cli.client.signIn.email({ email, password });
  assert.equal(error, null, JSON.stringify(error));
  assert.match(cli.state.token, signed);
  assert.notEqual(cli.state.token, phone.state.token);
});

await step("list sessions", async () => {
  const { data, error } = await cli.client.listSessions();
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.length, 2);
});

await step("update the user", async () => {
  const { error } = await phone.client.updateUser({ name: "Ada King" });
  assert.equal(error, null, JSON.stringify(error));
  const { data } = await cli.client.getSession();
  assert.equal(data.user.name, "Ada King");
});

await step("revoke the other sessions", async () => {
  const { error } = await cli.client.revokeOtherSessions();
  assert.equal(error, null, JSON.stringify(error));
  const { data } = await phone.client.getSession();
  assert.equal(data, null);
});

await step("sign out", async () => {
  const { error } = await cli.client.signOut();
  assert.equal(error, null, JSON.stringify(error));
  const { data } = await cli.client.getSession();
  assert.equal(data, null);
});

await step("a made-up token is no session", async () => {
  cli.state.token = "x".repeat(32) + "." + "A".repeat(43) + "=";
  const { data } = await cli.client.getSession();
  assert.equal(data, null);
});
