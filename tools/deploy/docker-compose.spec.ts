// Docker cannot run on the development machines, so this reads docker-compose.yml and the
// Dockerfiles and checks that they agree with the apps' configuration schemas and with each other.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { CommonEnvSchema, loadConfig } from '@geobatch/util-config';
import { REPO_ROOT } from '@geobatch/util-testing';
import { CliEnvSchema } from '../../apps/cli/src/config/cli-env.schema';
import { GatewayEnvSchema } from '../../apps/gateway/src/config/gateway-env.schema';
import { GeocoderEnvSchema } from '../../apps/geocoder/src/config/geocoder-env.schema';
import { ReportMergerEnvSchema } from '../../apps/report-merger/src/config/report-merger-env.schema';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  profiles?: string[];
  cpu_shares?: number;
}
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

type Schema = new () => object;
const APPS: Record<string, Schema[]> = {
  gateway: [GatewayEnvSchema],
  geocoder: [GeocoderEnvSchema],
  'report-merger': [ReportMergerEnvSchema],
  // The one-shot set-up runs the migration and topic tools (common schema) and the CLI.
  migrate: [CommonEnvSchema, CliEnvSchema],
};

function schemaVariables(schema: Schema): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false).map((m) => m.propertyName));
}

/** Resolves `${VAR:-default}` the way compose does when VAR is unset. */
function withDefaults(env: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
  );
}

function kafkaScriptVersion(): string {
  const m = /VERSION="\$\{KAFKA_VERSION:-([0-9.]+)\}"/.exec(readFileSync(join(REPO_ROOT, 'tools/stack/kafka.sh'), 'utf8'));
  assert.ok(m, 'kafka.sh declares its default version');
  return m[1];
}

describe('docker-compose.yml', () => {
  it('gives the report-merger, which sets the total of every job, more CPU weight than the services that can be scaled out', () => {
    const DEFAULT_SHARES = 1024;
    assert.ok((services['report-merger'].cpu_shares ?? DEFAULT_SHARES) > DEFAULT_SHARES);
    for (const app of ['gateway', 'geocoder']) assert.ok((services[app].cpu_shares ?? DEFAULT_SHARES) <= DEFAULT_SHARES, app);
  });

  it('describes the whole system: KRaft Kafka, PostGIS, the set-up step, the three apps and an optional Kafka UI', () => {
    assert.deepEqual(Object.keys(services).sort(), ['gateway', 'geocoder', 'kafka', 'kafka-ui', 'migrate', 'postgis', 'report-merger']);
    assert.equal(services.kafka.image, `apache/kafka:${kafkaScriptVersion()}`, 'the same Kafka as the local stack');
    const kafkaEnv = withDefaults(services.kafka.environment!);
    assert.equal(kafkaEnv.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.equal(kafkaEnv.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
    assert.equal(kafkaEnv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
    assert.equal(kafkaEnv.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR, '1');
    assert.match(services.postgis.image!, /^postgis\/postgis:15-/);
    assert.deepEqual(services['kafka-ui'].profiles, ['ui']);
    for (const name of ['kafka', 'postgis']) assert.ok(services[name].healthcheck, `${name} has a healthcheck`);
  });

  for (const [name, schemas] of Object.entries(APPS)) {
    it(`${name}: every variable it sets is one its configuration schema knows, and the values validate`, () => {
      const env = withDefaults(services[name].environment ?? {});
      const known = new Set(schemas.flatMap((s) => [...schemaVariables(s)]));
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      assert.deepEqual(unknown, [], `${name} sets variables no schema reads`);
      for (const schema of schemas) assert.doesNotThrow(() => loadConfig(schema, env), `${name} env validates against ${schema.name}`);
    });
  }

  for (const name of ['gateway', 'geocoder', 'report-merger', 'migrate']) {
    it(`${name}: builds from its own multi-stage, non-root Dockerfile and waits for its dependencies`, () => {
      const svc = services[name];
      const dockerfile = join(REPO_ROOT, svc.build!.dockerfile);
      assert.ok(existsSync(dockerfile), `${svc.build!.dockerfile} exists`);
      const text = readFileSync(dockerfile, 'utf8');
      assert.ok((text.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
      assert.match(text, /^USER node$/m, 'runs as a non-root user');
      if (name !== 'migrate') assert.match(text, /^HEALTHCHECK /m);
      assert.equal(svc.depends_on?.kafka?.condition, 'service_healthy');
      assert.equal(svc.depends_on?.postgis?.condition, 'service_healthy');
      if (name !== 'migrate') assert.equal(svc.depends_on?.migrate?.condition, 'service_completed_successfully');
    });
  }

  it('points every app at the compose broker, database and shared storage volume', () => {
    for (const name of ['gateway', 'geocoder', 'report-merger', 'migrate']) {
      const env = withDefaults(services[name].environment!);
      assert.equal(env.KAFKA_BROKERS, 'kafka:9092', name);
      assert.match(env.DATABASE_URL, /@postgis:5432\/geobatch$/, name);
    }
    for (const name of ['gateway', 'report-merger']) {
      const env = withDefaults(services[name].environment!);
      const mounts = (services[name].volumes ?? []).map((v) => v.split(':'));
      assert.ok(mounts.some(([vol, path]) => vol === 'storage' && path === env.STORAGE_DIR), `${name} mounts storage at STORAGE_DIR`);
    }
    assert.ok('storage' in compose.volumes);
  });

  it('report-merger: every webhook setting can be set from the host, and webhooks stay off without a secret', () => {
    const raw = services['report-merger'].environment!;
    for (const name of ['WEBHOOK_SECRET', 'WEBHOOK_POLL_INTERVAL_MS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_MAX_ATTEMPTS', 'WEBHOOK_RETRY_BASE_MS', 'GATEWAY_PUBLIC_URL']) {
      assert.match(String(raw[name]), new RegExp(`^\\$\\{${name}:-`), `${name} passes the host's value through`);
    }
    const config = loadConfig(ReportMergerEnvSchema, withDefaults(raw));
    assert.equal(config.WEBHOOK_SECRET, '', 'no secret is baked into the file');
    assert.equal(config.WEBHOOK_MAX_ATTEMPTS, new ReportMergerEnvSchema().WEBHOOK_MAX_ATTEMPTS, 'same default as the schema');
  });

  it('publishes the port the gateway listens on, and health-checks the port each worker serves', () => {
    const gw = withDefaults(services.gateway.environment!);
    assert.equal(gw.HOST, '0.0.0.0', 'reachable from outside the container');
    assert.ok(services.gateway.ports!.some((p) => withDefaults({ p }).p.endsWith(`:${gw.PORT}`)));
    for (const name of ['geocoder', 'report-merger']) {
      const env = withDefaults(services[name].environment!);
      assert.ok(Number(env.HTTP_PORT) > 0, `${name} serves /health for its HEALTHCHECK`);
      assert.match(readFileSync(join(REPO_ROOT, services[name].build!.dockerfile), 'utf8'), /HTTP_PORT\|\|9400/);
      assert.equal(env.HTTP_PORT, '9400');
    }
  });
});
