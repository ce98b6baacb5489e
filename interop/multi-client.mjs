// multi-client.mjs drives a sessionkit server that has the multisession
// plugin with Better Auth's own client and its multiSessionClient plugin
// (the version pinned in package.json), as a front end with an account
// switcher would: two accounts in one browser, list, switch, revoke, sign
// out. One cookie jar is the browser. Usage: node multi-client.mjs <baseURL>
// Prints one line per step; exits non-zero at the first failure.
import { createAuthClient } from "better-auth/client";
import { multiSessionClient } from "better-auth/client/plugins";
import assert from "node:assert/strict";
import { jarFetch, step } from "./harness.mjs";

const baseURL = process.argv[2];
if (!baseURL) throw new Error("usage: node multi-client.mjs <baseURL>");
const origin = new URL(baseURL).origin;

const jar = new Map();
const client = createAuthClient({ baseURL, plugins: [multiSessionClient()], fetchOptions: { customFetchImpl: jarFetch(origin, jar) } });
const multi = () => [...jar.keys()].filter((k) => k.startsWith("better-auth.session_token_multi-"));

const password = "correct horse battery staple";
const stamp = Date.now();
const ada = { name: "Ada", email: `ada-${stamp}@example.com`, password };
const bob = { name: "Bob", email: `bob-${stamp}@example.com`, password };
let adaToken, bobToken;

await step("sign up two accounts in one browser", async () => {
  const a = await client.signUp.email(ada);
  assert.equal(a.error, null, JSON.stringify(a.error));
  adaToken = a.data.token;
  const b = await client.signUp.email(bob);
  assert.equal(b.error, null, JSON.stringify(b.error));
  bobToken = b.data.token;
  assert.deepEqual(multi().sort(), [`better-auth.session_token_multi-${adaToken.toLowerCase()}`, `better-auth.session_token_multi-${bobToken.toLowerCase()}`].sort());
});

await step("list device sessions", async () => {
  const { data, error } = await client.multiSession.listDeviceSessions();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data.map((d) => d.user.email), [ada.email, bob.email]);
  assert.deepEqual(data.map((d) => d.session.token), [adaToken, bobToken]);
});

await step("the active account is the last signed in", async () => {
  const { data } = await client.getSession();
  assert.equal(data.user.email, bob.email);
});

await step("switch to the other account", async () => {
  const { data, error } = await client.multiSession.setActive({ sessionToken: adaToken });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.user.email, ada.email);
  assert.equal(data.session.token, adaToken);
  const s = await client.getSession();
  assert.equal(s.data.user.email, ada.email);
});

await step("switching to a session the browser does not hold is refused", async () => {
  const { data, error } = await client.multiSession.setActive({ sessionToken: "nosuchtoken" });
  assert.equal(data, null);
  assert.equal(error.status, 401);
  assert.equal(error.code, "INVALID_SESSION_TOKEN");
  assert.equal(error.message, "Invalid session token");
});

await step("revoke the other account", async () => {
  const { data, error } = await client.multiSession.revoke({ sessionToken: bobToken });
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { status: true });
  const list = await client.multiSession.listDeviceSessions();
  assert.deepEqual(list.data.map((d) => d.user.email), [ada.email]);
  assert.equal((await client.getSession()).data.user.email, ada.email);
});

await step("revoke the active account hands over to the next", async () => {
  const b = await client.signIn.email({ email: bob.email, password });
  assert.equal(b.error, null, JSON.stringify(b.error));
  bobToken = b.data.token;
  await client.multiSession.setActive({ sessionToken: adaToken });
  const { error } = await client.multiSession.revoke({ sessionToken: adaToken });
  assert.equal(error, null, JSON.stringify(error));
  const s = await client.getSession();
  assert.equal(s.data.user.email, bob.email);
  assert.equal(s.data.session.token, bobToken);
});

await step("sign out ends every account of the browser", async () => {
  await client.signIn.email({ email: ada.email, password });
  assert.equal(multi().length, 2);
  const { data, error } = await client.signOut();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { success: true });
  assert.deepEqual(multi(), []);
  assert.ok(!jar.has("better-auth.session_token"));
  assert.equal((await client.getSession()).data, null);
  const list = await client.multiSession.listDeviceSessions();
  assert.deepEqual(list.data, []);
});
