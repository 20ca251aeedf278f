import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, NotFoundException, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { CapturingLogger } from '../testing/gateway-fakes';
import { HttpExceptionFilter } from './http-exception.filter';

function fakeHost(opts: { headersSent?: boolean; requestId?: string } = {}) {
  const res = {
    headersSent: opts.headersSent ?? false,
    statusCode: 200,
    body: undefined as unknown,
    destroyed: false,
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    json(body: unknown) {
      this.body = body;
      return this;
    },
    destroy() {
      this.destroyed = true;
    },
  };
  const req = { method: 'POST', originalUrl: '/jobs?x=1', requestId: opts.requestId };
  const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
  return { host, res };
}

describe('HttpExceptionFilter', () => {
  it('answers an HttpException as ErrorResponseDto with the request id', () => {
    const { host, res } = fakeHost({ requestId: 'req-1' });
    new HttpExceptionFilter(new CapturingLogger()).catch(new NotFoundException('job x not found'), host);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.body, { statusCode: 404, error: 'Not Found', message: 'job x not found', requestId: 'req-1' });
  });

  it('joins a list of validation messages into one string', () => {
    const { host, res } = fakeHost();
    new HttpExceptionFilter(new CapturingLogger()).catch(new BadRequestException(['x: required', 'y: required']), host);
    assert.deepEqual(res.body, { statusCode: 400, error: 'Bad Request', message: 'x: required; y: required' });
  });

  it('keeps the message of a deliberate 5xx', () => {
    const { host, res } = fakeHost();
    new HttpExceptionFilter(new CapturingLogger()).catch(new ServiceUnavailableException('kafka is down'), host);
    assert.equal(res.statusCode, 503);
    assert.equal((res.body as { message: string }).message, 'kafka is down');
  });

  it('hides any other error behind "internal error", and logs the real one with the request id', () => {
    const { host, res } = fakeHost({ requestId: 'req-2' });
    const logs = new CapturingLogger();
    const err = Object.assign(new Error('duplicate key value violates unique constraint "job_pkey"'), {
      query: 'INSERT INTO job (id) VALUES ($1)',
    });
    new HttpExceptionFilter(logs).catch(err, host);
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.body, { statusCode: 500, error: 'Internal Server Error', message: 'internal error', requestId: 'req-2' });
    assert.doesNotMatch(JSON.stringify(res.body), /INSERT|job_pkey|at /);
    const [line] = logs.lines.filter((l) => l.level === 'error');
    assert.equal(line.message.requestId, 'req-2');
    assert.match(line.message.error, /job_pkey/);
    assert.match(String(line.rest[0]), /Error: duplicate key/); // the stack goes to the log only
  });

  it('cuts off a response that already started streaming', () => {
    const { host, res } = fakeHost({ headersSent: true });
    new HttpExceptionFilter(new CapturingLogger()).catch(new Error('read failed'), host);
    assert.equal(res.destroyed, true);
    assert.equal(res.body, undefined);
  });
});
