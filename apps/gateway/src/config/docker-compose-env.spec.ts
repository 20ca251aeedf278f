// docker-compose.yml runs this app: what it sets there must be what this app's schema reads
// (the rest of the compose file is checked by tools/deploy/docker-compose.spec.ts).
import { describe, it } from 'node:test';
import { assertComposeEnvFits } from '@geobatch/util-testing';
import { GatewayEnvSchema } from './gateway-env.schema';

describe('docker-compose.yml', () => {
  it('gateway: every variable it sets is one its configuration schema knows, and the values validate', () => assertComposeEnvFits('gateway', [GatewayEnvSchema]));
});
