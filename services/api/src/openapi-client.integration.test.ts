/**
 * The OpenAPI document as a contract: read from a running API, checked for what a client generator needs,
 * then turned into a TypeScript client (openapi-typescript + openapi-fetch) that submits a clip, follows it
 * to completed and downloads its outputs, against the whole pipeline (API, workers, a private redis-server,
 * ffmpeg). The client script is type-checked against the generated types first, so a contract that does
 * not match its use fails here. Needs redis-server and ffmpeg on the PATH.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { writeFfv1Video } from '../../../test/support/clip-files.js';
import { startTestStack, type TestStack } from '../../../test/support/stack.js';
import { makeSyntheticClip } from '../../../test/support/synthetic-clip.js';
import type { buildReport } from '../../pipeline-worker/src/write-report.js';
import { reportBody } from './routes/reels/schemas.js';

// The report the stitch job writes fits the schema the document gives it (checked by the compiler; the
// test below checks that nothing undocumented is in it).
const writtenReport = (r: Awaited<ReturnType<typeof buildReport>>): z.input<typeof reportBody> => r;
void writtenReport;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FRAMES = 6;
// The classical detector and fill: this test is about the contract, not the models.
const FAST = { SEGMENTER: 'spike', INPAINTER: 'median' };
const run = promisify(execFile);

type Json = Record<string, any>; // the document is JSON: the assertions check its shape
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let work: string;
let stack: TestStack;
let doc: Json;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'rr-openapi-client-'));
  const clip = makeSyntheticClip({ width: 64, height: 48, frames: FRAMES, channels: 1, bits: 8, seed: 11, shift: { x: 0.5, y: 0 }, damage: { specksPerFrame: 3, minRadius: 2, maxRadius: 4 } });
  const started = startTestStack({ env: FAST });
  await writeFfv1Video(join(work, 'clip.mkv'), clip.layout, clip.damaged);
  stack = await started;
  const res = await fetch(`${stack.api.url}/docs/json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Json;
});

afterAll(async () => {
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every operation: the paths' and the webhooks'. */
function operations(): { where: string; path: string; method: string; op: Json }[] {
  const all = [];
  for (const [section, items] of [['paths', doc.paths], ['webhooks', doc.webhooks ?? {}]] as const) {
    for (const [path, item] of Object.entries(items as Json)) {
      for (const method of HTTP_METHODS) if (item[method]) all.push({ where: `${section}: ${method.toUpperCase()} ${path}`, path, method, op: item[method] as Json });
    }
  }
  return all;
}

