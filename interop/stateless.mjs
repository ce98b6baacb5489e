// stateless.mjs runs the real Better Auth (the version pinned in
// package.json) in stateless mode, configured as sessionkit's README shows:
// no database, session.cookieCache { enabled, strategy "jwe", refreshCache },
// account { storeStateStrategy "cookie", storeAccountCookie true }. It mints
// and reads the oauth_state and account_data cookies with Better Auth's own
// functions (generateGenericState, parseGenericState, setAccountCookie,
// getAccountCookie) on its real auth context, and can send HTTP requests
// through auth.handler. The Go tests in this folder drive it.
//
// Input (stdin, JSON):
//   { "config": { "secret", "baseURL", "maxAge"?,
//                 "oidc"?: { "issuer", "clientId", "clientSecret" } },
//   (oidc registers the provider "test" with the genericOAuth plugin, by
//   discovery, as Better Auth's social sign-in "test")
//     "ops": [ op, ... ] }
// ops:
//   { "op": "mintState", "stateData": {...} }       -> { state, setCookie }
//   { "op": "parseState", "cookie", "state" }       -> { data | error, setCookie }
//   { "op": "mintAccount", "account": {...}, "cookie"? } -> { setCookie }
//   { "op": "readAccount", "cookie" }               -> { account }
//   { "op": "http", "method", "path", "cookie"?, "body"? } -> { status, body, setCookie }
//   { "op": "now" }                                 -> { ms: Date.now() }
// Output (stdout, JSON): one result per op.
import { betterAuth, generateGenericState, parseGenericState } from "better-auth";
import { getAccountCookie, setAccountCookie } from "better-auth/cookies";
import { genericOAuth } from "better-auth/plugins/generic-oauth";
import { parseCookies, serializeCookie } from "better-call";

const input = JSON.parse(await readStdin());
const cfg = input.config;
const auth = betterAuth({
  secret: cfg.secret,
  baseURL: cfg.baseURL,
  basePath: "/api/auth",
  session: {
    cookieCache: { enabled: true, strategy: "jwe", refreshCache: true, ...(cfg.maxAge ? { maxAge: cfg.maxAge } : {}) },
  },
  account: { storeStateStrategy: "cookie", storeAccountCookie: true },
  plugins: cfg.oidc ? [genericOAuth({ config: [{
    providerId: "test",
    discoveryUrl: cfg.oidc.issuer + "/.well-known/openid-configuration",
    clientId: cfg.oidc.clientId,
    clientSecret: cfg.oidc.clientSecret,
    scopes: ["openid", "email", "profile"],
    pkce: true,
  }] })] : [],
  telemetry: { enabled: false },
  logger: { disabled: true },
});
const context = await auth.$context;

// endpoint is the part of an endpoint context these functions use: the
// auth context, the request's cookies, and Set-Cookie capture.
function endpoint(cookie) {
  const setCookie = [];
  const parsed = parseCookies(cookie ?? "");
  return {
    context,
    headers: new Headers(cookie ? { cookie } : {}),
    body: {},
    query: {},
    getCookie: (name) => parsed.get(name) ?? null,
    setCookie: (name, value, opts) => setCookie.push(serializeCookie(name, value, opts)),
    setCookies: setCookie,
  };
}

const origin = new URL(cfg.baseURL).origin;
const out = [];
for (const op of input.ops) {
  const c = endpoint(op.cookie);
  switch (op.op) {
    case "mintState": {
      const { state } = await generateGenericState(c, op.stateData);
      out.push({ state, setCookie: c.setCookies });
      break;
    }
    case "parseState":
      try {
        out.push({ data: await parseGenericState(c, op.state), setCookie: c.setCookies });
      } catch (e) {
        out.push({ error: e?.code ?? String(e), setCookie: c.setCookies });
      }
      break;
    case "mintAccount":
      await setAccountCookie(c, op.account);
      out.push({ setCookie: c.setCookies });
      break;
    case "readAccount":
      out.push({ account: await getAccountCookie(c) });
      break;
    case "http": {
      const headers = { origin, "user-agent": "sessionkit-interop/stateless" };
      if (op.cookie) headers.cookie = op.cookie;
      let body;
      if (op.body !== undefined) {
        body = JSON.stringify(op.body);
        headers["content-type"] = "application/json";
      }
      const res = await auth.handler(new Request(origin + "/api/auth" + op.path, { method: op.method, headers, body }));
      const text = await res.text();
      let parsed = text;
      try { parsed = text === "" ? null : JSON.parse(text); } catch { /* not JSON */ }
      out.push({ status: res.status, body: parsed, setCookie: res.headers.getSetCookie(), location: res.headers.get("location") });
      break;
    }
    case "now":
      out.push({ ms: Date.now() });
      break;
    default:
      throw new Error("unknown op " + op.op);
  }
}
process.stdout.write(JSON.stringify(out));

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
