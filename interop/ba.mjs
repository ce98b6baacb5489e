// ba.mjs runs the real Better Auth (the version pinned in package.json) on a
// SQLite file and performs a list of HTTP exchanges through auth.handler,
// exactly as a server would. The Go tests in this folder drive it.
//
// Input (stdin, JSON):
//   { "config": { "db", "secret", "baseURL", "strategy": "none"|"compact"|"jwt"|"jwe",
//                 "maxAge"?, "version"?, "rateLimit"?, "deleteUser"?,
//                 "userFields"?, "sessionFields"? (user.additionalFields and
//                 session.additionalFields, as Better Auth declares them),
//                 "schema"?: { "usePlural"?, "user"?: { "modelName"?, "fields"? },
//                              "session"?, "account"?, "verification"? },
//                 "migrate"?: "run" (default) | "check" (fail if the migrator
//                              would change anything),
//                 "multiSession"?: { "maximumSessions"? },
//                 "genericOAuth"?: { "providerId", "discoveryUrl", "clientId", "clientSecret" },
//                 "bearer"?: { "requireSignature"? } (the bearer plugin on),
//                 "admin"? (the admin plugin's options: {} for its defaults) },
//     "ops": [ { "method", "path", "body"?, "rawBody"?, "contentType"?,
//                "cookie"?, "chain"?, "headers"?, "noOrigin"? }, ... ] }
//   (chain: true sends the Cookie header the previous op left, as one
//   browser would; rawBody is sent as it is, with contentType if given; body
//   as JSON; every request has the Origin of baseURL unless noOrigin)
// Output (stdout, JSON): one result per op:
//   { "status", "body", "setCookie": [...], "cookie": "<Cookie header a browser
//     would send next>", "sql": [statements Better Auth ran for this op],
//     "retryAfter": <X-Retry-After header or null>, "location": <Location or null>,
//     "authToken": <set-auth-token header or null>,
//     "exposeHeaders": <Access-Control-Expose-Headers header or null> }
import { betterAuth } from "better-auth";
import { bearer } from "better-auth/plugins/bearer";
import { admin } from "better-auth/plugins/admin";
import { getMigrations } from "better-auth/db/migration";
import { multiSession } from "better-auth/plugins/multi-session";
import { genericOAuth } from "better-auth/plugins/generic-oauth";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { kyselyAdapter } from "@better-auth/kysely-adapter";

const input = JSON.parse(await readStdin());
const cfg = input.config;
const sql = [];
const db = new Database(cfg.db, { verbose: (s) => sql.push(String(s)) });
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");

