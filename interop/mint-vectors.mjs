// mint-vectors.mjs regenerates the Better Auth session vectors of
// testdata/vectors/better-auth-1.7.25 with the real Better Auth (the version
// pinned in package.json), in the format that folder's README.md describes.
//
//   node interop/mint-vectors.mjs OUTDIR
//
// For each set it writes OUTDIR/<name>.db (the Better Auth tables right after
// the sign-ins) and OUTDIR/<name>.json (every exchange, the decoded cookie
// cache, the getSession checks, which run on a scratch copy of the .db, and
// the table rows). Ids, tokens, JWE IVs and timestamps are random or
// time-based: each run gives new, equally valid files.
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";
import { compactDecrypt } from "jose";
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const VERSION = JSON.parse(fs.readFileSync(new URL("./node_modules/better-auth/package.json", import.meta.url), "utf8")).version;
const SECRET = "public-test-secret-0123456789abcdefghijklmnop";
const PREFIX = "better-auth";
const BASE_PATH = "/api/auth";
const EXPIRES_IN = 604800;
const UPDATE_AGE = 86400;
const FRESH_AGE = 86400;
const CACHE_MAX_AGE = 300;
const USER_AGENT = "better-auth-oracle/mint";
const CREDENTIALS = { name: "Oracle User", email: "oracle@example.com", password: "correct-horse-battery-staple" };

const SETS = [
  { name: "none", strategy: "none", baseURL: "http://localhost:3000" },
  { name: "compact", strategy: "compact", baseURL: "http://localhost:3000" },
  { name: "jwt", strategy: "jwt", baseURL: "http://localhost:3000" },
  { name: "jwe", strategy: "jwe", baseURL: "http://localhost:3000" },
  { name: "compact-chunked", strategy: "compact", baseURL: "http://localhost:3000", image: 6000 },
  { name: "jwe-https", strategy: "jwe", baseURL: "https://app.example.com" },
];

const NOTES = [
  "getSession.http is called before getSession.api; a refresh done by the first call is already visible to the second",
  "db = rows right after the sign-ins; dbAfterChecks = rows after all getSession calls (refreshes included)",
  "all getSession calls run in document order on one db; a check that refreshed a session row (see http.sqlQueries) changes what later calls see",
  "cookie-cache expiries (compact expiresAt, JWT/JWE exp) are relative to the mint time: pin the clock to meta.generatedAtMs when replaying",
];

