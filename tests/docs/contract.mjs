// The OpenAPI contract: real responses of every operation of
// /openapi.json, validated against the document. For each response: its
// status is documented for that operation (`default`, the 405 of another
// method, is checked on its own), its content type is documented,
// its body matches the schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1
// uses it, with ajv-formats for uuid, date-time, date, email), and the
// headers the document promises are there. At the end every documented
// status of every operation must have been seen, but for the few listed
// in NOT_HERE with the reason. Every /customers and /gdpr operation runs
// twice: as documented and under the original's /api prefix.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { need, openapi, operations, reporter, request, sql, tokens } from './lib.mjs';

need('BEE_URL', 'SECRET_KEY', 'DATABASE_URL');
const t = reporter('OpenAPI contract');
const doc = await openapi();
const ops = operations(doc);

// Statuses this test cannot produce against a healthy shared instance.
const NOT_HERE = {
  503: 'needs PostgreSQL down (tests/e2e: the circuit breaker and /ready), or no docs files (tests/e2e/test_docs.c)',
  428: 'needs REQUIRE_IF_MATCH=true (tests/e2e/test_conditional.c, test_avatar.c)',
  500: 'needs a statement that fails in PostgreSQL for another reason than its availability',
};

// --- the document's schemas, compiled once
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
addFormats(ajv);
const ROOT = 'https://bee-customers.invalid/openapi';
const rewrite = (node, prefix) => JSON.parse(JSON.stringify(node).replace(/"#\/components\/schemas\//g, `"${prefix}#/$defs/`));
ajv.addSchema({ $id: ROOT, $defs: rewrite(doc.components.schemas, '') });
const compiled = new Map();
function validator(schema) {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewrite(schema, ROOT)));
  return compiled.get(key);
}
const deref = (o) => (o && o.$ref ? o.$ref.split('/').slice(1).reduce((a, k) => a[k], doc) : o);

// --- checking one response
const seen = new Set(); // "method path status"
const opOf = new Map(ops.map((o) => [`${o.method} ${o.path}`, o]));
const CONDITIONAL = new Set(['www-authenticate', 'allow', 'link', 'idempotent-replayed']);

async function call(key, { prefix = '', params = {}, query = '', expect, allowDefault = false, ...opts } = {}) {
  const o = opOf.get(key);
  if (!o) throw new Error(`not in the document: ${key}`);
  let path = o.path.replace(/\{(\w+)\}/g, (_, n) => {
    if (!(n in params)) throw new Error(`${key}: no ${n}`);
    return encodeURIComponent(params[n]);
  });
  path = prefix + path + (query ? `?${query}` : '');
  const r = await request(o.method.toUpperCase(), path, opts);
  const what = `${o.method.toUpperCase()} ${path} -> ${r.status}`;
  if (expect !== undefined) t.ok(r.status === expect, `${what}: expected ${expect} (${r.body.toString().slice(0, 200)})`);
  let doc_r = o.op.responses[String(r.status)];
  if (!doc_r) {
    if (!t.ok(allowDefault && o.op.responses.default, `${what}: status not documented (${r.body.toString().slice(0, 200)})`)) return r;
    doc_r = o.op.responses.default;
  } else {
    seen.add(`${key} ${r.status}`);
  }
  doc_r = deref(doc_r);
  for (const h of Object.keys(doc_r.headers || {})) {
    // required: false marks a header only some answers of that status have
    if (!CONDITIONAL.has(h.toLowerCase()) && deref(doc_r.headers[h]).required !== false) t.ok(r.headers[h.toLowerCase()] !== undefined, `${what}: header ${h} missing`);
  }
  if (!doc_r.content) {
    t.ok(r.body.length === 0, `${what}: documented without a body, got ${r.body.length} bytes`);
    return r;
  }
  const ct = (r.headers['content-type'] || '').split(';')[0].trim();
  const media = doc_r.content[ct];
  if (!t.ok(media, `${what}: content type ${ct} not documented (${Object.keys(doc_r.content)})`)) return r;
  if (ct === 'application/json') {
    if (!t.ok(r.json !== undefined, `${what}: not JSON`)) return r;
    const v = validator(deref(media.schema));
    t.ok(v(r.json), `${what}: body does not match the schema: ${ajv.errorsText(v.errors)} in ${JSON.stringify(r.json).slice(0, 300)}`);
  } else {
    t.ok(r.body.length > 0, `${what}: empty ${ct} body`);
  }
  return r;
}

