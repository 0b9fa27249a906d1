import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '@reelrestore/shared/config';
import { reelCompletedWebhook, reelFailedWebhook, reelProgressWebhook } from '../routes/reels/schemas.js';
import { TUS_METHOD_DOCS } from '../routes/uploads.js';
import { PROBLEM_TYPES, problemTypeUri, type ProblemType } from './error-handler.js';
import { headerParam, type Json } from './openapi-parts.js';

/**
 * The OpenAPI 3.1 document at /docs/json (Swagger UI at /docs): a contract a client generator can use.
 * Route schemas are zod, turned into JSON Schema 2020-12 by fastify-type-provider-zod; the zod schemas
 * registered with an id (routes/reels/schemas.ts) are components.schemas, referenced by $ref. Here every
 * operation gets its id (OPERATION_IDS), and the answers every route shares: 401 and 429 on authenticated
 * routes, 500 on all, errors as `application/problem+json`; and the webhooks the service sends.
 */

/**
 * One operationId per documented method and route, keyed "METHOD /url" as the route is registered. A route
 * missing here fails the document (GET /docs/json answers 500, and the tests that read it fail), so no route
 * ships without one. Routes registered with several methods appear once per method, each with its own id.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /healthz': 'getLiveness',
  'GET /readyz': 'getReadiness',
  'GET /metrics': 'getMetrics',
  'POST /v1/reels': 'createReel',
  'GET /v1/reels': 'listReels',
  'GET /v1/reels/:id': 'getReel',
  'DELETE /v1/reels/:id': 'cancelReel',
  'GET /v1/reels/:id/events': 'streamReelEvents',
  'GET /v1/reels/:id/output': 'downloadOutput',
  'GET /v1/reels/:id/output/frames/:name': 'downloadOutputFrame',
  'GET /v1/reels/:id/output/manifest': 'getOutputManifest',
  'GET /v1/reels/:id/preview': 'downloadPreview',
  'GET /v1/reels/:id/report': 'getReport',
  'GET /v1/reels/:id/masks/:frame': 'downloadMask',
  'GET /v1/reels/:id/frames/:n': 'getFrameImage',
  'POST /v1/reels/:id/edits': 'editReel',
  'GET /v1/reels/:id/edits': 'getReelEdits',
  'PUT /v1/reels/:id/truth/:n': 'putTruthMask',
  'POST /v1/uploads': 'createUpload',
  'OPTIONS /v1/uploads': 'getUploadCapabilities',
  'HEAD /v1/uploads/:id': 'getUploadOffset',
  'PATCH /v1/uploads/:id': 'appendToUpload',
  'DELETE /v1/uploads/:id': 'deleteUpload',
  'OPTIONS /v1/uploads/:id': 'getUploadCapabilitiesForUpload',
  'POST /v1/direct-uploads': 'createDirectUpload',
  'POST /v1/direct-uploads/:id/complete': 'completeDirectUpload',
  'DELETE /v1/direct-uploads/:id': 'abortDirectUpload',
  'POST /v1/sequence-uploads': 'createSequenceUpload',
  'PUT /v1/sequence-uploads/:id/frames/:name': 'putSequenceFrame',
};

/** How the transform hands an operation's route and per-method ids to transformObject (removed there). */
const ROUTE_EXTENSION = 'x-reelrestore-route';
interface RouteNote {
  url: string;
  operationIds: Record<string, string>;
}

/** What fastify's schemas cannot say about routes another server answers (the tus routes), per method. */
const METHOD_DOCS: Record<string, Json> = TUS_METHOD_DOCS;

/** Response headers of a route's answer, keyed "METHOD /url STATUS", beyond those every answer of a status has. */
const RESPONSE_HEADERS: Record<string, Json> = {
  'POST /v1/reels 202': {
    Location: { type: 'string', format: 'uri', description: "the reel's status URL" },
    'Idempotent-Replayed': { type: 'string', const: 'true', description: 'set when an Idempotency-Key retry answers the reel the first request created' },
  },
  'GET /v1/reels/:id/output 302': { Location: { type: 'string', format: 'uri', description: 'the presigned URL of the restored video (no API key needed)' } },
};

