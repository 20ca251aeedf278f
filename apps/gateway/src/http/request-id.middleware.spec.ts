import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import { CapturingLogger } from '../testing/gateway-fakes';
import { RequestIdMiddleware, requestIdOf } from './request-id.middleware';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function run(header?: string) {
  const logs = new CapturingLogger();
  const req = { headers: header === undefined ? {} : { 'x-request-id': header }, method: 'GET', originalUrl: '/jobs/1?a=b' } as unknown as Request;
  const res = Object.assign(new EventEmitter(), {
    headers: {} as Record<string, string>,
    statusCode: 404,
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
  });
  let nextCalled = false;
  new RequestIdMiddleware(logs).use(req, res as unknown as Response, (() => (nextCalled = true)) as NextFunction);
  res.emit('finish');
  return { req, res, logs, nextCalled };
}

describe('RequestIdMiddleware', () => {
  it('keeps a plain x-request-id from the caller and echoes it', () => {
    const { req, res, nextCalled } = run('abc-123.x');
    assert.equal(requestIdOf(req), 'abc-123.x');
    assert.equal(res.headers['x-request-id'], 'abc-123.x');
    assert.ok(nextCalled);
  });

  it('makes a random UUID when none is given or the given one is unsafe', () => {
    for (const header of [undefined, '', 'bad id\n{"level":"error"}', 'x'.repeat(200)]) {
      const { req, res } = run(header);
      assert.match(requestIdOf(req)!, UUID);
      assert.equal(res.headers['x-request-id'], requestIdOf(req));
    }
  });

  it('logs one structured access line carrying the id', () => {
    const { logs } = run('req-9');
    assert.equal(logs.lines.length, 1);
    assert.deepEqual(
      { ...logs.lines[0].message, durationMs: 0 },
      { msg: 'request', requestId: 'req-9', method: 'GET', path: '/jobs/1', status: 404, durationMs: 0 },
    );
  });
});