// --- fixtures
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
function multipart(name, type, data) {
  const b = `bee${randomUUID().replace(/-/g, '')}`;
  const head = `--${b}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${b}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}
const BAD_UTF8 = { body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } };
const BAD_JSON = { body: Buffer.from('{"full_name":'), headers: { 'content-type': 'application/json' } };
const TOO_LARGE = { body: Buffer.from(`{"pad":"${'x'.repeat(70 * 1024)}"}`), headers: { 'content-type': 'application/json' } };
const customerBody = (business, user = randomUUID()) => ({ full_name: 'Ana Popescu', email: `ana-${randomUUID()}@example.com`, phone: '+40798765432', gender: 'female', user_id: user, business_id: business, preferences: { newsletter: true } });

async function newCustomer(business, user) {
  const r = await call('post /customers', { token: tokens.internal(), json: customerBody(business, user), expect: 201 });
  return r.json;
}

// The probes every protected operation gets, from what it documents.
async function probes(key, { params, json, multipartBody, prefix, badParams }) {
  const o = opOf.get(key).op;
  const has = (s) => String(s) in o.responses;
  const body = multipartBody ? { body: multipartBody.body, headers: multipartBody.headers } : json !== undefined ? { json } : {};
  if (has(401)) await call(key, { prefix, params, ...body, expect: 401 });
  if (has(403)) await call(key, { prefix, params, token: tokens.courier(), ...body, expect: 403 });
  if (has(422)) {
    if (badParams) await call(key, { prefix, params: badParams, token: tokens.superadmin(), ...body, expect: 422 });
    else await call(key, { prefix, params, token: tokens.superadmin(), ...BAD_JSON, expect: 422 });
  }
  if (has(400) && json !== undefined) await call(key, { prefix, params, token: tokens.superadmin(), ...BAD_UTF8, expect: 400 });
  if (has(413)) await call(key, { prefix, params, token: tokens.superadmin(), ...TOO_LARGE, expect: 413 });
}

// Pages by cursor: one row a page, each Link followed (a relative
// reference on the same path) until a page has none; a broken cursor is
// the documented 422 at ["query","cursor"].
async function pages(key, { query = '', ...opts }, rows) {
  let q = `${query}${query ? '&' : ''}limit=1`;
  let n = 0;
  for (;;) {
    const r = await call(key, { ...opts, query: q, expect: 200 });
    n += r.json?.length ?? 0;
    const link = r.headers.link;
    if (!link) break;
    const m = /^<([^>]*)\?([^>]*)>; rel="next"$/.exec(link);
    if (!t.ok(m && !/(^|&)skip=/.test(m[2]), `${key}: Link ${link}`)) break;
    q = m[2];
    if (!t.ok(n < rows, `${key}: a Link after the last row`)) break;
  }
  t.ok(n === rows, `${key}: ${n} rows by cursor, expected ${rows}`);
  const bad = await call(key, { ...opts, query: `${query}${query ? '&' : ''}cursor=AAAA`, expect: 422 });
  const item = bad.json?.detail?.[0];
  t.ok(item && JSON.stringify(item.loc) === '["query","cursor"]' && item.type === 'value_error', `${key}: a malformed cursor's 422 item (${JSON.stringify(item)})`);
}

