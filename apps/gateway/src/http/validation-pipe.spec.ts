import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Body, Controller, Module, Post, UseInterceptors, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AnyFilesInterceptor } from '@nestjs/platform-express';
import { CreateJobDto, GeocodeRequestDto } from '@geobatch/contracts';
import { createValidationPipe, dropEmptyFormFields } from './validation-pipe';

/** Echoes what the pipe made of the body: a form as the upload routes read it, and a JSON body. */
@Controller()
class EchoController {
  @Post('form')
  @UseInterceptors(AnyFilesInterceptor())
  form(@Body() fields: CreateJobDto): CreateJobDto {
    return fields;
  }

  @Post('json')
  json(@Body() body: GeocodeRequestDto): GeocodeRequestDto {
    return body;
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('gateway ValidationPipe', () => {
  let app: INestApplication;
  let base = '';

  before(async () => {
    app = await NestFactory.create(EchoModule, { logger: false });
    app.useGlobalPipes(createValidationPipe());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });
  after(() => app.close());

  /** The form Swagger UI sends on "Try it out" with only x and y filled in: every other field empty. */
  const swaggerForm = (fields: Record<string, string | string[]>): FormData => {
    const form = new FormData();
    form.set('file', new Blob(['x,y\n127,37\n']), 'points.csv');
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
    }
    return form;
  };
  const postForm = async (fields: Record<string, string | string[]>) => {
    const res = await fetch(`${base}/form`, { method: 'POST', body: swaggerForm(fields) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('treats an empty multipart field as not given (the form cannot leave it out)', async () => {
    const empty = { sheet: '', headerRow: '', dateColumn: '', dataset: '', encoding: '', lang: '', format: '', callbackUrl: '', crs: '', nearestM: '', force: '' };
    const { status, body } = await postForm({ x: 'E', y: 'F', ...empty });
    assert.equal(status, 201, JSON.stringify(body));
    assert.deepEqual(body, { x: 'E', y: 'F' });
  });

  it('still checks the fields that are filled in, and converts them as before', async () => {
    const ok = await postForm({ x: '5', y: '', crs: 'EPSG:4326', nearestM: '200', force: 'false', headerRow: '4' });
    assert.deepEqual(ok.body, { x: '5', crs: 'EPSG:4326', nearestM: 200, force: false, headerRow: 4 });
    const bad = await postForm({ x: 'E', crs: 'string', nearestM: '0.5', sheet: '' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /^crs: .*; nearestM: /);
    assert.doesNotMatch(String(bad.body.message), /sheet/);
  });

  it('drops the empty ones among a repeated field: one filled-in value arrives as a plain value', async () => {
    assert.deepEqual((await postForm({ x: ['', 'E'], dataset: ['kostat', '', 'admdong'] })).body, { x: 'E', dataset: 'kostat,admdong' });
    assert.deepEqual(dropEmptyFormFields({ a: ['', ''], b: [''], c: ['1'], d: 0 }), Object.assign(Object.create(null), { c: ['1'], d: 0 }));
  });

  it('keeps refusing an empty value in a JSON body, with a message that says what to do', async () => {
    const res = await fetch(`${base}/json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ x: 127, y: 37 }], crs: '' }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /^crs: 비어 있습니다 \(empty: leave the field out instead\)$/);
  });
});
