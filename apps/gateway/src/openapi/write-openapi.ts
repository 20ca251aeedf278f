// Writes the gateway's OpenAPI document to docs/openapi.json, with no broker or database:
//   npm run openapi            (rewrite the file; also `nx run gateway:openapi`)
//   npm run openapi -- --check (exit 1 when the file is stale)
// It lives in the gateway, not in tools/: the document is built from the gateway's own module
// graph, and tools never import an app (eslint.config.mjs).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiDocument, OPENAPI_JSON_FILE, serializeOpenApiDocument } from './openapi-json';

async function main(): Promise<void> {
  const target = resolve(__dirname, '../../../..', OPENAPI_JSON_FILE);
  const text = serializeOpenApiDocument(await generateOpenApiDocument());
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current !== text) {
      console.error(`${OPENAPI_JSON_FILE} is stale: run npm run openapi`);
      process.exit(1);
    }
    console.log(`${OPENAPI_JSON_FILE} is up to date`);
    return;
  }
  writeFileSync(target, text);
  console.log(`wrote ${OPENAPI_JSON_FILE}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
