import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ensureTopics } from '@geobatch/util-kafka';
import { GATEWAY_CLIENT_ID, type GatewayConfig } from './config/gateway-config.module';
import { GatewayModule } from './gateway.module';
import { DiscardUploadsOnErrorInterceptor } from './http/discard-uploads.interceptor';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { RequestIdMiddleware } from './http/request-id.middleware';
import { createValidationPipe } from './http/validation-pipe';
import { UPLOADS_DIR } from './jobs/hashing-disk-storage';
import { setupSwagger } from './openapi/openapi-document';
import { serveWebPage } from './web/web-page';

/**
 * Node cuts a request off after 5 minutes by default: too short for a 2 GiB upload over a slow
 * link. Headers must still arrive within Node's headersTimeout, so idle connections stay bounded.
 */
const UPLOAD_REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

/** Largest JSON body: 10,000 points with ids and text coordinates fit with room to spare. */
export const GEOCODE_BODY_LIMIT = '16mb';

/**
 * Builds the gateway application without listening, so main and the integration tests start
 * exactly the same thing. Topics are ensured first: publishing to a missing topic never works.
 */
export async function createGatewayApp(config: GatewayConfig, logger: LoggerService): Promise<NestExpressApplication> {
  await ensureTopics({ clientId: GATEWAY_CLIENT_ID, brokers: config.KAFKA_BROKERS });
  await mkdir(join(config.STORAGE_DIR, UPLOADS_DIR), { recursive: true });

  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    logger,
    abortOnError: false,
  });
  const requestIds = new RequestIdMiddleware();
  // Registered before the routes (and Swagger UI), so every request, even a 404, gets an id.
  app.use(requestIds.use.bind(requestIds));
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new DiscardUploadsOnErrorInterceptor());
  app.disable('x-powered-by');
  // `POST /geocode` takes up to 10,000 points: far beyond body-parser's default 100 kB.
  app.useBodyParser('json', { limit: GEOCODE_BODY_LIMIT });
  // The browser page at `/`; only its own files answer, every API path falls through to the routes.
  serveWebPage(app);
  app.enableShutdownHooks();
  (app.getHttpServer() as Server).requestTimeout = UPLOAD_REQUEST_TIMEOUT_MS;
  await setupSwagger(app);
  return app;
}