const STATUS_HEADERS: Record<number, Json> = {
  206: { 'Content-Range': { type: 'string', description: 'bytes a-b/size' } },
  401: { 'WWW-Authenticate': { type: 'string', description: 'Bearer realm="reelrestore"' } },
  416: { 'Content-Range': { type: 'string', description: 'bytes */size' } },
  429: {
    'Retry-After': { type: 'integer', description: 'seconds until requests are accepted again' },
    'RateLimit-Limit': { type: 'integer', description: 'requests allowed per minute (RATE_LIMIT_PER_MINUTE)' },
    'RateLimit-Remaining': { type: 'integer', description: 'requests left in this window: 0' },
    'RateLimit-Reset': { type: 'integer', description: 'seconds until the window resets' },
  },
};

/** What each error status means here, and the problem types it comes with. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'the request is malformed: detail says what to fix',
  401: 'no API key, or not a valid one: send Authorization: Bearer <key>',
  404: "not found: no such reel or upload for this API key, or nothing of that name",
  409: 'in conflict with the state of the reel or upload: detail says what to do',
  410: 'the reel was purged: its outputs are deleted',
  413: 'too large: over MAX_UPLOAD_BYTES (use a resumable upload), or a JSON body over 64 KiB',
  415: 'not an accepted content type, or not a video or a frame tar',
  416: 'the range starts past the end of the file',
  422: 'well-formed but not acceptable, or an Idempotency-Key reused for a different request',
  429: 'more requests than RATE_LIMIT_PER_MINUTE for this API key: retry after Retry-After',
  500: 'an internal error; the details are in the server log',
  503: 'a dependency is unavailable, or the process is shutting down',
};

function errorDescription(status: number, given?: unknown): string {
  const types = (Object.entries(PROBLEM_TYPES) as [ProblemType, number][]).filter(([, s]) => s === status).map(([t]) => `\`${problemTypeUri(t)}\``);
  const what = typeof given === 'string' ? given : (ERROR_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'error');
  return types.length ? `${what}. Problem type ${types.join(' or ')}.` : what;
}

const componentRef = (schema: z.ZodType): string => {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('a schema the document refers to by name has no id in the zod registry');
  return `#/components/schemas/${id}`;
};
const PROBLEM_REFS = new Set(['#/components/schemas/Problem', '#/components/schemas/Conflict']);
const CONFLICT_DESCRIPTION = "the reel's state does not allow it; the problem carries the state";
const problemResponse = (status: number, ref = '#/components/schemas/Problem', description?: unknown) => ({
  description: errorDescription(status, description ?? (ref.endsWith('/Conflict') ? CONFLICT_DESCRIPTION : undefined)),
  content: { 'application/problem+json': { schema: { $ref: ref } } },
});

/**
 * A route's responses as the document shows them: problems (a route's schema names Problem or Conflict) under
 * application/problem+json, the statuses every route shares added, and the headers that come with each status.
 */
function completeResponses(key: string, response: Json | undefined, opts: { authenticated: boolean; hasBody: boolean }): Json {
  const out: Json = {};
  for (const [code, given] of Object.entries(response ?? {})) {
    const r = given as Json;
    const ref = typeof r.$ref === 'string' ? r.$ref : undefined;
    out[code] = Number(code) >= 400 && ref && PROBLEM_REFS.has(ref) ? problemResponse(Number(code), ref, r.description) : r;
  }
  const add = (status: number) => {
    if (!(status in out)) out[status] = problemResponse(status);
  };
  if (opts.hasBody) [400, 413, 415].forEach(add); // a body that does not parse, is too large, or of another type
  if (opts.authenticated) [401, 429].forEach(add);
  add(500);
  for (const [code, r] of Object.entries(out)) {
    const headers = { ...STATUS_HEADERS[Number(code)], ...RESPONSE_HEADERS[`${key} ${code}`] };
    if (Object.keys(headers).length) out[code] = { ...(r as Json), headers: { ...((r as Json).headers as Json | undefined), ...headers } };
  }
  return out;
}

