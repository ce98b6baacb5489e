// ba.mjs runs the real Better Auth (the version pinned in package.json) on a
// SQLite file and performs a list of HTTP exchanges through auth.handler,
// exactly as a server would. The Go tests in this folder drive it.
//
// Input (stdin, JSON):
//   { "config": { "db", "secret", "baseURL", "strategy": "none"|"compact"|"jwt"|"jwe",
//                 "maxAge"?, "version"?, "rateLimit"?, "deleteUser"?,
//                 "userFields"?, "sessionFields"? (user.additionalFields and
//                 session.additionalFields, as Better Auth declares them),
//                 "admin"? (the admin plugin's options: {} for its defaults) },
//     "ops": [ { "method", "path", "body"?, "rawBody"?, "contentType"?,
//                "cookie"?, "headers"? }, ... ] }
//   (rawBody is sent as it is, with contentType if given; body as JSON)
// Output (stdout, JSON): one result per op:
//   { "status", "body", "setCookie": [...], "cookie": "<Cookie header a browser
//     would send next>", "sql": [statements Better Auth ran for this op],
//     "retryAfter": <X-Retry-After header or null> }
import { betterAuth } from "better-auth";
import { admin } from "better-auth/plugins/admin";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";

const input = JSON.parse(await readStdin());
const cfg = input.config;
const sql = [];
const db = new Database(cfg.db, { verbose: (s) => sql.push(String(s)) });
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");

const options = {
  secret: cfg.secret,
  baseURL: cfg.baseURL,
  basePath: "/api/auth",
  database: db,
  emailAndPassword: { enabled: true },
  session: {
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
  telemetry: { enabled: false },
  ...(cfg.rateLimit ? { rateLimit: { enabled: true } } : {}),
  user: {
    ...(cfg.deleteUser ? { deleteUser: { enabled: true } } : {}),
    ...(cfg.userFields ? { additionalFields: cfg.userFields } : {}),
  },
  logger: { disabled: true },
  plugins: [
    ...(cfg.admin ? [admin(cfg.admin)] : []),
  ],
};
const auth = betterAuth(options);
const { runMigrations } = await getMigrations(options);
await runMigrations();
// Better Auth reads the database schema once, on its first request; make
// that request now, so that an op's SQL is only the op's own.
await auth.handler(new Request(new URL(cfg.baseURL).origin + "/api/auth/ok"));

const origin = new URL(cfg.baseURL).origin;
const out = [];
for (const op of input.ops) {
  const headers = { origin, "user-agent": "sessionkit-interop/ba", ...(op.headers ?? {}) };
  if (op.cookie) headers.cookie = op.cookie;
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
    cookie: nextCookieHeader(op.cookie ?? "", setCookie),
    sql: [...sql],
    retryAfter: res.headers.get("x-retry-after"),
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
