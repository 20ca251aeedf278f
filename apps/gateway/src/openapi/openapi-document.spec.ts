import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { HealthController } from '../health/health.controller';
import { HealthService } from '../health/health.service';
import { JobsController, XLSX_MIME } from '../jobs/jobs.controller';
import { JobsService } from '../jobs/jobs.service';
import { buildOpenApiDocument } from './openapi-document';

/** The real controllers with inert services: enough for Swagger to read every route. */
@Module({
  controllers: [JobsController, HealthController],
  providers: [
    { provide: JobsService, useValue: {} },
    { provide: HealthService, useValue: {} },
  ],
})
class DocsOnlyModule {}

const ERROR_REF = '#/components/schemas/ErrorResponseDto';

describe('OpenAPI document', () => {
  let app: INestApplication;
  let doc: OpenAPIObject;
  const schema = (name: string) => doc.components!.schemas![name] as any;
  const op = (path: string, method: 'get' | 'post') => (doc.paths[path] as any)[method];

  before(async () => {
    app = await NestFactory.create(DocsOnlyModule, { logger: false });
    doc = await buildOpenApiDocument(app);
  });
  after(() => app.close());

  it('has a title, description and version', () => {
    assert.equal(doc.info.title, 'Geobatch gateway');
    assert.ok(doc.info.description && doc.info.version);
  });

  it('lists exactly the gateway routes, each with a summary and only ErrorResponseDto errors', () => {
    const routes = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`));
    assert.deepEqual(routes.sort(), ['GET /health', 'GET /jobs/{id}', 'GET /jobs/{id}/result', 'POST /jobs', 'POST /jobs/preview']);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [, operation] of Object.entries(item as Record<string, any>)) {
        assert.ok(operation.summary, `${path} has a summary`);
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (path === '/health' || Number(status) < 400) continue;
          assert.equal(response.content['application/json'].schema.$ref, ERROR_REF, `${path} ${status}`);
        }
      }
    }
  });

  it('describes the contracts DTOs from the plugin metadata (types, nullability, enums, doc comments)', () => {
    const status = schema('JobStatusDto');
    assert.deepEqual(status.required.sort(), ['createdAt', 'datasets', 'error', 'fileName', 'finishedAt', 'id', 'resultUrl', 'rows', 'status']);
    assert.equal(status.properties.rows.$ref, '#/components/schemas/JobRowsDto');
    assert.deepEqual(status.properties.status.enum, ['queued', 'running', 'completed', 'failed', 'cancelled']);
    assert.deepEqual(status.properties.datasets, { description: status.properties.datasets.description, type: 'array', items: { type: 'string' } });
    assert.equal(status.properties.resultUrl.nullable, true);
    const rows = schema('JobRowsDto');
    assert.equal(rows.properties.total.nullable, true);
    assert.match(rows.properties.total.description, /null until/);
    assert.deepEqual(schema('ErrorResponseDto').required, ['statusCode', 'error', 'message']);
    assert.deepEqual(Object.keys(schema('JobCreatedDto').properties), ['id', 'status']);
  });

  it('documents POST /jobs as a multipart form: binary file plus the CreateJobDto fields', () => {
    const post = op('/jobs', 'post');
    const form = post.requestBody.content['multipart/form-data'].schema;
    // x and y are detected when omitted: only the file is required.
    assert.deepEqual(form.required, ['file']);
    assert.deepEqual(form.properties.file, { ...form.properties.file, type: 'string', format: 'binary' });
    assert.match(form.properties.x.description, /1-based column number/);
    assert.match(form.properties.x.description, /Detected when omitted/);
    assert.equal(form.properties.dataset.maxLength, 100);
    assert.deepEqual(form.properties.encoding.enum, ['auto', 'utf-8', 'cp949', 'euc-kr', 'utf-16le', 'utf-16be']);
    assert.deepEqual(form.properties.lang.enum, ['ko', 'en']);
    assert.deepEqual(form.properties.format.enum, ['xlsx', 'csv']);
    assert.match(form.properties.sheet.description, /name or 1-based number/);
    assert.match(form.properties.crs.description, /EPSG:4326/);
    assert.equal(form['x-form-model'], undefined);
    assert.equal(post.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/JobCreatedDto');
    assert.ok(post.responses['400'] && post.responses['413']);
  });

  it('documents POST /jobs/preview as a multipart form answering JobPreviewDto', () => {
    const post = op('/jobs/preview', 'post');
    const form = post.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(form.required, ['file']);
    assert.deepEqual(Object.keys(form.properties).sort(), ['encoding', 'file', 'sheet']);
    assert.equal(post.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/JobPreviewDto');
    const preview = schema('JobPreviewDto');
    for (const field of ['kind', 'encoding', 'delimiter', 'sheets', 'sheet', 'header', 'rows', 'x', 'y', 'crs']) {
      assert.ok(preview.required.includes(field), field);
    }
    assert.equal(preview.properties.x.nullable, true);
    assert.equal(schema('ColumnRefDto').properties.number.type, 'number');
  });

  it('documents the result as an XLSX download with 404 and 409', () => {
    const get = op('/jobs/{id}/result', 'get');
    assert.deepEqual(get.responses['200'].content[XLSX_MIME].schema, { type: 'string', format: 'binary' });
    assert.ok(get.responses['404'] && get.responses['409']);
    assert.equal(get.parameters[0].schema.format ?? get.parameters[0].format, 'uuid');
  });

  it('documents /health with the same body for 200 and 503', () => {
    const get = op('/health', 'get');
    for (const status of ['200', '503']) {
      assert.equal(get.responses[status].content['application/json'].schema.$ref, '#/components/schemas/HealthStatusDto');
    }
  });
});