async function customersRun(prefix) {
  const B = randomUUID();
  const U = randomUUID();
  const sa = tokens.superadmin();
  const admin = tokens.admin(B);
  const c = await newCustomer(B, U);
  const C = c.id;
  const P = { customer_id: C };
  const BADC = { customer_id: 'not-a-uuid' };
  const GONE = { customer_id: randomUUID() };
  const x = { prefix };

  // customers
  await call('post /customers', { ...x, token: admin, json: customerBody(B), expect: 201 });
  await call('post /customers', { ...x, token: sa, json: customerBody(B, U), expect: 409 });
  await probes('post /customers', { ...x, json: customerBody(B) });
  const list = await call('get /customers', { ...x, token: admin, query: `business_id=${B}&query=popescu&limit=10`, expect: 200 });
  t.ok(Array.isArray(list.json) && list.json.length === 2, `the list of business ${B} has its 2 customers`);
  await call('get /customers', { ...x, query: `business_id=${B}`, expect: 401 });
  await call('get /customers', { ...x, token: tokens.courier(), query: `business_id=${B}`, expect: 403 });
  await call('get /customers', { ...x, token: admin, query: 'limit=0', expect: 422 });
  await pages('get /customers', { ...x, token: admin, query: `business_id=${B}` }, 2);
  const got = await call('get /customers/{customer_id}', { ...x, params: P, token: tokens.customer(U), expect: 200 });
  const notModified = await call('get /customers/{customer_id}', { ...x, params: P, token: admin, headers: { 'if-none-match': got.headers.etag }, expect: 304 });
  t.ok(notModified.headers.etag === got.headers.etag, `304: the ETag ${got.headers.etag} (${notModified.headers.etag})`);
  const STALE = { headers: { 'if-match': '"999999"' } };
  await call('get /customers/{customer_id}', { ...x, params: GONE, token: sa, expect: 404 });
  await probes('get /customers/{customer_id}', { ...x, params: P, badParams: BADC });
  await call('patch /customers/{customer_id}', { ...x, params: P, token: admin, json: { phone: '0712345678', preferences: { sms: false } }, expect: 200 });
  await call('patch /customers/{customer_id}', { ...x, params: GONE, token: sa, json: {}, expect: 404 });
  await call('patch /customers/{customer_id}', { ...x, params: P, token: admin, ...STALE, json: { gender: 'male' }, expect: 412 });
  await probes('patch /customers/{customer_id}', { ...x, params: P, json: { gender: 'other' } });
  await call('patch /customers/{customer_id}', { ...x, params: BADC, token: sa, json: {}, expect: 422 });
  const limited = tokens.admin(B);
  // the RateLimit fields count down to the 429 (r=0, t = Retry-After)
  for (let i = 0; i <= 5; i++) {
    const r = await call('patch /customers/{customer_id}', { ...x, params: P, token: limited, json: {}, expect: i < 5 ? 200 : 429 });
    const m = /^"patch";r=(\d+);t=(\d+)$/.exec(r.headers.ratelimit || '');
    t.ok(r.headers['ratelimit-policy'] === '"patch";q=5;w=60', `PATCH ${r.status}: RateLimit-Policy ${r.headers['ratelimit-policy']}`);
    t.ok(m && Number(m[1]) === Math.max(4 - i, 0) && Number(m[2]) >= 1 && Number(m[2]) <= 60, `PATCH ${r.status}: RateLimit ${r.headers.ratelimit}, want r=${Math.max(4 - i, 0)}`);
    if (i === 5) t.ok(m && r.headers['retry-after'] === m[2], `429: Retry-After ${r.headers['retry-after']}, RateLimit ${r.headers.ratelimit}`);
  }

  // avatar
  const avatar = await call('post /customers/{customer_id}/avatar', { ...x, params: P, token: tokens.customer(U), ...multipart('a.png', 'image/png', PNG), expect: 200 });
  await call('post /customers/{customer_id}/avatar', { ...x, params: P, token: sa, ...multipart('a.txt', 'image/png', Buffer.from('not an image')), expect: 400 });
  await call('post /customers/{customer_id}/avatar', { ...x, params: GONE, token: sa, ...multipart('a.png', 'image/png', PNG), expect: 404 });
  const form = multipart('a.png', 'image/png', PNG);
  await call('post /customers/{customer_id}/avatar', { ...x, params: P, token: sa, body: form.body, headers: { ...form.headers, ...STALE.headers }, expect: 412 });
  await probes('post /customers/{customer_id}/avatar', { ...x, params: P, multipartBody: multipart('a.png', 'image/png', PNG), badParams: BADC });

  // tags
  const tags = await call('post /customers/{customer_id}/tags', { ...x, params: P, token: admin, json: { labels: ['VIP', 'Newsletter'] }, expect: 201 });
  await call('post /customers/{customer_id}/tags', { ...x, params: P, token: admin, json: { label: 'VIP' }, expect: 400 });
  await call('post /customers/{customer_id}/tags', { ...x, params: GONE, token: sa, json: { label: 'X' }, expect: 404 });
  await probes('post /customers/{customer_id}/tags', { ...x, params: P, json: { label: 'Probe' } });
  await call('get /customers/{customer_id}/tags', { ...x, params: P, token: admin, expect: 200 });
  await call('get /customers/{customer_id}/tags', { ...x, params: GONE, token: sa, expect: 404 });
  await probes('get /customers/{customer_id}/tags', { ...x, params: P, badParams: BADC });
  const tag = tags.json[0].id;
  const TP = { customer_id: C, tag_id: tag };
  await probes('delete /customers/{customer_id}/tags/{tag_id}', { ...x, params: TP, badParams: { customer_id: C, tag_id: 'x' } });
  await call('delete /customers/{customer_id}/tags/{tag_id}', { ...x, params: TP, token: admin, expect: 204 });
  await call('delete /customers/{customer_id}/tags/{tag_id}', { ...x, params: TP, token: admin, expect: 404 });

  // the original's tag routes
  const legacy = await call('post /customers/tags', { ...x, token: admin, json: { customer_id: C, label: 'Legacy', color: 'gold', priority: 2 }, expect: 201 });
  await call('post /customers/tags', { ...x, token: admin, json: { customer_id: C, label: 'Legacy' }, expect: 400 });
  await call('post /customers/tags', { ...x, token: sa, json: { customer_id: randomUUID(), label: 'Legacy' }, expect: 404 });
  await probes('post /customers/tags', { ...x, json: { customer_id: C, label: 'Probe' } });
  await call('get /customers/tags/customer/{customer_id}', { ...x, params: P, token: admin, expect: 200 });
  await call('get /customers/tags/customer/{customer_id}', { ...x, params: GONE, token: sa, expect: 404 });
  await probes('get /customers/tags/customer/{customer_id}', { ...x, params: P, badParams: BADC });
  const LP = { tag_id: legacy.json.id };
  await probes('delete /customers/tags/{tag_id}', { ...x, params: LP, badParams: { tag_id: 'x' } });
  await call('delete /customers/tags/{tag_id}', { ...x, params: LP, token: admin, expect: 204 });
  await call('delete /customers/tags/{tag_id}', { ...x, params: LP, token: admin, expect: 404 });

  // notes
  const note = await call('post /customers/{customer_id}/notes', { ...x, params: P, token: admin, json: { content: 'Prefers mornings' }, expect: 201 });
  await call('post /customers/{customer_id}/notes', { ...x, params: GONE, token: sa, json: { content: 'x' }, expect: 404 });
  await probes('post /customers/{customer_id}/notes', { ...x, params: P, json: { content: 'Probe' } });
  await call('get /customers/{customer_id}/notes', { ...x, params: P, token: admin, expect: 200 });
  await call('get /customers/{customer_id}/notes', { ...x, params: GONE, token: sa, expect: 404 });
  await probes('get /customers/{customer_id}/notes', { ...x, params: P, badParams: BADC });

  // statistics, history, export (with history rows the consumer would write)
  sql(`INSERT INTO customer_orders (order_id, business_id, user_id, customer_id, total, currency, status, created_at, updated_at)
       VALUES ('ord-${randomUUID()}', '${B}', '${U}', '${C}', 120.50, 'RON', 'completed', now(), now()),
              ('ord-${randomUUID()}', '${B}', '${U}', NULL, NULL, NULL, 'created', NULL, now())`);
  sql(`INSERT INTO customer_appointments (appointment_id, business_id, user_id, customer_id, starts_at, status, updated_at)
       VALUES ('apt-${randomUUID()}', '${B}', '${U}', '${C}', now(), 'confirmed', now()),
              ('apt-${randomUUID()}', '${B}', '${U}', NULL, NULL, 'created', now())`);
  sql(`INSERT INTO customer_history (id, customer_id, first_order_date, returned_orders) VALUES (gen_random_uuid(), '${C}', '2025-07-01', 1)`);
  sql(`UPDATE customers SET total_orders = 1, lifetime_value = 120.50, last_order_date = current_date WHERE id = '${C}'`);
  for (const k of ['stats', 'statistics', 'orders', 'appointments', 'export']) {
    const key = `get /customers/{customer_id}/${k}`;
    const r = await call(key, { ...x, params: P, token: tokens.customer(U), expect: 200 });
    if (k === 'orders' || k === 'appointments') {
      t.ok(r.json && r.json.length === 2, `${key}: the 2 seeded rows`);
      await pages(key, { ...x, params: P, token: tokens.customer(U) }, 2);
    }
    if (k === 'export') t.ok(r.json && r.json.history && r.json.notes.length === 1 && r.json.orders.length === 2, `${key}: history, notes and orders exported`);
    await call(key, { ...x, params: GONE, token: sa, expect: 404 });
    await probes(key, { ...x, params: P, badParams: BADC });
  }
  const pair = { user_id: U, business_id: B };
  await call('post /gdpr/export', { ...x, token: tokens.customer(U), json: pair, expect: 200 });
  await call('post /gdpr/export', { ...x, token: sa, json: { user_id: randomUUID(), business_id: B }, expect: 404 });
  await probes('post /gdpr/export', { ...x, json: pair });

  const NP = { customer_id: C, note_id: note.json.id };
  await probes('delete /customers/{customer_id}/notes/{note_id}', { ...x, params: NP, badParams: { customer_id: C, note_id: 'x' } });
  await call('delete /customers/{customer_id}/notes/{note_id}', { ...x, params: NP, token: admin, expect: 204 });
  await call('delete /customers/{customer_id}/notes/{note_id}', { ...x, params: NP, token: admin, expect: 404 });

  // a method the path does not have: `default` (405 with Allow)
  const put = await request('PUT', `${prefix}/customers/${C}`, { token: sa, json: {} });
  t.ok(put.status === 405 && put.headers.allow === 'GET, PATCH, DELETE' && put.json?.detail === 'Method Not Allowed', `PUT ${prefix}/customers/{id}: 405 with Allow (${put.status} ${put.headers.allow})`);
  const vd = validator(deref(deref(opOf.get('get /customers/{customer_id}').op.responses.default).content['application/json'].schema));
  t.ok(vd(put.json), `the 405 body matches the \`default\` response: ${ajv.errorsText(vd.errors)}`);

  // erasure, both forms
  const other = await newCustomer(B);
  await call('post /gdpr/delete', { ...x, token: sa, json: { user_id: randomUUID(), business_id: B }, expect: 404 });
  await probes('post /gdpr/delete', { ...x, json: { user_id: other.user_id, business_id: B } });
  await call('post /gdpr/delete', { ...x, token: admin, json: { user_id: other.user_id, business_id: B }, expect: 204 });
  await probes('delete /customers/{customer_id}', { ...x, params: P, badParams: BADC });
  await call('delete /customers/{customer_id}', { ...x, params: P, token: sa, ...STALE, expect: 412 });
  await call('delete /customers/{customer_id}', { ...x, params: P, token: tokens.customer(U), expect: 204 });
  await call('delete /customers/{customer_id}', { ...x, params: P, token: sa, expect: 404 });
  return avatar.json;
}

