import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@geobatch/util-config';
import { JsonLogger } from '@geobatch/util-observability';
import type { GatewayConfig } from './config/gateway-config.module';
import { GatewayEnvSchema } from './config/gateway-env.schema';
import { createGatewayApp } from './create-gateway-app';
import { DOCS_PATH } from './openapi/openapi-document';

function loadGatewayConfig(): GatewayConfig {
  try {
    return loadConfig(GatewayEnvSchema);
  } catch (e) {
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`gateway: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = new JsonLogger('gateway', config.LOG_LEVEL);
  try {
    const app = await createGatewayApp(config, logger);
    await app.listen(config.PORT, config.HOST);
    const url = (await app.getUrl()).replace('[::1]', 'localhost');
    logger.log({ msg: 'gateway listening', url, docs: `${url}/${DOCS_PATH}`, chunkSize: config.CHUNK_SIZE });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    logger.error({ msg: 'gateway failed to start', error: err.message }, err.stack);
    process.exit(1);
  }
}

void main();
