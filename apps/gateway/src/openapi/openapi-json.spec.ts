import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, OPENAPI_JSON_FILE, serializeOpenApiDocument } from './openapi-json';

const REPO_ROOT = resolve(__dirname, '../../../..');

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` writes from the current routes and DTOs', async () => {
    const fresh = serializeOpenApiDocument(await generateOpenApiDocument());
    let committed = '';
    try {
      committed = readFileSync(resolve(REPO_ROOT, OPENAPI_JSON_FILE), 'utf8');
    } catch {
      // missing: reported as stale below
    }
    // Not assert.equal: a diff of two whole documents would bury the one line that matters.
    assert.ok(committed === fresh, 'docs/openapi.json is stale: run npm run openapi');
  });

  it('is built from the real module graph (every controller, bearer auth) without a broker or database', async () => {
    const doc = await generateOpenApiDocument();
    for (const path of ['/jobs', '/jobs/{id}', '/jobs/{id}/result', '/health']) assert.ok(doc.paths[path], path);
    assert.deepEqual(doc.components?.securitySchemes?.bearer, {
      ...(doc.components?.securitySchemes?.bearer as object),
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('serializes with sorted keys, two-space indent and a trailing newline, keeping DTO field order', () => {
    const text = serializeOpenApiDocument({
      openapi: '3.0.0',
      info: { version: '1', title: 't' },
      paths: { '/b': {}, '/a': {} },
      components: { schemas: { Z: { type: 'object', properties: { y: { type: 'string' }, x: { type: 'string' } } }, A: {} } },
    } as any);
    assert.ok(text.endsWith('}\n'));
    assert.match(text, /^\{\n {2}"components"/);
    assert.deepEqual(Object.keys(JSON.parse(text).paths), ['/a', '/b']);
    assert.deepEqual(Object.keys(JSON.parse(text).components.schemas), ['A', 'Z']);
    assert.deepEqual(Object.keys(JSON.parse(text).components.schemas.Z.properties), ['y', 'x']);
    assert.deepEqual(Object.keys(JSON.parse(text).info), ['title', 'version']);
  });
});