// --- Idempotency-Key on every write: a replay, 400, 409 and 422
const subOf = (tok) => JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString()).sub;

// The request as the service fingerprints it: method, path, query, body.
// src/http/idem.c's fingerprint: method, path, query, the token's role
// (enum role's number) and sorted businesses, If-Match, If-None-Match
// (none here), body.
const ROLE_NUMBER = { customer: 0, client: 0, admin_business: 1, admin_manager: 1, superadmin: 2, internal: 3 };
function fingerprint(method, path, query, body, tok) {
  const claims = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString());
  const businesses = [...(claims.business_id ? [claims.business_id] : []), ...(claims.business_ids || [])].sort();
  const role = ROLE_NUMBER[claims.role] ?? 4;
  return createHash('sha256').update(`${method}\n${path}\n${query}\n${role}\n${businesses.map((b) => `${b},`).join('')}\n\n\n`).update(body || Buffer.alloc(0)).digest('hex');
}

async function keyed(key, { prefix, params, token, json, form, ok }) {
  const o = opOf.get(key);
  const path = prefix + o.path.replace(/\{(\w+)\}/g, (_, n) => params[n]);
  const body = form ? form.body : json !== undefined ? Buffer.from(JSON.stringify(json)) : undefined;
  const send = (k, extra = {}) => {
    const headers = { ...(form ? form.headers : {}), ...(k !== undefined ? { 'idempotency-key': k } : {}) };
    return form || json === undefined ? { prefix, params, token, body, headers, ...extra } : { prefix, params, token, json, headers, ...extra };
  };
  const k = randomUUID();
  const first = await call(key, send(k, { expect: ok }));
  const again = await call(key, send(k, { expect: ok }));
  t.ok(again.headers['idempotent-replayed'] === 'true' && first.headers['idempotent-replayed'] === undefined && again.body.equals(first.body), `${key}: the retry replays the first answer`);
  const bad = await call(key, send('a b', { expect: 400 }));
  t.ok(bad.json?.detail === 'Invalid Idempotency-Key', `${key}: 400 names the key`);
  await call(key, send(k, { query: 'other=1', expect: 422 }));
  // a claim as a request still running leaves it
  const running = randomUUID();
  sql(`INSERT INTO idempotency_keys (owner, key, fingerprint, token) VALUES ('${subOf(token)}', '${running}', '${fingerprint(o.method.toUpperCase(), path, '', body, token)}', gen_random_uuid())`);
  await call(key, send(running, { expect: 409 }));
  return first;
}

