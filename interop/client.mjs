// client.mjs drives a sessionkit server with Better Auth's own client
// (createAuthClient from better-auth/client, the version pinned in
// package.json), as a front end would, and checks every answer. Node has no
// browser cookie jar, so each "device" gets a small one, and sends the
// Origin header a browser sends. Usage: node client.mjs <baseURL>
// Prints one line per step; exits non-zero at the first failure.
import { createAuthClient } from "better-auth/client";
import assert from "node:assert/strict";
import { jarFetch, step } from "./harness.mjs";

const baseURL = process.argv[2];
if (!baseURL) throw new Error("usage: node client.mjs <baseURL>");
const origin = new URL(baseURL).origin;

// device returns a Better Auth client with its own cookie jar.
function device(name) {
  const jar = new Map();
  const client = createAuthClient({ baseURL, fetchOptions: { customFetchImpl: jarFetch(origin, jar, `sessionkit-interop/${name}`) } });
  return { client, jar };
}

const email = `ada-${Date.now()}@example.com`;
const password = "correct horse battery staple";
const laptop = device("laptop");
const phone = device("phone");
let userId, laptopToken, phoneToken;

await step("sign up", async () => {
  const { data, error } = await laptop.client.signUp.email({ name: "Ada Lovelace", email, password });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.user.email, email);
  assert.equal(data.user.name, "Ada Lovelace");
  assert.equal(data.user.image, null);
  assert.match(data.token, /^[A-Za-z0-9]{32}$/);
  assert.ok(laptop.jar.has("better-auth.session_token"), "session cookie set");
  userId = data.user.id;
  laptopToken = data.token;
});

await step("sign up again with the same email is refused", async () => {
  const { data, error } = await device("other").client.signUp.email({ name: "Eve", email, password });
  assert.equal(data, null);
  assert.equal(error.status, 422);
  assert.equal(error.code, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL");
});

await step("wrong password is refused", async () => {
  const { error } = await device("other").client.signIn.email({ email, password: "wrong password" });
  assert.equal(error.status, 401);
  assert.equal(error.code, "INVALID_EMAIL_OR_PASSWORD");
  assert.equal(error.message, "Invalid email or password");
});

await step("sign in on a second device", async () => {
  const { data, error } = await phone.client.signIn.email({ email, password, rememberMe: false });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.redirect, false);
  assert.equal(data.user.id, userId);
  assert.ok(phone.jar.has("better-auth.dont_remember"), "rememberMe:false sets dont_remember");
  phoneToken = data.token;
  assert.notEqual(phoneToken, laptopToken);
});

await step("get the session", async () => {
  const { data, error } = await laptop.client.getSession();
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.user.id, userId);
  assert.equal(data.user.email, email);
  assert.equal(data.session.token, laptopToken);
  assert.equal(data.session.userId, userId);
  assert.equal(data.session.userAgent, "sessionkit-interop/laptop");
  assert.ok(new Date(data.session.expiresAt) > new Date(), "expiresAt in the future");
});

await step("get the session without cookies is null", async () => {
  const { data, error } = await device("anon").client.getSession();
  assert.equal(error, null);
  assert.equal(data, null);
});

await step("list sessions", async () => {
  const { data, error } = await laptop.client.listSessions();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data.map((s) => s.token).sort(), [laptopToken, phoneToken].sort());
  assert.ok(data.every((s) => s.userId === userId));
});

await step("revoke the other sessions", async () => {
  const { data, error } = await laptop.client.revokeOtherSessions();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { status: true });
  const phoneSession = await phone.client.getSession();
  assert.equal(phoneSession.data, null, "the phone is signed out");
  const list = await laptop.client.listSessions();
  assert.deepEqual(list.data.map((s) => s.token), [laptopToken]);
});

await step("update-session has no fields to update", async () => {
  const { error } = await laptop.client.updateSession({ anything: 1 });
  assert.equal(error.status, 400);
  assert.equal(error.message, "No fields to update");
});

await step("update the user", async () => {
  const { data, error } = await laptop.client.updateUser({ name: "Ada King", image: "https://example.com/ada.png" });
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { status: true });
  const { data: s } = await laptop.client.getSession();
  assert.equal(s.user.name, "Ada King");
  assert.equal(s.user.image, "https://example.com/ada.png");
});

await step("update the email is refused", async () => {
  const { error } = await laptop.client.updateUser({ email: "eve@example.com" });
  assert.equal(error.status, 400);
  assert.equal(error.code, "EMAIL_CAN_NOT_BE_UPDATED");
});

const newPassword = "a brand new password";
await step("change the password with a wrong current one is refused", async () => {
  const { error } = await laptop.client.changePassword({ newPassword, currentPassword: "wrong password" });
  assert.equal(error.status, 400);
  assert.equal(error.code, "INVALID_PASSWORD");
  assert.equal(error.message, "Invalid password");
});

await step("change the password, revoking the other sessions", async () => {
  // Sign-in allows 3 requests per 10 seconds: let the earlier ones age out.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const { data: p } = await phone.client.signIn.email({ email, password });
  assert.ok(p.token);
  const { data, error } = await laptop.client.changePassword({ newPassword, currentPassword: password, revokeOtherSessions: true });
  assert.equal(error, null, JSON.stringify(error));
  assert.match(data.token, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(data.token, laptopToken);
  assert.equal(data.user.id, userId);
  laptopToken = data.token;
  assert.equal((await phone.client.getSession()).data, null, "the phone is signed out");
  const { data: s } = await laptop.client.getSession();
  assert.equal(s.session.token, laptopToken, "the laptop holds the new session");
  const again = await phone.client.signIn.email({ email, password: newPassword });
  assert.equal(again.error, null, JSON.stringify(again.error));
});

await step("sign out", async () => {
  const { data, error } = await laptop.client.signOut();
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { success: true });
  assert.ok(!laptop.jar.has("better-auth.session_token"), "session cookie cleared");
  const after = await laptop.client.getSession();
  assert.equal(after.data, null);
});

await step("a signed-out device cannot list sessions", async () => {
  const { error } = await laptop.client.listSessions();
  assert.equal(error.status, 401);
  assert.equal(error.code, "UNAUTHORIZED");
});

await step("delete the user", async () => {
  const { data: p } = await phone.client.getSession();
  assert.equal(p.user.id, userId);
  const signin = await laptop.client.signIn.email({ email, password: newPassword });
  assert.equal(signin.error, null, JSON.stringify(signin.error));
  const bad = await laptop.client.deleteUser({ password: "wrong password" });
  assert.equal(bad.error.status, 400);
  assert.equal(bad.error.code, "INVALID_PASSWORD");
  const { data, error } = await laptop.client.deleteUser({ password: newPassword });
  assert.equal(error, null, JSON.stringify(error));
  assert.deepEqual(data, { success: true, message: "User deleted" });
  assert.ok(!laptop.jar.has("better-auth.session_token"), "session cookie cleared");
  assert.equal((await phone.client.getSession()).data, null, "every session ended");
  const again = await device("new").client.signUp.email({ name: "Ada", email, password });
  assert.equal(again.error, null, "the email is free again: " + JSON.stringify(again.error));
  assert.notEqual(again.data.user.id, userId);
});
