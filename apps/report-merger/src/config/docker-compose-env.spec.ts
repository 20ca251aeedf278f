// docker-compose.yml runs this app: what it sets there must be what this app's schema reads
// (the rest of the compose file is checked by tools/deploy/docker-compose.spec.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@geobatch/util-config';
import { composeServiceEnv, readComposeFile, variablesUnknownTo, withComposeDefaults } from '@geobatch/util-testing';
import { ReportMergerEnvSchema } from './report-merger-env.schema';

describe('docker-compose.yml', () => {
  it('report-merger: every variable it sets is one its configuration schema knows, and the values validate', () => {
    const env = composeServiceEnv('report-merger');
    const schemas: (new () => object)[] = [ReportMergerEnvSchema];
    assert.deepEqual(variablesUnknownTo(env, schemas), [], 'report-merger sets variables no schema reads');
    for (const schema of schemas) assert.doesNotThrow(() => loadConfig(schema, env), `report-merger env validates against ${schema.name}`);
  });

  it('report-merger: every webhook setting can be set from the host, and webhooks stay off without a secret', () => {
    const raw = readComposeFile().services['report-merger'].environment!;
    for (const name of ['WEBHOOK_SECRET', 'WEBHOOK_POLL_INTERVAL_MS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_RETRY_BASE_MS', 'GATEWAY_PUBLIC_URL']) {
      assert.match(String(raw[name]), new RegExp(`^\\$\\{${name}:-`), `${name} passes the host's value through`);
    }
    const config = loadConfig(ReportMergerEnvSchema, withComposeDefaults(raw));
    assert.equal(config.WEBHOOK_SECRET, '', 'no secret is baked into the file');
    assert.equal(config.WEBHOOK_MAX_ATTEMPTS, new ReportMergerEnvSchema().WEBHOOK_MAX_ATTEMPTS, 'same default as the schema');
  });
});
