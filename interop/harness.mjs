// harness.mjs is what the client scripts (client.mjs, multi-client.mjs,
// bearer-client.mjs, fields-client.mjs)
// share: step, and a browser's cookie jar for Node's fetch.

// step runs one named step, prints "ok   name", or "FAIL name: error" and
// exits non-zero at the first failure.
export function step(name, fn) {
  return fn().then(
    () => console.log(`ok   ${name}`),
    (err) => {
      console.log(`FAIL ${name}: ${err?.stack ?? err}`);
      process.exit(1);
    },
  );
}

// jarFetch returns a fetch with a cookie jar: Node keeps no cookies, so each
// "browser" gets a Map of name → value, sent back in order, with the Origin
// header a browser sends (and a User-Agent naming the device, if given).
// Max-Age=0 deletes.
export function jarFetch(origin, jar, userAgent) {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("origin", origin);
    if (userAgent) headers.set("user-agent", userAgent);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
      else jar.set(name, pair.slice(i + 1).trim());
    }
    return res;
  };
}
