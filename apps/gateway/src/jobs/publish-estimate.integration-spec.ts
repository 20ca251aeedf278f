import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DataSource } from 'typeorm';
import { Topics, type JobStatusDto } from '@geobatch/contracts';
import { Dataset } from '@geobatch/geo-query';
import { EventPublisher } from '@geobatch/util-kafka';
import { JsonLogger } from '@geobatch/util-observability';
import { dropTestSchema, issueTestApiKey } from '@geobatch/util-testing';
import { gatewaySchemaUrl, openGatewaySchema, startTestGateway } from '../gateway-integration.testing';

/*
 * An XLSX job has a row total before the gateway has read its upload through: the publisher's
 * broker sends are held back (the job cannot be sealed), and GET /jobs/:id already reports the
 * sheet's rows, flagged as an estimate, with a fraction; once let go, the sealed exact total.
 */
describe('gateway: the row total of an XLSX job before it is sealed (real Postgres + Kafka)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'gateway-estimate-it-'));
  const schema = `estimate_it_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const databaseUrl = gatewaySchemaUrl(schema);
  let db: DataSource;
  let app: NestExpressApplication;
  let base: string;
  let apiKey: string;
  let dataset: Dataset;
  let release: () => void = () => undefined;
  const createdJobs: string[] = [];

  const authed = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${apiKey}` } });

  before(async () => {
    db = await openGatewaySchema(schema);
    ({ key: apiKey } = await issueTestApiKey(databaseUrl, { name: 'estimate-itest' }));
    dataset = await db.getRepository(Dataset).save({ name: `estimate-itest-${randomUUID().slice(0, 8)}`, version: '1', levels: ['sido'] });
    ({ app, base } = await startTestGateway({ DATABASE_URL: databaseUrl, STORAGE_DIR: storage, CHUNK_SIZE: '100', DATABASE_POOL_SIZE: '2' }, new JsonLogger('gateway', 'warn', () => undefined)));
  });

  after(async () => {
    release();
    await app?.close();
    if (db?.isInitialized) {
      if (createdJobs.length > 0) await db.query('DELETE FROM job WHERE id = ANY($1)', [createdJobs]);
      if (dataset) await db.getRepository(Dataset).delete({ id: dataset.id });
    }
    await dropTestSchema(db, schema);
    rmSync(storage, { recursive: true, force: true });
  });

  /** Holds every rows chunk this gateway sends until `release` is called. */
  function holdChunks(): void {
    const publisher = app.get(EventPublisher);
    const send = publisher.publish.bind(publisher);
    const gate = new Promise<void>((resolve) => (release = resolve));
    publisher.publish = async (topic, key, value) => {
      if (topic === Topics.rows.name) await gate;
      return send(topic, key, value);
    };
  }

  async function statusWhen(id: string, ok: (s: JobStatusDto) => boolean, what: string): Promise<JobStatusDto> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = (await (await authed(`/jobs/${id}`)).json()) as JobStatusDto;
      if (ok(status)) return status;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function submit(path: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path)]), 'points.xlsx');
    form.append('dataset', dataset.name);
    const res = await authed('/jobs', { method: 'POST', body: form });
    assert.equal(res.status, 202, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    createdJobs.push(id);
    return id;
  }

  /** A streamed exceljs workbook (no `<dimension>`: the rows are counted) with a blank row between data rows. */
  async function streamedWorkbook(rows: number): Promise<string> {
    const path = join(storage, `streamed-${rows}.xlsx`);
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path });
    const sheet = writer.addWorksheet('points');
    sheet.addRow(['id', 'lon', 'lat']).commit();
    // Data on rows 2 to rows + 2, but for row 11, which stays empty.
    let id = 0;
    for (let r = 2; r <= rows + 2; r++) {
      if (r === 11) continue;
      id++;
      const row = sheet.getRow(r);
      row.values = [id, 127 + (id % 100) / 1000, 37.5];
      row.commit();
    }
    sheet.commit();
    await writer.commit();
    return path;
  }

  it('reports an estimated total while the upload is being published, then the exact one once sealed', async () => {
    const path = await streamedWorkbook(3_000);
    holdChunks();
    const id = await submit(path);

    const early = await statusWhen(id, (s) => s.rows.total !== null, 'a total');
    const [{ sealed_at: sealedAt }] = await db.query('SELECT sealed_at FROM job WHERE id = $1', [id]);
    assert.equal(sealedAt, null, 'the job is not sealed yet');
    assert.equal(early.rows.total, 3_001, 'rows 2 to 3002 below the header, the blank row 11 included');
    assert.equal(early.progress.totalEstimated, true);
    assert.equal(early.progress.fraction, 0);

    release();
    const sealed = await statusWhen(id, (s) => !s.progress.totalEstimated, 'the seal');
    assert.equal(sealed.rows.total, 3_001);
    assert.equal(sealed.rows.blank, 1);
  });
});