/** Zod schemas in a documented body become JSON Schema 2020-12, as fastify-type-provider-zod makes the routes'. */
function documentedBody(body: DocumentedBody): Json {
  const content = Object.entries(body.content).map(([type, media]) => [
    type,
    { ...media, schema: media.schema instanceof z.ZodType ? jsonSchemaOf(media.schema) : media.schema },
  ]);
  return { ...body, content: Object.fromEntries(content) };
}

function jsonSchemaOf(schema: z.ZodType): Json {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return json;
}

/** A request body described by hand, for a route whose body no schema validates (it is streamed). */
export interface DocumentedBody {
  content: Record<string, { schema: Json | z.ZodType }>;
}

const webhookHeaders = (eventIdExample: string) => [
  headerParam('webhook-id', 'the event id: the same on every attempt of one event, so receivers can drop duplicates', { type: 'string' }, true, eventIdExample),
  headerParam('webhook-timestamp', 'seconds since the epoch, when the attempt was signed; reject ones far from now', { type: 'string', pattern: '^[0-9]+$' }, true, '1748942512'),
  headerParam(
    'webhook-signature',
    "`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` with the tenant's secret (the base64 part of its whsec_ key); verify with any Standard Webhooks library",
    { type: 'string', pattern: '^v1,' },
    true,
    'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  ),
];

function webhook(operationId: string, summary: string, description: string, body: z.ZodType, eventIdExample: string) {
  return {
    post: {
      operationId,
      summary,
      description: `${description} POSTed to the reel's callbackUrl, signed per Standard Webhooks (https://www.standardwebhooks.com).`,
      tags: ['webhooks'],
      security: [],
      parameters: webhookHeaders(eventIdExample),
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: componentRef(body) } } } },
      responses: {
        '2XX': { description: 'delivered' },
        default: { description: `any other answer, or none within WEBHOOK_TIMEOUT_MS, is a failed attempt${operationId === 'reelProgressWebhook' ? '' : ', retried with exponential backoff'}; every attempt is listed in the reel's webhooks` },
      },
    },
  };
}

const WEBHOOKS = {
  'reel.completed': webhook(
    'reelCompletedWebhook',
    'A reel is completed',
    'Once, when the reel is completed; data.links name its downloads.',
    reelCompletedWebhook,
    'evt_0mbgaxsm08f3c9d2e4b5a6f71_completed',
  ),
  'reel.failed': webhook('reelFailedWebhook', 'A reel failed', 'Once, when the reel failed; data.error says why.', reelFailedWebhook, 'evt_0mbgaxsm08f3c9d2e4b5a6f71_failed'),
  'reel.progress': webhook(
    'reelProgressWebhook',
    "A running reel's progress",
    'At most once per PROGRESS_WEBHOOK_SECONDS while the reel runs (when set); data is what the progress server-sent event carries, with every shot. One attempt: the next one supersedes it.',
    reelProgressWebhook,
    'evt_0mbgaxsm08f3c9d2e4b5a6f71_progress_1748942650377',
  ),
};

