import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * OpenAPI document at /docs/json and Swagger UI at /docs. Route schemas are zod; routes whose body is not
 * validated by a schema (the upload, which is streamed) describe it here, keyed "METHOD /url".
 */
export async function registerDocs(app: FastifyInstance, documentedBodies: Record<string, object>): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'reelrestore',
        version: '0.1.0',
        description: 'Restores scanned film: submit a reel, poll its status, download the restored output.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      const methods = Array.isArray(doc.route.method) ? doc.route.method : [doc.route.method];
      const body = methods.map((m) => documentedBodies[`${m} ${doc.url}`]).find(Boolean);
      return body ? { ...out, schema: { ...out.schema, body } } : out;
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
