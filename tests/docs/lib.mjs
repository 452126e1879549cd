// What tests/docs/*.mjs share: settings from the environment (as
// tests/e2e/lib/env.c), HS256 tokens minted as the auth service would,
// plain HTTP requests, SQL through psql, and the OpenAPI document.
import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import http from 'node:http';

export const BASE = process.env.BEE_URL || 'http://127.0.0.1:8007';
const SECRET = process.env.SECRET_KEY;
const DATABASE_URL = process.env.DATABASE_URL;

export function need(...names) {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) {
    console.error(`not set: ${missing.join(' ')} (eval "$(scripts/dev e2e-up)")`);
    process.exit(2);
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export function token(claims) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims }));
  const sig = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export const tokens = {
  superadmin: () => token({ sub: randomUUID(), role: 'superadmin' }),
  internal: () => token({ sub: randomUUID(), role: 'internal' }),
  courier: () => token({ sub: randomUUID(), role: 'courier' }),
  admin: (business) => token({ sub: randomUUID(), role: 'admin_business', business_id: business }),
  customer: (user) => token({ sub: user, role: 'customer' }),
};

// One request: { status, headers, body (Buffer), json (parsed or undefined) }.
export function request(method, path, { token: tok, json, body, headers = {} } = {}) {
  const h = { ...headers };
  let data = body;
  if (json !== undefined) {
    data = Buffer.from(JSON.stringify(json));
    h['content-type'] = 'application/json';
  }
  if (tok) h.authorization = `Bearer ${tok}`;
  if (data !== undefined) h['content-length'] = String(data.length);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, BASE), { method, headers: h, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        let parsed;
        if ((res.headers['content-type'] || '').startsWith('application/json') && buf.length) {
          try {
            parsed = JSON.parse(buf.toString('utf8'));
          } catch {
            parsed = undefined;
          }
        }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, json: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

export function sql(statement) {
  return execFileSync('psql', [DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', statement], {
    encoding: 'utf8',
  }).trim();
}

export async function openapi() {
  const r = await request('GET', '/openapi.json');
  if (r.status !== 200 || !r.json) throw new Error(`GET /openapi.json: ${r.status}`);
  return r.json;
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// Every operation of the document: { method, path, op }.
export function operations(doc) {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) out.push({ method: m, path, op: item[m] });
  }
  return out;
}

// A minimal reporter: a named check, counted, its failures listed at the end.
export function reporter(name) {
  let passed = 0;
  const failures = [];
  return {
    ok(cond, what) {
      if (cond) passed++;
      else failures.push(what);
      return cond;
    },
    fail(what) {
      failures.push(what);
    },
    end() {
      for (const f of failures) console.log(`  FAIL ${f}`);
      console.log(`== ${name}: ${passed} passed, ${failures.length} failed`);
      process.exitCode = failures.length ? 1 : 0;
      return failures.length === 0;
    },
  };
}
