import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { JobWebhookDto } from '@geobatch/contracts';
import swaggerPluginMetadata from './swagger-plugin-metadata';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';
/** Version of the HTTP API (bumped on a breaking change to a route or DTO). */
export const API_VERSION = '1.0.0';

type SchemaLike = { $ref?: string; properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };

/**
 * What Swagger UI's "Try it out" puts in a form field: the schema's `example`, else a made-up
 * sample (`string`, `0`, `true`) that it would send as the value. An optional field whose DTO
 * gives no `@example` (there is no value that suits every upload, e.g. `x` or `sheet`) gets an
 * empty one, so the field starts empty; an empty form field means "not given" (validation-pipe.ts).
 * The DTO's `@example` JSDoc (crs, nearestM, force) stays the one source of the examples.
 */
function emptyUnlessExampled(name: string, property: unknown, required: string[]): unknown {
  const schema = property as SchemaLike;
  if (required.includes(name) || schema.$ref || 'example' in schema || 'examples' in schema) return property;
  return { ...schema, example: '' };
}

/**
 * A multipart body cannot `$ref` its text fields and still render as a form in Swagger UI, so
 * a form schema marked `x-form-model: <Dto>` gets that DTO's properties (generated from the
 * contracts class, its base classes' too) copied in beside its binary parts.
 */
export function inlineFormModels(doc: OpenAPIObject): void {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, SchemaLike>;
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item as Record<string, { requestBody?: { content?: Record<string, { schema?: SchemaLike }> } }>)) {
      for (const media of Object.values(op?.requestBody?.content ?? {})) {
        const form = media.schema;
        const modelName = form?.['x-form-model'];
        if (!form || typeof modelName !== 'string') continue;
        const model = schemas[modelName];
        if (!model?.properties) throw new Error(`OpenAPI: form model ${modelName} has no generated schema`);
        const required = [...new Set([...(form.required ?? []), ...(model.required ?? [])])];
        const fields = Object.entries(model.properties).map(([name, p]) => [name, emptyUnlessExampled(name, p, required)]);
        form.properties = { ...form.properties, ...Object.fromEntries(fields) };
        form.required = required;
        delete form['x-form-model'];
      }
    }
  }
}

/** The OpenAPI document, with DTO schemas from the Swagger plugin metadata (see tools/openapi/swagger-metadata-generator.ts). */
export async function buildOpenApiDocument(app: INestApplication): Promise<OpenAPIObject> {
  await SwaggerModule.loadPluginMetadata(swaggerPluginMetadata);
  const config = new DocumentBuilder()
    .setTitle('Geobatch gateway')
    .setDescription(
      'Appends Korean administrative addresses (시도/시군구/읍면동/리) to spreadsheets of coordinates, offline. ' +
        'Upload a CSV with `POST /jobs`, poll `GET /jobs/{id}`, download `GET /jobs/{id}/result`. ' +
        'A job created with a `callbackUrl` gets a signed `POST` (body `JobWebhookDto`, header `X-Geobatch-Signature`) when it ends. ' +
        'Every error answers `ErrorResponseDto`; send `x-request-id` to correlate with the logs.',
    )
    .setVersion(API_VERSION)
    .addTag('jobs', 'Geocoding jobs')
    .addTag('datasets', 'Boundary datasets: list, import (admin), delete (admin)')
    .addTag('geocode', 'Synchronous lookup of up to 10,000 points')
    .addTag('health', 'Readiness')
    // Routes marked @ApiBearerAuth() name this scheme ('bearer'): `Authorization: Bearer <API key>`.
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'API key, sent as `Authorization: Bearer <key>`' })
    .build();
  // No route answers the webhook body; listed so its schema is documented beside the routes'.
  const doc = SwaggerModule.createDocument(app, config, { extraModels: [JobWebhookDto] });
  inlineFormModels(doc);
  return doc;
}

/** Swagger UI at `/docs`, the JSON document at `/docs-json`. */
export async function setupSwagger(app: INestApplication): Promise<OpenAPIObject> {
  const doc = await buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, doc, { jsonDocumentUrl: DOCS_JSON_PATH, yamlDocumentUrl: `${DOCS_PATH}-yaml` });
  return doc;
}