async function idempotencyRun(prefix) {
  const B = randomUUID();
  const x = { prefix };
  const c = await newCustomer(B);
  const other = await newCustomer(B);
  const P = { customer_id: c.id };
  const admin = () => tokens.admin(B);
  await keyed('post /customers', { ...x, token: admin(), json: customerBody(B), ok: 201 });
  await keyed('patch /customers/{customer_id}', { ...x, params: P, token: admin(), json: { full_name: 'Ana Keyed' }, ok: 200 });
  await keyed('post /customers/{customer_id}/avatar', { ...x, params: P, token: admin(), form: multipart('a.png', 'image/png', PNG), ok: 200 });
  const tags = await keyed('post /customers/{customer_id}/tags', { ...x, params: P, token: admin(), json: { labels: ['Keyed'] }, ok: 201 });
  await keyed('delete /customers/{customer_id}/tags/{tag_id}', { ...x, params: { ...P, tag_id: tags.json[0].id }, token: admin(), ok: 204 });
  const legacy = await keyed('post /customers/tags', { ...x, token: admin(), json: { customer_id: c.id, label: 'Keyed' }, ok: 201 });
  await keyed('delete /customers/tags/{tag_id}', { ...x, params: { tag_id: legacy.json.id }, token: admin(), ok: 204 });
  const note = await keyed('post /customers/{customer_id}/notes', { ...x, params: P, token: admin(), json: { content: 'Keyed' }, ok: 201 });
  await keyed('delete /customers/{customer_id}/notes/{note_id}', { ...x, params: { ...P, note_id: note.json.id }, token: admin(), ok: 204 });
  await keyed('post /gdpr/delete', { ...x, token: admin(), json: { user_id: other.user_id, business_id: B }, ok: 204 });
  await keyed('delete /customers/{customer_id}', { ...x, params: P, token: admin(), ok: 204 });
}

