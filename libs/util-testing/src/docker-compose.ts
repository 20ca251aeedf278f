import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { loadConfig } from '@geobatch/util-config';
import { REPO_ROOT } from './test-env';

/** The parts of a docker-compose.yml service the deploy specs read. */
export interface ComposeService {
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

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** The repository's docker-compose.yml, with YAML merge keys (`<<: *app-env`) applied. */
export function readComposeFile(): ComposeFile {
  return parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

/** Resolves `${VAR:-default}` the way compose does when VAR is unset. */
export function withComposeDefaults(env: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));
}

/** The environment a compose service sets, with the defaults compose would use. */
export function composeServiceEnv(service: string): Record<string, string> {
  return withComposeDefaults(readComposeFile().services[service]?.environment ?? {});
}

/** The variables an environment schema (a class-validator class) reads. */
export function schemaVariables(schema: new () => object): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false).map((m) => m.propertyName));
}

/** The variables of `env` that none of the schemas reads. */
export function variablesUnknownTo(env: Record<string, string>, schemas: (new () => object)[]): string[] {
  const known = new Set(schemas.flatMap((s) => [...schemaVariables(s)]));
  return Object.keys(env).filter((k) => !known.has(k));
}

/**
 * Asserts that every variable a compose service sets is one of these schemas reads, and that the
 * values (with compose's defaults) validate against each schema.
 */
export function assertComposeEnvFits(service: string, schemas: (new () => object)[]): void {
  const env = composeServiceEnv(service);
  assert.deepEqual(variablesUnknownTo(env, schemas), [], `${service} sets variables no schema reads`);
  for (const schema of schemas) assert.doesNotThrow(() => loadConfig(schema, env), `${service} env validates against ${schema.name}`);
}