const outDir = process.argv[2];
if (!outDir || process.argv.length > 3) {
  process.stderr.write("usage: node mint-vectors.mjs OUTDIR\n");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

// options returns the object given to betterAuth() for set on db.
function options(set, db) {
  const session = { expiresIn: EXPIRES_IN, updateAge: UPDATE_AGE, freshAge: FRESH_AGE };
  if (set.strategy !== "none") {
    session.cookieCache = { enabled: true, strategy: set.strategy, maxAge: CACHE_MAX_AGE };
  }
  return {
    secret: SECRET,
    baseURL: set.baseURL,
    basePath: BASE_PATH,
    emailAndPassword: { enabled: true },
    session,
    advanced: { cookiePrefix: PREFIX },
    telemetry: { enabled: false },
    database: db,
  };
}

// instance opens a Better Auth on the SQLite file at file, recording the
// SQL it runs into sql: the statement text as prepared, with its ?
// placeholders (Kysely prepares each query it executes).
function instance(set, file, sql) {
  const db = new Database(file);
  const prepare = db.prepare.bind(db);
  db.prepare = (source) => {
    sql.push(String(source));
    return prepare(source);
  };
  const opts = options(set, db);
  const auth = betterAuth(opts);
  return { db, opts, auth };
}

async function mint(set) {
  const startedAtMs = Date.now();
  const dbName = set.name + ".db";
  const dbPath = path.join(outDir, dbName);
  for (const suffix of ["", "-journal", "-wal", "-shm"]) fs.rmSync(dbPath + suffix, { force: true });
  const origin = new URL(set.baseURL).origin;
  const secure = set.baseURL.startsWith("https:") ? "__Secure-" : "";
  const names = {
    sessionToken: `${secure}${PREFIX}.session_token`,
    sessionData: `${secure}${PREFIX}.session_data`,
    dontRemember: `${secure}${PREFIX}.dont_remember`,
  };

  // Phase 1: migrations, sign-up and sign-ins on OUTDIR/<name>.db.
  const sql = [];
  const { db, opts, auth } = instance(set, dbPath, sql);
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(opts);
  await runMigrations();
  const migration = { created: toBeCreated.map((t) => t.table), added: toBeAdded.map((t) => t.table) };

  const credentials = { ...CREDENTIALS };
  if (set.image) {
    const head = "data:image/png;base64,";
    credentials.image = head + randomBytes(set.image).toString("base64").slice(0, set.image - head.length);
  }

  const post = async (route, body) => {
    const request = {
      method: "POST",
      url: origin + BASE_PATH + route,
      headers: { origin, "user-agent": USER_AGENT, "content-type": "application/json" },
      body,
    };
    const res = await auth.handler(new Request(request.url, { method: "POST", headers: request.headers, body: JSON.stringify(body) }));
    const text = await res.text();
    const atMs = Date.now();
    const setCookie = res.headers.getSetCookie();
    return {
      request,
      status: res.status,
      atMs,
      setCookie,
      cookies: setCookie.map(parseSetCookie),
      body: text === "" ? null : JSON.parse(text),
    };
  };

  const signUp = await post("/sign-up/email", credentials);
  mustOK("sign-up", signUp);
  const signIn = {};
  for (const [variant, rememberMe] of [["rememberMe", true], ["noRememberMe", false]]) {
    const ex = await post("/sign-in/email", { email: credentials.email, password: credentials.password, rememberMe });
    mustOK("sign-in " + variant, ex);
    ex.cookieHeader = ex.cookies.filter((c) => c.attributes["max-age"] !== "0").map((c) => `${c.name}=${c.value}`).join("; ");
    ex.sessionData = await sessionData(set, ex.cookies, names.sessionData);
    signIn[variant] = ex;
  }
  const mintedAtMs = Date.now();
  const rows = dump(db);
  db.close();

  // Phase 2: the getSession checks on a scratch copy.
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "mint-vectors-"));
  try {
    const scratch = path.join(scratchDir, dbName);
    fs.copyFileSync(dbPath, scratch);
    const sql2 = [];
    const s = instance(set, scratch, sql2);
    // Better Auth reads the schema on its first request; make it now so
    // that each check's SQL is its own.
    await s.auth.handler(new Request(origin + BASE_PATH + "/ok"));

    const getSession = async (cookieHeader, query) => {
      const headers = { origin, "user-agent": USER_AGENT };
      if (cookieHeader) headers.cookie = cookieHeader;
      const qs = query ? "?" + new URLSearchParams(query) : "";
      sql2.length = 0;
      const res = await s.auth.handler(new Request(origin + BASE_PATH + "/get-session" + qs, { headers }));
      const text = await res.text();
      const http = {
        status: res.status,
        setCookie: res.headers.getSetCookie(),
        body: text === "" ? null : JSON.parse(text),
        sqlQueries: [...sql2],
      };
      const apiQuery = query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v === "true" ? true : v])) : undefined;
      const r = await s.auth.api.getSession({ headers: new Headers(headers), ...(apiQuery ? { query: apiQuery } : {}), returnHeaders: true });
      const api = {
        response: r.response == null ? null : JSON.parse(JSON.stringify(r.response)),
        setCookie: r.headers ? r.headers.getSetCookie() : [],
      };
      return { cookieHeader, ...(query ? { query } : {}), api, http };
    };

    for (const variant of ["rememberMe", "noRememberMe"]) {
      const ex = signIn[variant];
      const jar = ex.cookieHeader.split("; ").map((p) => {
        const i = p.indexOf("=");
        return [p.slice(0, i), p.slice(i + 1)];
      });
      const header = (pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("; ");
      const isData = ([k]) => k === names.sessionData || k.startsWith(names.sessionData + ".");
      const flip = (pairs, pick) => {
        let done = false;
        return pairs.map(([k, v]) => {
          if (done || !pick([k, v])) return [k, v];
          done = true;
          const i = Math.floor(v.length / 2);
          return [k, v.slice(0, i) + (v[i] === "A" ? "B" : "A") + v.slice(i + 1)];
        });
      };
      ex.getSession = await getSession(ex.cookieHeader);
      const checks = {};
      checks.sessionTokenOnly = await getSession(header(jar.filter(([k]) => k === names.sessionToken)));
      checks.tamperedSessionToken = await getSession(header(flip(jar, ([k]) => k === names.sessionToken)));
      checks.disableCookieCache = await getSession(ex.cookieHeader, { disableCookieCache: "true" });
      if (ex.sessionData) {
        checks.tamperedSessionData = await getSession(header(flip(jar, isData)));
        checks.sessionDataOnly = await getSession(header(jar.filter(isData)));
        if (ex.sessionData.chunked) {
          const last = ex.sessionData.cookieNames.at(-1);
          checks.sessionDataMissingLastChunk = await getSession(header(jar.filter(([k]) => k !== last)));
          const data = jar.filter(isData).reverse();
          checks.sessionDataChunksReversed = await getSession(header([...jar.filter((p) => !isData(p)), ...data]));
        }
      }
      ex.checks = checks;
    }
    const getSessionWithoutCookie = await getSession("");
    const dbAfterChecks = dump(s.db);
    s.db.close();

    const generatedAtMs = Date.now();
    const betterAuthOptions = { ...opts, database: `better-sqlite3 Database(${dbName})` };
    const out = {
      meta: {
        betterAuthVersion: VERSION,
        node: process.version,
        generatedAtMs,
        generatedAt: new Date(generatedAtMs).toISOString(),
        timeline: { startedAtMs, mintedAtMs, generatedAtMs },
        dbFileState: "after sign-ins (= db); checks ran on a scratch copy",
        cookieNames: names,
        notes: NOTES,
      },
      config: {
        secret: SECRET,
        db: dbName,
        strategy: set.strategy,
        cookieCacheMaxAge: CACHE_MAX_AGE,
        expiresIn: EXPIRES_IN,
        updateAge: UPDATE_AGE,
        freshAge: FRESH_AGE,
        cookiePrefix: PREFIX,
        baseURL: set.baseURL,
        secrets: null,
        cacheVersion: null,
      },
      betterAuthOptions,
      migration,
      credentials,
      signUp,
      signIn,
      getSessionWithoutCookie,
      db: rows,
      dbAfterChecks,
    };
    fs.writeFileSync(path.join(outDir, set.name + ".json"), JSON.stringify(out, null, 2) + "\n");
  } finally {
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
  process.stderr.write(`${set.name}: ${dbName} and ${set.name}.json\n`);
}

