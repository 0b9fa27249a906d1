/** Small builders of OpenAPI objects, for what zod schemas do not describe (headers, other servers' answers). */
export type Json = Record<string, unknown>;

export const header = (description: string, schema: Json = { type: 'string' }) => ({ description, schema });
export const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
export const headerParam = (name: string, description: string, schema: Json, required = true, example?: unknown) => ({
  name,
  in: 'header',
  required,
  description,
  schema,
  ...(example === undefined ? {} : { example }),
});

