// The one-shot `migrate` service runs the migration and topic tools (common schema) and the CLI:
// what it sets there must be what those schemas read
// (the rest of the compose file is checked by tools/deploy/docker-compose.spec.ts).
import { describe, it } from 'node:test';
import { CommonEnvSchema } from '@geobatch/util-config';
import { assertComposeEnvFits } from '@geobatch/util-testing';
import { CliEnvSchema } from './cli-env.schema';

describe('docker-compose.yml', () => {
  it('migrate: every variable it sets is one its configuration schema knows, and the values validate', () => assertComposeEnvFits('migrate', [CommonEnvSchema, CliEnvSchema]));
});
