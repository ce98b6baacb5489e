// fields-client.mjs drives a sessionkit server whose users have additional
// fields (interop/fields_test.go declares them) with Better Auth's own
// client, and checks every answer. Usage: node fields-client.mjs <baseURL>
import { createAuthClient } from "better-auth/client";
import assert from "node:assert/strict";
import { jarFetch, step } from "./harness.mjs";

const baseURL = process.argv[2];
const origin = new URL(baseURL).origin;
const client = createAuthClient({
  baseURL,
  fetchOptions: { customFetchImpl: jarFetch(origin, new Map()) },
});

const password = "correct horse battery staple";
await step("sign up with fields", async () => {
  const { data, error } = await client.signUp.email({
    name: "Ada", email: "ada@example.com", password,
    plan: "pro", seats: 2, trialEndsAt: new Date("2031-05-06T07:08:09.010Z"), tags: ["x"],
  });
  assert.equal(error, null, JSON.stringify(error));
  assert.equal(data.user.role, "user");
  assert.equal(data.user.plan, "pro");
  assert.equal(data.user.seats, 2);
  assert.equal(data.user.beta, false);
  assert.equal(new Date(data.user.trialEndsAt).toISOString(), "2031-05-06T07:08:09.010Z");
  assert.deepEqual(data.user.tags, ["x"]);
});
await step("a field clients may not set is refused", async () => {
  const { error } = await client.signUp.email({ name: "B", email: "b@example.com", password, banned: true });
  assert.equal(error?.status, 400);
  assert.equal(error?.code, "FIELD_NOT_ALLOWED");
  assert.equal(error?.message, "banned is not allowed to be set");
});
await step("get-session answers the fields", async () => {
  const { data, error } = await client.getSession();
  assert.equal(error, null);
  assert.equal(data.user.plan, "pro");
  assert.equal(data.user.role, "user");
  assert.ok(data.user.trialEndsAt instanceof Date, "the client revives dates");
  assert.equal(data.user.trialEndsAt.toISOString(), "2031-05-06T07:08:09.010Z");
  assert.equal(data.session.device, null);
});
await step("update-user sets a field", async () => {
  const { error } = await client.updateUser({ plan: "team", beta: true });
  assert.equal(error, null, JSON.stringify(error));
  const { data } = await client.getSession();
  assert.equal(data.user.plan, "team");
  assert.equal(data.user.beta, true);
});
await step("update-user refuses role", async () => {
  const { error } = await client.updateUser({ role: "admin" });
  assert.equal(error?.code, "FIELD_NOT_ALLOWED");
  const { data } = await client.getSession({ query: { disableCookieCache: true } });
  assert.equal(data.user.role, "user");
});
