// Docker cannot run on the development machines, so this reads docker-compose.yml and the
// Dockerfiles and checks that they agree with each other (and each app's spec, with its schema).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readComposeFile, REPO_ROOT, withComposeDefaults as withDefaults } from '@geobatch/util-testing';

// Each app's own spec (apps/*/src/config/docker-compose-env.spec.ts) checks that its service sets
// only variables its configuration schema reads: tools never import an app.
const compose = readComposeFile();
const services = compose.services;

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
    assert.deepEqual(Object.keys(services).sort(), ['gateway', 'geocoder', 'kafka', 'kafka-2', 'kafka-3', 'kafka-ui', 'migrate', 'postgis', 'report-merger']);
    assert.equal(services.kafka.image, `apache/kafka:${kafkaScriptVersion()}`, 'the same Kafka as the local stack');
    const kafkaEnv = withDefaults(services.kafka.environment!);
    assert.equal(kafkaEnv.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.equal(kafkaEnv.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
    assert.equal(kafkaEnv.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
    assert.equal(kafkaEnv.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR, '1');
    assert.match(services.postgis.image!, /^postgis\/postgis:15-/);
    assert.deepEqual(services['kafka-ui'].profiles, ['ui']);
    assert.equal(services.kafka.profiles, undefined, 'one node without any profile');
    for (const name of ['kafka', 'postgis']) assert.ok(services[name].healthcheck, `${name} has a healthcheck`);
  });

  it('runs a replicated three-node KRaft cluster behind the `cluster` profile with tools/deploy/kafka-cluster.env', () => {
    const clusterEnv = Object.fromEntries(
      readFileSync(join(REPO_ROOT, 'tools/deploy/kafka-cluster.env'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    // What compose would substitute with that env file in place of the one-node defaults.
    const resolved = (env: Record<string, string | number>) =>
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_, name: string, d: string) => clusterEnv[name] ?? d)]));
    assert.equal(clusterEnv.COMPOSE_PROFILES, 'cluster');
    const nodes = ['kafka', 'kafka-2', 'kafka-3'];
    nodes.forEach((name, i) => {
      const env = resolved(services[name].environment!);
      assert.equal(env.KAFKA_NODE_ID, String(i + 1), name);
      assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, '1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093', name);
      assert.equal(env.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://${name}:9092`, name);
      assert.equal(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '3', name);
      assert.equal(env.KAFKA_MIN_INSYNC_REPLICAS, '2', name);
      assert.ok(services[name].healthcheck, `${name} has a healthcheck`);
      if (i > 0) assert.deepEqual(services[name].profiles, ['cluster'], name);
    });
    for (const app of ['gateway', 'geocoder', 'report-merger', 'migrate']) {
      assert.equal(resolved(services[app].environment!).KAFKA_BROKERS, 'kafka:9092,kafka-2:9092,kafka-3:9092', app);
    }
  });

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