export async function registerDocs(app: FastifyInstance, config: Config, documentedBodies: Record<string, DocumentedBody>): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'reelrestore',
        version: '0.1.0',
        description:
          'Restores scanned film: submit a reel, poll its status, download the restored output. Errors are RFC 9457 problems ' +
          '(application/problem+json, the Problem schema) whose `type` is stable: urn:reelrestore:problem:<kind>.',
      },
      servers: [{ url: config.PUBLIC_URL?.replace(/\/+$/, '') || '/', description: config.PUBLIC_URL ? 'PUBLIC_URL' : 'this server' }],
      tags: [
        { name: 'reels', description: 'submit, follow, list and cancel reels' },
        { name: 'outputs', description: "a completed reel's files: restored video or frames, preview, report, masks and their manifest" },
        { name: 'review', description: "a restorer's edits of a completed reel's repairs, and its edit log" },
        { name: 'uploads', description: 'resumable (tus) and direct-to-bucket uploads, for reels too large for one request' },
        { name: 'health', description: 'liveness and readiness probes (no API key)' },
        { name: 'webhooks', description: "what the service POSTs to a reel's callbackUrl" },
      ],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'the API key: Authorization: Bearer <key>' } } },
      security: [{ apiKey: [] }],
      webhooks: WEBHOOKS as never,
    },
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      const schema = (out.schema ?? {}) as Json;
      if (schema.hide) return out;
      const methods = Array.isArray(doc.route.method) ? doc.route.method : [doc.route.method];
      const operationIds: Record<string, string> = {};
      for (const method of methods) {
        const id = OPERATION_IDS[`${method} ${doc.url}`];
        if (!id) throw new Error(`the route ${method} ${doc.url} has no operationId: add "${method} ${doc.url}" to OPERATION_IDS in services/api/src/plugins/docs.ts`);
        operationIds[method] = id;
      }
      const key = `${methods[0]} ${doc.url}`;
      const documented = methods.map((m) => documentedBodies[`${m} ${doc.url}`]).find(Boolean);
      const body = documented ? documentedBody(documented) : schema.body;
      const authenticated = !(Array.isArray(schema.security) && schema.security.length === 0);
      const route: RouteNote = { url: doc.url, operationIds };
      return {
        url: out.url,
        schema: {
          ...schema,
          ...(body ? { body } : {}),
          // Several methods share one operation object: transformObject gives each its own id.
          ...(methods.length === 1 ? { operationId: operationIds[methods[0]!] } : {}),
          response: completeResponses(key, schema.response as Json | undefined, { authenticated, hasBody: body !== undefined }),
          [ROUTE_EXTENSION]: route,
        } as FastifySchema,
      };
    },
    transformObject: (input) => finishDocument(jsonSchemaTransformObject(input) as Json),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * The document once every route is in: each method of a route its own operation (id, and what METHOD_DOCS
 * says of it), descriptions for the answers that have none, and only the component schemas it refers to
 * (fastify-type-provider-zod emits an input and an output variant of every registered schema).
 */
function finishDocument(doc: Json): Json {
  const components = doc.components as Json;
  const schemas = (components.schemas ?? {}) as Record<string, Json>;
  const paths = doc.paths as Record<string, Json>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const shared = item[method] as Json | undefined;
      if (!shared) continue;
      const op = structuredClone(shared);
      const route = op[ROUTE_EXTENSION] as RouteNote;
      delete op[ROUTE_EXTENSION];
      const key = `${method.toUpperCase()} ${route.url}`;
      op.operationId = route.operationIds[method.toUpperCase()];
      const extra = METHOD_DOCS[key];
      if (extra) {
        if (extra.parameters) op.parameters = [...((op.parameters as unknown[]) ?? []), ...(extra.parameters as unknown[])];
        if (extra.requestBody && !op.requestBody) op.requestBody = extra.requestBody;
        op.responses = { ...(extra.responses as Json), ...(op.responses as Json) };
      }
      const responses = op.responses as Record<string, Json>;
      for (const [code, r] of Object.entries(responses)) {
        if (r.description === 'Default Response') r.description = describedBy(r, schemas) ?? STATUS_CODES[Number(code)] ?? 'answer';
      }
      op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
      if (!Object.keys(responses).some((c) => /^[23]/.test(c))) throw new Error(`${key} documents no successful answer: give its route a response schema`);
      item[method] = op;
    }
    paths[path] = item;
  }
  components.schemas = reachableSchemas(doc, schemas);
  return doc;
}

/** The description of the component a response's body refers to. */
function describedBy(response: Json, schemas: Record<string, Json>): string | undefined {
  const media = Object.values((response.content ?? {}) as Record<string, Json>)[0];
  const ref = (media?.schema as Json | undefined)?.$ref;
  const description = typeof ref === 'string' ? schemas[ref.replace('#/components/schemas/', '')]?.description : undefined;
  return typeof description === 'string' ? description : undefined;
}

function reachableSchemas(doc: Json, schemas: Record<string, Json>): Record<string, Json> {
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        const name = v.slice('#/components/schemas/'.length);
        if (!seen.has(name)) {
          seen.add(name);
          visit(schemas[name]);
        }
      } else visit(v);
    }
  };
  visit({ ...doc, components: { ...(doc.components as Json), schemas: {} } });
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => seen.has(name)));
}