async function publicRun(avatarCustomer) {
  for (const k of ['get /', 'get /health', 'get /healthcheck', 'get /ready', 'get /metrics', 'get /openapi.json', 'get /docs', 'get /docs/oauth2-redirect', 'get /redoc']) await call(k, { expect: 200 });
  for (const f of opOf.get('get /docs/assets/{file}').op.parameters[0].schema.enum) await call('get /docs/assets/{file}', { params: { file: f }, expect: 200 });
  await call('get /docs/assets/{file}', { params: { file: 'index.html' }, expect: 404 });
  await call('get /uploads/{file}', { params: { file: `${'0'.repeat(32)}.png` }, expect: 404 });
  return avatarCustomer;
}

const first = await customersRun('');
await customersRun('/api');
await idempotencyRun('');
await idempotencyRun('/api');
// the avatar was erased with its customer: a fresh one to fetch
const B = randomUUID();
const U = randomUUID();
const c = await newCustomer(B, U);
const up = await call('post /customers/{customer_id}/avatar', { params: { customer_id: c.id }, token: tokens.customer(U), ...multipart('a.png', 'image/png', PNG), expect: 200 });
const file = up.json.avatar_url.replace('/uploads/', '');
const img = await call('get /uploads/{file}', { params: { file }, expect: 200 });
t.ok(img.body.subarray(0, 8).equals(PNG.subarray(0, 8)), 'GET /uploads/{file}: the PNG');
t.ok(first && first.avatar_url, 'the first run uploaded an avatar');
await publicRun();

