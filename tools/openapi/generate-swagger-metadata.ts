// Regenerates apps/gateway/src/openapi/swagger-plugin-metadata.ts (the Swagger CLI plugin's
// output for an SWC build) from the contracts DTOs. Run after changing a DTO:
//   node -r @swc-node/register tools/openapi/generate-swagger-metadata.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateSwaggerMetadata, METADATA_FILE } from './swagger-metadata-generator';

async function main(): Promise<void> {
  const root = resolve(__dirname, '../..');
  const target = resolve(root, METADATA_FILE);
  const text = await generateSwaggerMetadata(root);
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) {
      console.error(`${METADATA_FILE} is stale; run without --check to regenerate`);
      process.exit(1);
    }
    console.log(`${METADATA_FILE} is up to date`);
    return;
  }
  writeFileSync(target, text);
  console.log(`wrote ${METADATA_FILE}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
