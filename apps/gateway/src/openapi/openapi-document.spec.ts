import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DatasetsController } from '../datasets/datasets.controller';
import { DatasetsService } from '../datasets/datasets.service';
import { GeocodeController } from '../geocode/geocode.controller';
import { GeocodeService } from '../geocode/geocode.service';
import { HealthController } from '../health/health.controller';
import { HealthService } from '../health/health.service';
import { JobsController, XLSX_MIME } from '../jobs/jobs.controller';
import { JobsService } from '../jobs/jobs.service';
import { MAX_GEOCODE_DATASETS, MAX_GEOCODE_POINTS, MAX_NEAREST_M } from '@geobatch/contracts';
import { buildOpenApiDocument } from './openapi-document';

/** The real controllers with inert services: enough for Swagger to read every route. */
@Module({
  controllers: [JobsController, DatasetsController, GeocodeController, HealthController],
  providers: [
    { provide: JobsService, useValue: {} },
    { provide: DatasetsService, useValue: {} },
    { provide: GeocodeService, useValue: {} },
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
    assert.deepEqual(routes.sort(), [
      'DELETE /datasets/{id}',
      'DELETE /jobs/{id}',
      'GET /datasets',
      'GET /datasets/{id}',
      'GET /health',
      'GET /jobs',
      'GET /jobs/{id}',
      'GET /jobs/{id}/result',
      'POST /datasets',
      'POST /geocode',
      'POST /jobs',
      'POST /jobs/preview',
    ]);
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
    assert.deepEqual(status.required.sort(), ['createdAt', 'datasets', 'error', 'fileName', 'finishedAt', 'id', 'progress', 'resultUrl', 'rows', 'status']);
    assert.equal(status.properties.rows.$ref, '#/components/schemas/JobRowsDto');
    assert.equal(status.properties.progress.$ref, '#/components/schemas/JobProgressDto');
    assert.deepEqual(Object.keys(schema('JobProgressDto').properties).sort(), ['etaSeconds', 'fraction', 'rowsPerSecond', 'totalEstimated']);
    assert.deepEqual(status.properties.status.enum, ['queued', 'running', 'completed', 'failed', 'cancelled', 'expired']);
    assert.deepEqual(status.properties.datasets, { description: status.properties.datasets.description, type: 'array', items: { type: 'string' } });
    assert.equal(status.properties.resultUrl.nullable, true);
    const rows = schema('JobRowsDto');
    assert.equal(rows.properties.total.nullable, true);
    assert.match(rows.properties.total.description, /null until/);
    assert.deepEqual(schema('ErrorResponseDto').required, ['statusCode', 'error', 'message']);
    assert.deepEqual(Object.keys(schema('JobCreatedDto').properties), ['id', 'status', 'deduplicated']);
  });

  it('marks every jobs route as needing the bearer API key, with 401 and 429 answers; /health needs none', () => {
    assert.deepEqual(doc.components?.securitySchemes?.bearer, { ...doc.components?.securitySchemes?.bearer, type: 'http', scheme: 'bearer' });
    const jobs = Object.entries(doc.paths).filter(([p]) => p.startsWith('/jobs'));
    assert.equal(jobs.flatMap(([, item]) => Object.keys(item as object)).length, 6);
    for (const [path, item] of jobs) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        assert.deepEqual(operation.security, [{ bearer: [] }], `${method} ${path}`);
        assert.equal(operation.responses['401'].content['application/json'].schema.$ref, ERROR_REF, `${method} ${path}`);
        assert.ok(operation.responses['429'], `${method} ${path}`);
      }
    }
    assert.equal((doc.paths['/health'] as any).get.security, undefined);
    // Dedupe answers 200 with the same body as a new job's 202.
    assert.equal(op('/jobs', 'post').responses['200'].content['application/json'].schema.$ref, '#/components/schemas/JobCreatedDto');
    assert.equal(op('/jobs', 'get').responses['200'].content['application/json'].schema.$ref, '#/components/schemas/JobListDto');
    assert.deepEqual(
      op('/jobs', 'get').parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(),
      ['query:before', 'query:limit', 'query:offset'],
    );
    assert.equal(schema('CreateJobDto').properties.force.type, 'boolean');
  });

  it('documents POST /jobs as a multipart form: binary file plus the CreateJobDto fields', () => {
    const post = op('/jobs', 'post');
    const form = post.requestBody.content['multipart/form-data'].schema;
    // x and y are detected when omitted: only the file is required.
    assert.deepEqual(form.required, ['file']);
    assert.deepEqual(form.properties.file, { ...form.properties.file, type: 'string', format: 'binary' });
    assert.match(form.properties.x.description, /1-based column number/);
    assert.match(form.properties.x.description, /Detected when omitted/);
    assert.equal(form.properties.dataset.maxLength, 500);
    assert.match(form.properties.dataset.description, /comma-separated/);
    assert.deepEqual(form.properties.encoding.enum, ['auto', 'utf-8', 'cp949', 'euc-kr', 'utf-16le', 'utf-16be']);
    assert.deepEqual(form.properties.lang.enum, ['ko', 'en']);
    assert.deepEqual(form.properties.format.enum, ['xlsx', 'csv']);
    assert.match(form.properties.sheet.description, /name or 1-based number/);
    assert.match(form.properties.crs.description, /EPSG:4326/);
    assert.equal(form['x-form-model'], undefined);
    assert.equal(post.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/JobCreatedDto');
    assert.ok(post.responses['400'] && post.responses['413']);
  });

  it("prefills Swagger UI's POST /jobs form only with values that work: the DTOs' examples, else empty", () => {
    const form = op('/jobs', 'post').requestBody.content['multipart/form-data'].schema;
    const inherited = ['encoding', 'sheet', 'headerRow'];
    for (const name of inherited) assert.ok(form.properties[name], `CreateJobDto inherits ${name}`);
    const examples = Object.fromEntries(Object.entries(form.properties as Record<string, any>).filter(([n]) => n !== 'file').map(([n, p]) => [n, p.example]));
    // Without an example Swagger UI would send `string`, `0` or `true`: 400s, or nearest matching off.
    assert.deepEqual(examples, {
      x: '', y: '', dateColumn: '', dataset: '', lang: '', format: '', callbackUrl: '', encoding: '', sheet: '', headerRow: '',
      crs: 'EPSG:4326', nearestM: 200, force: false,
    });
    // The examples come from the DTO's `@example` JSDoc, so the component schema has them too.
    assert.equal(schema('CreateJobDto').properties.nearestM.example, 200);
    assert.equal(schema('CreateJobDto').properties.x.example, undefined);
    for (const [name, p] of Object.entries(op('/jobs/preview', 'post').requestBody.content['multipart/form-data'].schema.properties as Record<string, any>)) {
      if (name !== 'file') assert.equal(p.example, '', `preview ${name}`);
    }
  });

  it('documents POST /jobs/preview as a multipart form answering JobPreviewDto', () => {
    const post = op('/jobs/preview', 'post');
    const form = post.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(form.required, ['file']);
    // The UploadReadingDto fields PreviewJobDto inherits (as CreateJobDto does).
    assert.deepEqual(Object.keys(form.properties).sort(), ['encoding', 'file', 'headerRow', 'sheet']);
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
  it('documents the dataset routes: a multipart import with a file per level, bearer auth, 403/409 errors', () => {
    const post = op('/datasets', 'post');
    const form = post.requestBody.content['multipart/form-data'].schema;
    for (const level of ['sido', 'sigungu', 'eupmyeondong', 'ri']) assert.equal(form.properties[level].format, 'binary', level);
    for (const field of ['name', 'version', 'effectiveDate', 'attribution', 'srid', 'encoding', 'codeField', 'nameField']) assert.ok(form.properties[field], field);
    // `name` is required only without a preset (each preset has a default), so the service checks it.
    assert.deepEqual(form.required ?? [], []);
    assert.match(form.properties.preset.description, /`juso`.*`admdongkor`.*`kostat`/s);
    assert.equal(form.properties.files.items.format, 'binary');
    assert.deepEqual(post.responses['201'].content['application/json'].schema.oneOf, [
      { $ref: '#/components/schemas/DatasetDto' },
      { $ref: '#/components/schemas/DatasetListDto' },
    ]);
    assert.ok(post.responses['400'] && post.responses['403'] && post.responses['413']);
    assert.deepEqual(post.security, [{ bearer: [] }]);
    const del = (doc.paths['/datasets/{id}'] as any).delete;
    assert.ok(del.responses['204'] && del.responses['404'] && del.responses['409'] && del.responses['403']);
    assert.equal(op('/datasets', 'get').responses['200'].content['application/json'].schema.$ref, '#/components/schemas/DatasetListDto');
    const dataset = schema('DatasetDto');
    for (const field of ['id', 'name', 'version', 'effectiveDate', 'levels', 'featureCounts', 'attribution', 'createdAt', 'superseded']) {
      assert.ok(dataset.required.includes(field), field);
    }
  });

  it('documents POST /geocode with examples, the 10,000-point bound and a 504', () => {
    const post = op('/geocode', 'post');
    const body = post.requestBody.content['application/json'];
    assert.equal(body.schema.$ref, '#/components/schemas/GeocodeRequestDto');
    assert.ok(Object.keys(body.examples).length >= 2);
    const request = schema('GeocodeRequestDto');
    assert.equal(request.properties.points.maxItems, MAX_GEOCODE_POINTS);
    assert.equal(request.properties.datasets.maxItems, MAX_GEOCODE_DATASETS);
    assert.equal(request.properties.nearestM.maximum, MAX_NEAREST_M);
    assert.equal(post.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/GeocodeResponseDto');
    assert.ok(post.responses['400'] && post.responses['504'] && post.responses['503']);
    assert.deepEqual(post.security, [{ bearer: [] }]);
  });
});