// --- every route of the config is documented: some documented path
// (ids filled in) matches each route (the catch-all aside)
const CONF = new URL('../../conf/bee_customers.conf', import.meta.url);
const concrete = Object.keys(doc.paths).map((p) => p.replace(/\{\w+\}/g, '0e5a6c2e-3d4b-4c1a-9f00-000000000001'));
for (const line of readFileSync(CONF, 'utf8').split('\n')) {
  const m = line.match(/^\s*route\s+(\S+)\s+(\w+)/);
  if (!m || m[1] === '^/.*$') continue;
  const ok = m[1].startsWith('/') ? concrete.some((p) => p === m[1] || `${p}/` === m[1]) : concrete.some((p) => new RegExp(m[1]).test(p));
  t.ok(ok, `route ${m[1]} (${m[2]}) of the config is not in the document`);
}

// --- coverage: every documented status was seen
for (const o of ops) {
  for (const s of Object.keys(o.op.responses)) {
    if (s === 'default' || seen.has(`${o.method} ${o.path} ${s}`)) continue;
    if (NOT_HERE[s]) continue;
    t.fail(`never seen: ${o.method.toUpperCase()} ${o.path} ${s}`);
  }
}
const skipped = ops.flatMap((o) => Object.keys(o.op.responses).filter((s) => NOT_HERE[s] && !seen.has(`${o.method} ${o.path} ${s}`)).map((s) => s));
const notHere = Object.keys(NOT_HERE).map((s) => `${skipped.filter((k) => k === s).length} x ${s} (${NOT_HERE[s]})`).join('; ');
console.log(`contract: ${ops.length} operations, ${seen.size} (operation, status) pairs seen; not produced here: ${notHere}`);
t.end();
