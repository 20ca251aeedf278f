import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateJobDto } from './create-job.dto';

const problems = (fields: Record<string, unknown>) =>
  validateSync(plainToInstance(CreateJobDto, fields), { whitelist: true, forbidUnknownValues: true }).map((e) => e.property);

describe('CreateJobDto.callbackUrl', () => {
  it('takes an http or https URL, a host without a TLD included (a service name in compose)', () => {
    for (const url of ['https://hooks.example.com/geobatch?token=abc', 'http://receiver:8080/done', 'http://127.0.0.1:9000/x']) {
      assert.deepEqual(problems({ callbackUrl: url }), [], url);
    }
    assert.deepEqual(problems({}), [], 'optional');
  });

  it('refuses other schemes, relative URLs and anything longer than 2000 characters', () => {
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', '/jobs/done', 'example.com/hook', 'javascript:alert(1)']) {
      assert.deepEqual(problems({ callbackUrl: url }), ['callbackUrl'], url);
    }
    assert.deepEqual(problems({ callbackUrl: `https://example.com/${'a'.repeat(2000)}` }), ['callbackUrl']);
  });
});
