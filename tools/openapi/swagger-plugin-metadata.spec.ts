import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateSwaggerMetadata, METADATA_FILE } from './swagger-metadata-generator';

const REPO_ROOT = resolve(__dirname, '../..');

describe('swagger-plugin-metadata.ts', () => {
  it('matches what the generator makes from the current contracts DTOs', async () => {
    const fresh = await generateSwaggerMetadata(REPO_ROOT);
    const committed = readFileSync(resolve(REPO_ROOT, METADATA_FILE), 'utf8');
    assert.ok(
      committed === fresh,
      `${METADATA_FILE} is stale: run \`node -r @swc-node/register tools/openapi/generate-swagger-metadata.ts\``,
    );
  });

  it('describes every contracts DTO the gateway answers with, reached through the barrel', async () => {
    const fresh = await generateSwaggerMetadata(REPO_ROOT);
    for (const dto of ['CreateJobDto', 'JobCreatedDto', 'JobStatusDto', 'JobRowsDto', 'ErrorResponseDto']) {
      assert.match(fresh, new RegExp(`"${dto}": \\{`), dto);
    }
    assert.doesNotMatch(fresh, /libs\/contracts/); // apps import libs only via @geobatch/* barrels
  });
});
