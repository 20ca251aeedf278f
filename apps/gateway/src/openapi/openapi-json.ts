import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { loadConfig } from '@geobatch/util-config';
import { GatewayEnvSchema } from '../config/gateway-env.schema';
import { GatewayModule } from '../gateway.module';
import { buildOpenApiDocument } from './openapi-document';

/** Where `npm run openapi` writes the document, relative to the repository root. */
export const OPENAPI_JSON_FILE = 'docs/openapi.json';

/**
 * The gateway's OpenAPI document from the real module graph, with no broker or database:
 * Nest's preview mode resolves the graph without instantiating a provider or running a factory
 * (no connection, no topic), which is all Swagger needs to read the controllers. Every route a
 * module adds appears without this file knowing about it.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  // Defaults only: nothing the document says depends on the environment.
  const config = loadConfig(GatewayEnvSchema, {});
  const app = await NestFactory.create(GatewayModule.forRoot(config), { preview: true, logger: false, abortOnError: false });
  try {
    return await buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/**
 * Object keys that name things in a user-chosen order (form fields, DTO properties), or whose
 * values are sample data: their order is kept, everything else is sorted.
 */
const KEEP_ORDER_OF_CHILDREN = new Set(['properties']);
const VERBATIM = new Set(['example', 'examples', 'default', 'enum']);

function sortKeys(value: unknown, keepOrder = false): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!keepOrder) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(
    entries.map(([k, v]) => [k, VERBATIM.has(k) ? v : sortKeys(v, KEEP_ORDER_OF_CHILDREN.has(k))]),
  );
}

/** The file's text: keys in a stable order, two-space indent, a trailing newline. */
export function serializeOpenApiDocument(doc: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(doc), null, 2)}\n`;
}