function mustOK(what, ex) {
  if (ex.status !== 200) throw new Error(`${what}: status ${ex.status}: ${JSON.stringify(ex.body)}`);
}

// dump returns the rows of Better Auth's tables, in insertion order.
function dump(db) {
  const out = {};
  for (const table of ["user", "session", "account", "verification"]) {
    out[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).all();
  }
  return out;
}

// parseSetCookie splits one Set-Cookie line into name, value, attributes
// (lower-case names; flags are true) and the percent-decoded value.
function parseSetCookie(line) {
  const [pair, ...attrs] = line.split(";");
  const i = pair.indexOf("=");
  const name = pair.slice(0, i).trim();
  const value = pair.slice(i + 1).trim();
  const attributes = {};
  for (const a of attrs) {
    const j = a.indexOf("=");
    if (j < 0) attributes[a.trim().toLowerCase()] = true;
    else attributes[a.slice(0, j).trim().toLowerCase()] = a.slice(j + 1).trim();
  }
  let decodedValue;
  try {
    decodedValue = decodeURIComponent(value);
  } catch {
    decodedValue = value;
  }
  return { name, value, attributes, decodedValue };
}

// sessionData describes the session_data cookie(s) of a response and
// decodes the joined value; null when there is none (strategy none).
async function sessionData(set, cookies, base) {
  const data = cookies.filter((c) => (c.name === base || c.name.startsWith(base + ".")) && c.attributes["max-age"] !== "0");
  if (data.length === 0) return null;
  const chunked = data.some((c) => c.name !== base);
  if (chunked) data.sort((a, b) => Number(a.name.slice(base.length + 1)) - Number(b.name.slice(base.length + 1)));
  const value = data.map((c) => c.value).join("");
  return {
    cookieNames: data.map((c) => c.name),
    chunked,
    chunkLengths: chunked ? data.map((c) => c.value.length) : null,
    value,
    length: value.length,
    decoded: await decode(set.strategy, value),
  };
}

function b64json(s) {
  return JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
}

async function decode(strategy, value) {
  switch (strategy) {
    case "compact":
      return b64json(value);
    case "jwt": {
      const [h, p] = value.split(".");
      return { header: b64json(h), payload: b64json(p) };
    }
    case "jwe": {
      // Better Auth's JWE key: HKDF-SHA256 of the secret, 64 bytes.
      const key = new Uint8Array(hkdfSync("sha256", SECRET, "better-auth-session", "BetterAuth.js Generated Encryption Key", 64));
      const { plaintext, protectedHeader } = await compactDecrypt(value, key);
      const kid = createHash("sha256").update(`{"k":"${Buffer.from(key).toString("base64url")}","kty":"oct"}`).digest("base64url");
      if (protectedHeader.kid !== undefined && protectedHeader.kid !== kid) {
        throw new Error(`JWE kid ${protectedHeader.kid}, want ${kid}`);
      }
      return { protectedHeader, payload: JSON.parse(new TextDecoder().decode(plaintext)) };
    }
  }
  throw new Error("strategy " + strategy);
}

// MINT_ONLY=a,b mints only the named sets.
const only = process.env.MINT_ONLY ? process.env.MINT_ONLY.split(",") : null;
for (const set of SETS) {
  if (only && !only.includes(set.name)) continue;
  await mint(set);
}