// models are the schema's modelName and fields options, by model.
const sch = cfg.schema ?? {};
const models = {};
for (const k of ["user", "session", "account", "verification"]) {
  models[k] = {
    ...(sch[k]?.modelName ? { modelName: sch[k].modelName } : {}),
    ...(sch[k]?.fields ? { fields: sch[k].fields } : {}),
  };
}
// usePlural is an option of the Kysely adapter, so a plural schema goes
// through kyselyAdapter on the same connection (the built-in one, used
// otherwise, takes the better-sqlite3 handle as it is).
const kysely = new Kysely({ dialect: new SqliteDialect({ database: db }) });
const options = {
  secret: cfg.secret,
  baseURL: cfg.baseURL,
  basePath: "/api/auth",
  database: sch.usePlural ? kyselyAdapter(kysely, { type: "sqlite", usePlural: true, transaction: true }) : db,
  emailAndPassword: { enabled: true },
  user: {
    ...models.user,
    ...(cfg.deleteUser ? { deleteUser: { enabled: true } } : {}),
    ...(cfg.userFields ? { additionalFields: cfg.userFields } : {}),
  },
  session: {
    ...models.session,
    ...(cfg.strategy === "none" ? {} : {
      cookieCache: {
        enabled: true,
        strategy: cfg.strategy,
        ...(cfg.maxAge ? { maxAge: cfg.maxAge } : {}),
        ...(cfg.version ? { version: cfg.version } : {}),
      },
    }),
    ...(cfg.sessionFields ? { additionalFields: cfg.sessionFields } : {}),
  },
  account: models.account,
  verification: models.verification,
  telemetry: { enabled: false },
  ...(cfg.rateLimit ? { rateLimit: { enabled: true } } : {}),
  plugins: [
    ...(cfg.multiSession ? [multiSession(cfg.multiSession)] : []),
    ...(cfg.genericOAuth ? [genericOAuth({ config: [{ ...cfg.genericOAuth, scopes: ["openid", "email", "profile"] }] })] : []),
    ...(cfg.bearer ? [bearer(cfg.bearer)] : []),
    ...(cfg.admin ? [admin(cfg.admin)] : []),
  ],
  logger: { disabled: true },
};
const auth = betterAuth(options);
// Better Auth's migrator reads no usePlural (it is the adapter's): it
// creates each table under its modelName, so a plural schema is migrated
// with the plural names as modelName, as the CLI's users configure it.
const migrationOptions = sch.usePlural ? { ...options, database: { db: kysely, type: "sqlite" } } : options;
if (sch.usePlural) {
  for (const k of ["user", "session", "account", "verification"]) {
    migrationOptions[k] = { ...options[k], modelName: (models[k].modelName ?? k) + "s" };
  }
}
const migration = await getMigrations(migrationOptions);
if (cfg.migrate === "check") {
  if (migration.toBeCreated.length || migration.toBeAdded.length || migration.toBeAddedIndexes.length) {
    process.stderr.write("Better Auth's migrator would change the schema:\n" + await migration.compileMigrations() + "\n");
    process.exit(3);
  }
} else {
  await migration.runMigrations();
}
// Better Auth reads the database schema once, on its first request; make
// that request now, so that an op's SQL is only the op's own.
await auth.handler(new Request(new URL(cfg.baseURL).origin + "/api/auth/ok"));

const origin = new URL(cfg.baseURL).origin;
const out = [];
for (const op of input.ops) {
  const headers = { ...(op.noOrigin ? {} : { origin }), "user-agent": "sessionkit-interop/ba", ...(op.headers ?? {}) };
  const cookie = op.chain && out.length ? out[out.length - 1].cookie : op.cookie;
  if (cookie) headers.cookie = cookie;
  let body;
  if (op.body !== undefined) {
    body = JSON.stringify(op.body);
    headers["content-type"] = "application/json";
  } else if (op.rawBody !== undefined) {
    body = op.rawBody;
    if (op.contentType) headers["content-type"] = op.contentType;
  }
  sql.length = 0;
  const res = await auth.handler(new Request(origin + "/api/auth" + op.path, { method: op.method, headers, body }));
  const text = await res.text();
  const setCookie = res.headers.getSetCookie();
  out.push({
    status: res.status,
    body: text === "" ? null : JSON.parse(text),
    setCookie,
    cookie: nextCookieHeader(cookie ?? "", setCookie),
    sql: [...sql],
    retryAfter: res.headers.get("x-retry-after"),
    location: res.headers.get("location"),
    authToken: res.headers.get("set-auth-token"),
    exposeHeaders: res.headers.get("access-control-expose-headers"),
  });
}
db.close();
process.stdout.write(JSON.stringify(out));

// nextCookieHeader applies Set-Cookie lines to a Cookie header, as a
// browser's jar does (Max-Age=0 deletes).
function nextCookieHeader(cookie, setCookie) {
  const jar = new Map();
  for (const part of cookie.split(";")) {
    const i = part.indexOf("=");
    if (i > 0) jar.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  for (const line of setCookie) {
    const [pair, ...attrs] = line.split(";");
    const i = pair.indexOf("=");
    const name = pair.slice(0, i).trim();
    const deleted = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
    if (deleted) jar.delete(name);
    else jar.set(name, pair.slice(i + 1).trim());
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}