const routeOperations = () => operations().filter((o) => o.where.startsWith('paths'));
const isAuthenticated = (op: Json) => !(Array.isArray(op.security) && op.security.length === 0);
const resolveRef = (ref: string): Json => ref.replace(/^#\//, '').split('/').reduce((node: Json, key) => node?.[key], doc);
const problemRefs = ['#/components/schemas/Problem', '#/components/schemas/Conflict'];

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 with servers, tags and a named, unique operation for every route and method', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([expect.objectContaining({ url: stack.config.PUBLIC_URL ?? '/' })]);
    const tags = new Set((doc.tags as Json[]).map((t) => t.name));
    const ops = operations();
    expect(ops.length).toBeGreaterThan(15);
    for (const { where, op } of ops) {
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
      for (const tag of op.tags ?? []) expect(tags.has(tag), `${where}: tag ${tag}`).toBe(true);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    // Routes registered with several methods (the tus routes) are one operation per method.
    expect(Object.keys(doc.paths['/v1/uploads/{id}']).filter((m) => HTTP_METHODS.includes(m)).length).toBeGreaterThan(1);
  });

  it('lists 401 and 429 on every authenticated operation and 500 on all, as problems', () => {
    for (const { where, op } of routeOperations()) {
      const codes = Object.keys(op.responses);
      expect(codes, where).toContain('500');
      if (isAuthenticated(op)) expect(codes, where).toEqual(expect.arrayContaining(['401', '429']));
      expect(codes.some((c) => /^[23]/.test(c)), `${where} has a successful answer`).toBe(true);
    }
    const publicOps = routeOperations().filter((o) => !isAuthenticated(o.op));
    // The probes, and the metrics (an operator's scraper holds no tenant key; METRICS_TOKEN guards them instead).
    expect(publicOps.map((o) => o.path).sort()).toEqual(['/healthz', '/metrics', '/readyz']);
  });

  it('documents error bodies as application/problem+json with the shared Problem (or Conflict) schema', () => {
    let problems = 0;
    for (const { where, path, op } of routeOperations()) {
      for (const [code, response] of Object.entries(op.responses as Json)) {
        if (Number(code) < 400) continue;
        const content = (response.content ?? {}) as Json;
        // Readiness answers its checks; the tus server answers its own errors in text/plain.
        if (path === '/readyz' && code === '503') continue;
        expect(Object.keys(content), `${where} ${code}`).not.toContain('application/json');
        const problem = content['application/problem+json'];
        if (['401', '429', '500'].includes(code) || !path.startsWith('/v1/uploads')) expect(problem, `${where} ${code}`).toBeDefined();
        if (problem) {
          expect(problemRefs, `${where} ${code}`).toContain(problem.schema.$ref);
          problems += 1;
        }
      }
    }
    expect(problems).toBeGreaterThan(50);
    const problem = doc.components.schemas.Problem as Json;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail']));
    expect(doc.components.schemas.Conflict.required).toContain('state');
  });

  it('names the shared schemas as components, and every $ref resolves', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Conflict', 'Reel', 'ReelList', 'ReelLinks', 'Accepted', 'Manifest', 'ManifestFile', 'Report', 'ReelProgress']),
    );
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) (k === '$ref' ? refs.push(v as string) : walk(v));
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) expect(resolveRef(ref), ref).toBeTypeOf('object');
    expect(doc.paths['/v1/reels/{id}'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Reel');
    expect(doc.paths['/v1/reels/{id}/report'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Report');
    expect(doc.paths['/v1/reels/{id}/output/manifest'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Manifest');
  });

  it('gives every JSON request and response body an example', () => {
    let bodies = 0;
    for (const { where, op } of operations()) {
      const media = [
        ...Object.entries((op.requestBody?.content ?? {}) as Json).map(([type, m]) => [`request ${type}`, type, m] as const),
        ...Object.entries(op.responses as Json).flatMap(([code, r]) => Object.entries((r.content ?? {}) as Json).map(([type, m]) => [`${code} ${type}`, type, m] as const)),
      ];
      for (const [what, type, m] of media) {
        if (!/json$/.test(type) || (m.schema?.format === 'binary')) continue;
        const schema = m.schema.$ref ? resolveRef(m.schema.$ref) : m.schema;
        const examples = m.example ?? m.examples ?? schema.examples;
        // The direct-upload routes are another module's; the rest must have examples.
        if (where.includes('/v1/direct-uploads') && !problemRefs.includes(m.schema.$ref)) continue;
        expect(examples, `${where} ${what}`).toBeDefined();
        bodies += 1;
      }
    }
    expect(bodies).toBeGreaterThan(50);
  });

  it('documents downloads with their real content types', () => {
    const types = (path: string) => Object.keys(doc.paths[path].get.responses['200'].content);
    expect(types('/v1/reels/{id}/output')).toEqual(expect.arrayContaining(['video/x-matroska', 'video/quicktime', 'application/x-tar']));
    expect(types('/v1/reels/{id}/output/frames/{name}')).toContain('image/png');
    expect(types('/v1/reels/{id}/preview')).toEqual(['video/mp4']);
    expect(types('/v1/reels/{id}/masks/{frame}')).toEqual(['image/png']);
    expect(types('/v1/reels/{id}/report')).toEqual(['application/json']);
    for (const path of Object.keys(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const ok = doc.paths[path][method]?.responses['200']?.content ?? {};
        expect(Object.keys(ok), `${method} ${path}`).not.toContain('application/octet-stream');
      }
    }
  });

  it('describes the signed webhooks reel.completed, reel.failed and reel.progress', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(['reel.completed', 'reel.failed', 'reel.progress']);
    for (const [event, item] of Object.entries(doc.webhooks as Json)) {
      const headers = (item.post.parameters as Json[]).filter((p) => p.in === 'header' && p.required).map((p) => p.name);
      expect(headers, event).toEqual(expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']));
      const body = resolveRef(item.post.requestBody.content['application/json'].schema.$ref);
      expect(body.required, event).toEqual(expect.arrayContaining(['type', 'timestamp', 'data']));
      expect(body.properties.type.const, event).toBe(event);
      expect(body.examples?.[0]?.type, event).toBe(event);
    }
  });
});

/**
 * The client a user would write: only the generated types and openapi-fetch. It submits the clip with a
 * callbackUrl of its own, follows the reel to completed, reads its report, pages through its manifest,
 * downloads every file by the route for its role, receives the completion webhook and verifies its
 * signature, and prints what it saw as JSON.
 */
const DRIVER = `
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import createClient from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import type { components, paths, webhooks } from './reelrestore-api.js';

type ManifestFile = components['schemas']['ManifestFile'];
type ReelCompleted = webhooks['reel.completed']['post']['requestBody']['content']['application/json'];

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(name + ' is not set');
  return value;
};
const api = createClient<paths>({ baseUrl: env('API_URL'), headers: { authorization: 'Bearer ' + env('API_KEY') } });
const sha256 = (data: ArrayBuffer) => createHash('sha256').update(Buffer.from(data)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A webhook receiver: the completion event arrives here.
const received: ReelCompleted[] = [];
const verifier = new Webhook(env('WEBHOOK_SECRET'));
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const event = verifier.verify(body, headers) as ReelCompleted | { type: string };
    if (event.type === 'reel.completed') received.push(event as ReelCompleted);
    res.statusCode = 204;
    res.end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const address = receiver.address();
const callbackUrl = 'http://127.0.0.1:' + (typeof address === 'object' && address ? address.port : 0) + '/hooks';

const clip = await readFile(env('CLIP'));
const submitted = await api.POST('/v1/reels', {
  body: { callbackUrl, file: new Blob([clip], { type: 'video/x-matroska' }) },
  bodySerializer(body) {
    if (!('file' in body)) throw new Error('expected an upload');
    const form = new FormData();
    if (body.callbackUrl) form.append('callbackUrl', body.callbackUrl); // the fields before the file
    form.append('file', body.file, 'clip.mkv');
    return form;
  },
});
if (!submitted.data) throw new Error('submit: ' + JSON.stringify(submitted.error));
const id = submitted.data.id;

const deadline = Date.now() + 45_000;
let reel = (await api.GET('/v1/reels/{id}', { params: { path: { id } } })).data;
while (reel && reel.state !== 'completed' && reel.state !== 'failed' && reel.state !== 'cancelled') {
  if (Date.now() > deadline) throw new Error('reel ' + id + ' still ' + reel.state);
  await sleep(200);
  const polled = await api.GET('/v1/reels/{id}', { params: { path: { id } } });
  if (polled.error) throw new Error(polled.error.type + ': ' + polled.error.detail);
  reel = polled.data;
}
if (!reel) throw new Error('reel ' + id + ' not found');

const reportRead = await api.GET('/v1/reels/{id}/report', { params: { path: { id } } });
const report = reportRead.data;
if (!report || report instanceof Blob) throw new Error('report: ' + JSON.stringify(reportRead.error));

// Small pages, to follow nextCursor.
const files: ManifestFile[] = [];
let pages = 0;
let totalFiles = 0;
let totalBytes = 0;
let cursor: string | undefined;
do {
  const page = await api.GET('/v1/reels/{id}/output/manifest', { params: { path: { id }, query: { limit: 4, ...(cursor ? { cursor } : {}) } } });
  if (!page.data) throw new Error('manifest: ' + JSON.stringify(page.error));
  pages += 1;
  files.push(...page.data.files);
  ({ totalFiles, totalBytes } = page.data);
  cursor = page.data.nextCursor;
} while (cursor);

/** Each file through the route for its role: the generated paths, not the manifest's URLs. */
async function download(f: ManifestFile) {
  const path = { id };
  const bytes = { parseAs: 'arrayBuffer' } as const;
  switch (f.role) {
    case 'video':
      return { route: '/v1/reels/{id}/output', read: await api.GET('/v1/reels/{id}/output', { params: { path }, ...bytes }) };
    case 'frame':
      return {
        route: '/v1/reels/{id}/output/frames/{name}',
        read: await api.GET('/v1/reels/{id}/output/frames/{name}', { params: { path: { id, name: f.name.slice('frames/'.length) } }, ...bytes }),
      };
    case 'preview':
      return { route: '/v1/reels/{id}/preview', read: await api.GET('/v1/reels/{id}/preview', { params: { path }, ...bytes }) };
    case 'report':
      return { route: '/v1/reels/{id}/report', read: await api.GET('/v1/reels/{id}/report', { params: { path }, ...bytes }) };
    case 'mask':
      if (f.frame === undefined) throw new Error(f.name + ' has no frame number');
      return { route: '/v1/reels/{id}/masks/{frame}', read: await api.GET('/v1/reels/{id}/masks/{frame}', { params: { path: { id, frame: f.frame } }, ...bytes }) };
    default: {
      const unknown: never = f.role;
      throw new Error('a role the client does not know: ' + String(unknown));
    }
  }
}

const downloads = [];
for (const f of files) {
  const { route, read } = await download(f);
  if (!read.data) throw new Error(f.name + ': ' + read.response.status);
  downloads.push({ name: f.name, route, status: read.response.status, contentType: read.response.headers.get('content-type'), size: read.data.byteLength, sha256: sha256(read.data) });
}

while (received.length === 0 && Date.now() < deadline) await sleep(100);
receiver.close();
const hook = received[0];

console.log(JSON.stringify({
  reel: { id: reel.id, state: reel.state, error: reel.error, frameCount: reel.media?.frameCount, progress: reel.progress },
  report,
  manifest: { pages, totalFiles, totalBytes, files },
  downloads,
  webhook: hook ? { type: hook.type, id: hook.data.id, state: hook.data.state, report: hook.data.links?.report } : null,
}));
`;

/** The generated types: format binary (an upload's file) is a Blob, as openapi-typescript's docs do it. */
async function generateTypes(): Promise<string> {
  const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
  const ast = await openapiTS(doc as never, {
    transform: (schema) => (schema.format === 'binary' ? BLOB : undefined),
  });
  return astToString(ast);
}

function typeErrors(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') + (d.file ? ` (${d.file.fileName.split('/').at(-1)})` : ''));
}

describe('a client generated from the document', () => {
  it('type-checks, then restores a clip through the whole pipeline and downloads every output file', async () => {
    const client = join(work, 'client');
    mkdirSync(client);
    // The client's folder sees the repository's packages, as a project that installed them would.
    symlinkSync(join(REPO, 'node_modules'), join(client, 'node_modules'), 'dir');
    writeFileSync(join(client, 'package.json'), JSON.stringify({ type: 'module' }));
    const types = await generateTypes();
    expect(types).toMatch(/export interface paths/);
    writeFileSync(join(client, 'reelrestore-api.d.ts'), types);
    writeFileSync(join(client, 'driver.ts'), DRIVER);

    expect(typeErrors(join(client, 'driver.ts'))).toEqual([]);

    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'driver.ts'], {
      cwd: client,
      timeout: 50_000,
      env: { ...process.env, API_URL: stack.api.url, API_KEY: stack.keys.acme, WEBHOOK_SECRET: stack.webhookSecret, CLIP: join(work, 'clip.mkv') },
    });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as Json;

    expect(seen.reel, seen.reel.error).toMatchObject({ state: 'completed', frameCount: FRAMES });
    expect(seen.reel.progress).toMatchObject({ framesTotal: FRAMES, percent: 100 });
    // report.json is exactly what the document's Report describes: parsing it drops or changes nothing.
    expect(reportBody.parse(seen.report)).toEqual(seen.report);
    expect(seen.report).toMatchObject({ reelId: seen.reel.id, frames: FRAMES });
    expect(seen.report.shots.reduce((n: number, s: Json) => n + s.frames.count, 0)).toBe(FRAMES);

    const { manifest, downloads } = seen;
    expect(manifest.pages).toBeGreaterThan(1);
    expect(manifest.files).toHaveLength(manifest.totalFiles);
    expect(manifest.files.reduce((n: number, f: Json) => n + f.size, 0)).toBe(manifest.totalBytes);
    const roles = manifest.files.map((f: Json) => f.role);
    expect(roles.filter((r: string) => r === 'video')).toHaveLength(1);
    expect(roles.filter((r: string) => r === 'preview')).toHaveLength(1);
    expect(roles.filter((r: string) => r === 'report')).toHaveLength(1);
    expect(roles.filter((r: string) => r === 'mask')).toHaveLength(FRAMES);
    // Every file downloads whole, with the size, SHA-256 and content type its manifest entry gives, and a
    // content type the document lists for its route.
    expect(downloads).toHaveLength(manifest.files.length);
    manifest.files.forEach((f: Json, i: number) => {
      const d = downloads[i] as Json;
      expect(d, f.name).toMatchObject({ name: f.name, status: 200, size: f.size, sha256: f.sha256 });
      expect(d.contentType.split(';')[0], f.name).toBe(f.contentType);
      expect(Object.keys(doc.paths[d.route].get.responses['200'].content), f.name).toContain(f.contentType);
    });

    // The completion webhook arrived, signed, with the body the document describes.
    expect(seen.webhook).toMatchObject({ type: 'reel.completed', id: seen.reel.id, state: 'completed' });
    expect(seen.webhook.report).toMatch(new RegExp(`/v1/reels/${seen.reel.id}/report$`));
  }, 90_000);
});
