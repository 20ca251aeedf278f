import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { issueTestApiKey, SAMPLE_INPUTS, testEnv, waitFor } from '@geobatch/util-testing';

/** What the suites read of `GET /jobs/:id`; each names the further fields it looks at. */
export interface JobStatusView {
  status: string;
  error: string | null;
}

/** The gateway's job API as a client with one API key sees it, asserting the plain successes on the way. */
export class JobsApi {
  /** Issued by `issueKey` (in `before`): every call carries it. */
  private apiKey = '';

  constructor(private readonly base: string) {}

  /** Issues a test API key named `name` for the calls that follow; resolves with its id (to delete it after). */
  async issueKey(name: string): Promise<string> {
    const { key, keyId } = await issueTestApiKey(testEnv.TEST_DATABASE_URL, { name });
    this.apiKey = key;
    return keyId;
  }

  get auth(): { authorization: string } {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  /** `POST /jobs` with this file (a path, or the bytes) and form fields, as it answers. */
  submit(file: string | Buffer, fields: Record<string, string>, name: string): Promise<Response> {
    const form = new FormData();
    form.set('file', new Blob([typeof file === 'string' ? readFileSync(file) : file]), name);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    return fetch(`${this.base}/jobs`, { method: 'POST', body: form, headers: this.auth });
  }

  /** Submits and asserts the job is accepted (202 with a v4 UUID); resolves with its id. */
  async upload(file: string | Buffer, fields: Record<string, string>, name = 'overspeed-200.utf8.csv'): Promise<string> {
    const res = await this.submit(file, fields, name);
    const body = (await res.json()) as { id: string; status: string };
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    return body.id;
  }

  async job<V extends JobStatusView>(id: string): Promise<V> {
    const res = await fetch(`${this.base}/jobs/${id}`, { headers: this.auth });
    assert.equal(res.status, 200);
    return (await res.json()) as V;
  }

  /** Polls the job until it completes; fails at once when it fails. */
  waitForCompletion<V extends JobStatusView>(id: string, timeoutMs = 120_000, everyMs?: number): Promise<V> {
    return waitFor(`job ${id} to complete`, async () => {
      const view = await this.job<V>(id);
      assert.notEqual(view.status, 'failed', `job failed: ${view.error}`);
      return view.status === 'completed' ? view : undefined;
    }, timeoutMs, everyMs);
  }

  /** `GET /jobs/:id/result` as an XLSX, named `…_주소변환.xlsx`. */
  async downloadWorkbook(id: string): Promise<ExcelJS.Workbook> {
    const res = await fetch(`${this.base}/jobs/${id}/result`, { headers: this.auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /_%EC%A3%BC%EC%86%8C%EB%B3%80%ED%99%98\.xlsx/); // _주소변환.xlsx
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    return wb;
  }
}

/** The sample's header line, split the plainest way. */
export function sampleHeader(): string[] {
  return readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',');
}

/** The sample's data rows, read with the plainest possible split: it has no quotes, so this is an independent reading. */
export function sampleRows(): string[][] {
  const lines = readFileSync(SAMPLE_INPUTS.utf8Csv, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
  return lines.slice(1).map((l) => l.split(',').map((c) => c.trim()));
}

/**
 * A result cell as Excel shows it: a CSV number written as a number cell with the decimals it was sent
 * with (`35.736320` is 35.73632 with format `0.000000`) reads back as that text; anything else as its value.
 */
export function shownText(cell: ExcelJS.Cell): string {
  const decimals = /^0\.(0+)$/.exec(typeof cell.numFmt === 'string' ? cell.numFmt : '');
  if (typeof cell.value === 'number' && decimals) return cell.value.toFixed(decimals[1].length);
  return String(cell.value ?? '');
}

/** The header row of a sheet, cell by cell (an empty header cell reads back as no value at all). */
export function headerOf(sheet: ExcelJS.Worksheet, width: number): string[] {
  return Array.from({ length: width }, (_, i) => String(sheet.getRow(1).getCell(i + 1).value ?? ''));
}
