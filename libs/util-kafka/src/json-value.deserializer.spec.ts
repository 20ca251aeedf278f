import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaParser, KafkaRequestDeserializer } from '@nestjs/microservices';
import { decodeJsonValue, JsonValueDeserializer } from './json-value.deserializer';

describe('JsonValueDeserializer', () => {
  const values = [
    '{"jobId":"j","n":[1,2,3],"note":"서울 \\u0000"}',
    '[1,2]',
    '{not json',
    'plain text',
    '',
    '"a string"',
  ].map((s) => Buffer.from(s));
  values.push(Buffer.from([0, 1, 2, 3]));

  it('decodes a value exactly as Nest’s KafkaParser does', () => {
    const nest = new KafkaParser();
    for (const v of values) assert.deepEqual(decodeJsonValue(v), nest.decode(v), v.toString());
  });

  it('gives handlers the decoded event and leaves it on the message the context holds', async () => {
    const message = { key: 'k', offset: '7', value: Buffer.from('{"jobId":"j","chunk":3}'), headers: {} };
    const packet = await new JsonValueDeserializer().deserialize(message, { channel: 'geobatch.results.v2' });
    assert.deepEqual(packet, { pattern: 'geobatch.results.v2', data: { jobId: 'j', chunk: 3 } });
    assert.deepEqual(message.value, { jobId: 'j', chunk: 3 });
  });

  it('hands on a tombstone (null value) as Nest’s own deserializer does', async () => {
    const tombstone = () => ({ key: 'k', value: null, headers: {} });
    assert.deepEqual(
      await new JsonValueDeserializer().deserialize(tombstone(), { channel: 't' }),
      await new KafkaRequestDeserializer().deserialize(tombstone(), { channel: 't' }),
    );
  });
});
