import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { CreateJobDto } from '@geobatch/contracts';
import { jobFieldOptions, jobFields } from './commands/submit.command';
import { FakeGateway, jobView, sendError, sendJson } from './testing/fake-gateway';
import { runCapture, type RunOptions } from './testing/run-cli';

const CSV = 'company,plate,x,y\nA,12가3456,127.0276,37.4979\nB,34나5678,126.9780,37.5665\n';
const XLSX = Buffer.from('PK\u0003\u0004 a workbook, byte for byte \u00ff\u0000\u0001', 'latin1');
const RESULT_NAME = 'overspeed_주소변환.xlsx';
const DISPOSITION = `attachment; filename="overspeed_geocoded.xlsx"; filename*=UTF-8''${encodeURIComponent(RESULT_NAME)}`;
/** Fast polling and a short retry window keep the tests quick. */
const FAST = ['--interval', '0.01', '--retry', '0.3'];

describe('gateway commands against a fake gateway', () => {
  let gw: FakeGateway;
  let dir: string;
  let csv: string;
  let id: string;
  const run = (argv: string[], options: RunOptions = {}) =>
    runCapture(argv, { ...options, env: { GEOBATCH_URL: gw.url, INIT_CWD: dir, ...options.env } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'geobatch-cli-gw-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    id = randomUUID();
    for (const f of await readdir(dir)) await rm(join(dir, f), { recursive: true, force: true });
    csv = join(dir, 'overspeed.csv');
    await writeFile(csv, CSV);
    gw = new FakeGateway();
    await gw.start();
  });
  afterEach(async () => {
    await gw.stop();
  });

  /** A job that is accepted, runs through a few polls and completes with a workbook. */
  function happyJob(disposition: string | undefined = DISPOSITION): void {
    gw.acceptJobs(id)
      .jobViews(id, [
        jobView(id, 'queued', 0, null),
        jobView(id, 'running', 0, 4),
        jobView(id, 'running', 0, 4),
        jobView(id, 'running', 2, 4),
        jobView(id, 'completed', 4, 4),
      ])
      .result(id, XLSX, disposition);
  }

  describe('submit', () => {
    it('uploads the file with its fields, follows the job and writes the workbook under the name from Content-Disposition', async () => {
      happyJob();
      const r = await run([
        'submit', 'overspeed.csv', '--x', 'x', '--y', '위도', '--dataset', 'kostat',
        '--crs', 'epsg:5179', '--encoding', 'cp949', '--sheet', '2', '--lang', 'en', '--format', 'xlsx', ...FAST,
      ]);
      assert.equal(r.code, 0, r.err.join('\n'));

      const [upload] = gw.requestsTo('POST', '/jobs');
      assert.match(String(upload.headers['content-type']), /^multipart\/form-data; boundary=/);
      assert.equal(Number(upload.headers['content-length']), upload.body.length, 'a Content-Length the body keeps to');
      assert.deepEqual(upload.fields, { x: 'x', y: '위도', dataset: 'kostat', crs: 'EPSG:5179', encoding: 'cp949', sheet: '2', lang: 'en', format: 'xlsx' });
      assert.equal(upload.files.file.name, 'overspeed.csv');
      assert.equal(upload.files.file.type, 'text/csv');
      assert.equal(upload.files.file.bytes.toString('utf8'), CSV);
      assert.equal(upload.headers.authorization, undefined, 'no key configured, no Authorization header');

      const written = join(dir, RESULT_NAME);
      assert.deepEqual(await readFile(written), XLSX);
      assert.deepEqual((await readdir(dir)).sort(), ['overspeed.csv', RESULT_NAME].sort(), 'no .part file left behind');
      assert.equal(r.out[0], `uploading overspeed.csv (${Buffer.byteLength(CSV)} B) to ${gw.url}`);
      assert.equal(r.out[1], `job ${id} queued`);
      assert.equal(r.out.at(-2), `job ${id} completed in 12.5 s: 4 rows: 3 ok, 1 problems, 0 blank lines skipped`);
      assert.equal(r.out.at(-1), `wrote ${written} (${XLSX.length} B)`);
      assert.deepEqual(r.err, []);
    });

    it('sends only the fields given: without --x/--y the gateway detects the columns', async () => {
      happyJob();
      await writeFile(join(dir, '측정 자료.xlsx'), XLSX);
      const r = await run(['submit', '측정 자료.xlsx', '--no-wait']);
      assert.equal(r.code, 0, r.err.join('\n'));
      const [upload] = gw.requestsTo('POST', '/jobs');
      assert.deepEqual(upload.fields, {});
      assert.equal(upload.files.file.name, '측정 자료.xlsx');
      assert.equal(upload.files.file.type, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      assert.deepEqual(upload.files.file.bytes, XLSX);
    });

    it('prints one plain line per change when stdout is not a terminal', async () => {
      happyJob();
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST]);
      assert.equal(r.code, 0, r.err.join('\n'));
      const progress = r.out.filter((l) => l.startsWith(`job ${id} `));
      assert.equal(progress[0], `job ${id} queued`, 'the id, as soon as the job exists');
      assert.equal(progress[1], `job ${id} queued`, 'the first poll');
      assert.match(progress[2], new RegExp(`^job ${id} running 0/4 rows( \\(\\d+(\\.\\d)? rows/s\\))?$`));
      assert.match(progress[3], new RegExp(`^job ${id} running 2/4 rows \\(\\d+(\\.\\d)? rows/s\\)$`));
      assert.match(progress[4], new RegExp(`^job ${id} completed in 12\\.5 s`));
      assert.equal(progress.length, 5, `the repeated running 0/4 answer prints nothing: ${progress.join(' | ')}`);
      assert.equal(r.screen, '', 'no bar drawn');
      assert.doesNotMatch(r.out.join('\n'), /\u001b\[/, 'no terminal escapes in plain output');
    });

    it('draws a progress bar with rows, rows/s and ETA on a terminal instead of plain lines', async () => {
      gw.acceptJobs(id)
        .jobViews(id, [jobView(id, 'running', 1, null), jobView(id, 'running', 2, 4), jobView(id, 'completed', 4, 4)])
        .result(id, XLSX, DISPOSITION);
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST], { tty: true });
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.match(r.screen, new RegExp(`job ${id.slice(0, 8)} running .*\\s+50% 2/4 rows \\| (\\d+|-) rows/s \\| ETA `));
      assert.match(r.screen, /100% 4\/4 rows/);
      assert.match(r.screen, new RegExp(`job ${id.slice(0, 8)} running +░{30} +--% 1/\\? rows`), 'an empty bar while the total is unknown');
      assert.match(r.screen, new RegExp(`uploading [█░]+ 100% ${Buffer.byteLength(CSV)} B/${Buffer.byteLength(CSV)} B \\|`), 'an upload bar first');
      assert.match(r.screen, /\u001b\[/, 'redrawn in place');
      assert.equal(r.out.filter((l) => / running /.test(l)).length, 0, 'no plain progress lines on a terminal');
      assert.match(r.out.at(-1)!, /^wrote /);
    });

    it('sends Authorization: Bearer with the key from GEOBATCH_API_KEY on every request, and --key overrides it', async () => {
      happyJob();
      assert.equal((await run(['submit', csv, '--x', '3', '--y', '4', ...FAST], { env: { GEOBATCH_API_KEY: 'env-key' } })).code, 0);
      assert.ok(gw.requests.length >= 3);
      assert.deepEqual([...new Set(gw.requests.map((q) => q.headers.authorization))], ['Bearer env-key']);
      gw.requests.length = 0;
      assert.equal((await run(['status', id, '--key', 'flag-key'], { env: { GEOBATCH_API_KEY: 'env-key' } })).code, 0);
      assert.equal(gw.requests[0].headers.authorization, 'Bearer flag-key');
    });

    it('takes the gateway from --url over GEOBATCH_URL', async () => {
      happyJob();
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--url', gw.url, ...FAST], { env: { GEOBATCH_URL: 'http://127.0.0.1:1' } });
      assert.equal(r.code, 0, r.err.join('\n'));
    });

    it('never overwrites: a taken server name gets " (1)", an existing --out needs --force', async () => {
      happyJob();
      await writeFile(join(dir, RESULT_NAME), 'mine');
      const first = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST]);
      assert.equal(first.code, 0, first.err.join('\n'));
      assert.equal(await readFile(join(dir, RESULT_NAME), 'utf8'), 'mine');
      assert.deepEqual(await readFile(join(dir, 'overspeed_주소변환 (1).xlsx')), XLSX);
      assert.equal(first.out.at(-1), `wrote ${join(dir, 'overspeed_주소변환 (1).xlsx')} (${XLSX.length} B)`);

      const uploads = gw.requestsTo('POST', '/jobs').length;
      const refused = await run(['submit', csv, '--x', '3', '--y', '4', '--out', 'mine.xlsx', ...FAST].map((a) => a.replace('mine.xlsx', RESULT_NAME)));
      assert.equal(refused.code, 2);
      assert.match(refused.err.join('\n'), /already exists; choose another path or add --force/);
      assert.equal(gw.requestsTo('POST', '/jobs').length, uploads, 'refused before uploading anything');

      const forced = await run(['submit', csv, '--x', '3', '--y', '4', '--out', RESULT_NAME, '--force', ...FAST]);
      assert.equal(forced.code, 0, forced.err.join('\n'));
      assert.deepEqual(await readFile(join(dir, RESULT_NAME)), XLSX);
    });

    it('writes into an --out directory under the server name', async () => {
      happyJob();
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--out', '.', ...FAST]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.deepEqual(await readFile(join(dir, RESULT_NAME)), XLSX);
    });

    it('--no-wait prints the id and how to follow it, without polling', async () => {
      happyJob();
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--no-wait']);
      assert.equal(r.code, 0);
      assert.equal(r.out[1], `job ${id} queued`);
      assert.match(r.out.join('\n'), new RegExp(`status ${id}`));
      assert.equal(gw.requestsTo('GET', /^\/jobs\//).length, 0);
    });

    it('says when the gateway answered an earlier job for the same file, and --new-job sends force=true', async () => {
      gw.on('POST', /^\/jobs$/, (_req, res) => sendJson(res, 200, { id, status: 'completed', deduplicated: true }));
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--no-wait']);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.equal(r.out[1], `job ${id} completed: this file was sent before with the same options, so that job answers (--new-job starts another)`);
      assert.equal(gw.requestsTo('POST', '/jobs')[0].fields.force, undefined);
      assert.equal((await run(['submit', csv, '--x', '3', '--y', '4', '--no-wait', '--new-job'])).code, 0);
      assert.equal(gw.requestsTo('POST', '/jobs')[1].fields.force, 'true');
    });
  });

  describe('exit codes', () => {
    it('1 when the job fails, with the reason the gateway gives', async () => {
      gw.acceptJobs(id).jobViews(id, [jobView(id, 'running', 1, 4), jobView(id, 'failed', 1, 4, { error: 'the upload could not be read: line 3: unterminated quote' })]);
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST]);
      assert.equal(r.code, 1);
      assert.deepEqual(r.err, [`error: job ${id} failed: the upload could not be read: line 3: unterminated quote`]);
      assert.equal(gw.requestsTo('GET', `/jobs/${id}/result`).length, 0);
    });

    it('1 when the job is cancelled', async () => {
      gw.acceptJobs(id).jobViews(id, [jobView(id, 'cancelled', 0, 4)]);
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST]);
      assert.equal(r.code, 1);
      assert.match(r.err.join('\n'), new RegExp(`job ${id} was cancelled`));
    });

    it("2 when the gateway refuses the upload (400), with its message and request id", async () => {
      gw.on('POST', /^\/jobs$/, (_q, res) => sendError(res, 400, 'y: 열 "위도"이(가) 없습니다 (no such column)', 'req-42'));
      const r = await run(['submit', csv, '--x', '3', '--y', '위도', ...FAST]);
      assert.equal(r.code, 2);
      assert.deepEqual(r.err, ['error: y: 열 "위도"이(가) 없습니다 (no such column) (HTTP 400 from POST /jobs, request req-42)']);
    });

    it('2 for an unknown job id (404)', async () => {
      const r = await run(['status', id]);
      assert.equal(r.code, 2);
      assert.match(r.err.join('\n'), /Cannot GET \/jobs\/.* \(HTTP 404 from GET \/jobs\//);
    });

    it('3 when the gateway fails (500)', async () => {
      gw.on('POST', /^\/jobs$/, (_q, res) => sendError(res, 500, 'internal error'));
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST]);
      assert.equal(r.code, 3);
      assert.match(r.err.join('\n'), /^error: internal error \(HTTP 500 from POST \/jobs/);
    });

    it('3 when nothing listens at the URL, saying where it looked', async () => {
      const url = gw.url;
      await gw.stop();
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST], { env: { GEOBATCH_URL: url } });
      assert.equal(r.code, 3);
      assert.match(r.err.join('\n'), new RegExp(`^error: cannot reach the gateway at ${url}: .*ECONNREFUSED.*set --url or GEOBATCH_URL`));
      assert.doesNotMatch(r.err.join('\n'), /\n\s+at /, 'no stack trace');
    });

    it('3 when the gateway stops answering while the job runs, after retrying for --retry seconds', async () => {
      let polls = 0;
      gw.acceptJobs(id).on('GET', new RegExp(`^/jobs/${id}$`), (_q, res) => (polls++ === 0 ? sendJson(res, 200, jobView(id, 'running', 1, 4)) : sendError(res, 503, 'database unavailable')));
      const started = Date.now();
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--interval', '0.01', '--retry', '0.2']);
      assert.equal(r.code, 3);
      assert.ok(polls >= 3, `retried (${polls} polls)`);
      assert.ok(Date.now() - started < 5_000);
      assert.match(r.out.join('\n'), /database unavailable.*retrying/);
      assert.match(r.err.join('\n'), /database unavailable \(HTTP 503/);
    });

    it('carries on when the gateway is back within --retry', async () => {
      let polls = 0;
      gw.acceptJobs(id)
        .result(id, XLSX, DISPOSITION)
        .on('GET', new RegExp(`^/jobs/${id}$`), (_q, res) => {
          polls++;
          if (polls === 2 || polls === 3) return sendError(res, 503, 'restarting');
          sendJson(res, 200, polls < 4 ? jobView(id, 'running', 1, 4) : jobView(id, 'completed', 4, 4));
        });
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--interval', '0.01', '--retry', '5']);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.deepEqual(await readFile(join(dir, RESULT_NAME)), XLSX);
    });

    it('3 when the download breaks off, leaving no partial file', async () => {
      gw.acceptJobs(id)
        .jobViews(id, [jobView(id, 'completed', 4, 4)])
        .on('GET', new RegExp(`^/jobs/${id}/result$`), (_q, res) => {
          res.writeHead(200, { 'content-length': 1000, 'content-disposition': DISPOSITION });
          res.write(XLSX);
          setTimeout(() => res.destroy(), 20);
        });
      const r = await run(['submit', csv, '--x', '3', '--y', '4', ...FAST]);
      assert.equal(r.code, 3, r.err.join('\n'));
      assert.match(r.err.join('\n'), /the download broke off/);
      assert.deepEqual(await readdir(dir), ['overspeed.csv']);
    });

    it('2 for usage errors, before any request: missing file, directory, missing argument, bad flag value, unknown command or option, bad --url', async () => {
      const cases: [string[], RegExp][] = [
        [['submit', 'missing.csv', '--x', '1', '--y', '2'], new RegExp(`^error: file not found: ${join(dir, 'missing.csv')}$`)],
        [['submit', '.', '--x', '1', '--y', '2'], /is not a file/],
        [['submit', '--x', '1', '--y', '2'], /missing required argument 'file'/],
        [['submit', csv, '--crs', '5179'], /option '--crs <EPSG:code>' argument '5179' is invalid. give an EPSG code/],
        [['submit', csv, '--format', 'pdf'], /option '--format <format>' argument 'pdf' is invalid. Allowed choices are xlsx, csv/],
        [['submit', csv, '--encoding', 'latin1'], /Allowed choices are auto, utf-8, cp949/],
        [['submit', csv, '--x', '1', '--y', '2', '--interval', 'soon'], /option '--interval <seconds>' argument 'soon' is invalid/],
        [['submit', csv, '--x', '1', '--y', '2', '--out', join(dir, 'nowhere', 'r.xlsx')], /the directory .*nowhere does not exist/],
        [['submit', csv, '--x', '1', '--y', '2', '--url', 'ftp://example'], /only http:\/\/ and https:\/\//],
        [['submit', csv, '--x', '1', '--y', '2', '--url', 'not a url'], /is not a URL/],
        [['status'], /missing required argument 'id'/],
        [['sumbit', csv], /unknown command 'sumbit'/],
        [['jobs', '--jsn'], /unknown option '--jsn'/],
      ];
      for (const [argv, message] of cases) {
        const r = await run(argv);
        assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err.join('\n')}`);
        assert.match(r.err.join('\n'), message, argv.join(' '));
      }
      assert.deepEqual(gw.requests, []);
    });

    it('2 for an invalid GEOBATCH_URL in the environment', async () => {
      const r = await runCapture(['jobs'], { env: { GEOBATCH_URL: 'localhost:3000' } });
      assert.equal(r.code, 2);
      assert.match(r.err.join('\n'), /GEOBATCH_URL must be an http\(s\) URL/);
    });
  });

  describe('download', () => {
    it('waits with progress while the result answers 409, then downloads', async () => {
      let results = 0;
      gw.jobViews(id, [jobView(id, 'running', 2, 4), jobView(id, 'completed', 4, 4)]).on('GET', new RegExp(`^/jobs/${id}/result$`), (_q, res) => {
        if (results++ === 0) return sendError(res, 409, `job ${id} is running; its result is available once it has completed`);
        res.writeHead(200, { 'content-length': XLSX.length, 'content-disposition': DISPOSITION });
        res.end(XLSX);
      });
      const r = await run(['download', id, ...FAST]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.deepEqual(gw.requests.map((q) => q.path), [`/jobs/${id}/result`, `/jobs/${id}`, `/jobs/${id}`, `/jobs/${id}/result`]);
      assert.match(r.out[0], new RegExp(`^job ${id} has not completed yet \\(job ${id} is running; .*\\); waiting for it$`));
      assert.match(r.out.join('\n'), new RegExp(`job ${id} running 2/4 rows`));
      assert.deepEqual(await readFile(join(dir, RESULT_NAME)), XLSX);
    });

    it('exits 1 when the job it waits for fails', async () => {
      gw.jobViews(id, [jobView(id, 'failed', 1, 4, { error: 'broker gone' })]).on('GET', new RegExp(`^/jobs/${id}/result$`), (_q, res) => sendError(res, 409, 'not completed'));
      const r = await run(['download', id, ...FAST]);
      assert.equal(r.code, 1);
      assert.deepEqual(r.err, [`error: job ${id} failed: broker gone`]);
    });

    it('names the file from filename when filename* is missing, and after the job id with no header at all', async () => {
      gw.result(id, XLSX, 'attachment; filename="plain_geocoded.xlsx"');
      assert.equal((await run(['download', id])).code, 0);
      assert.deepEqual(await readFile(join(dir, 'plain_geocoded.xlsx')), XLSX);
      gw.result(id, XLSX);
      assert.equal((await run(['download', id])).code, 0);
      assert.deepEqual(await readFile(join(dir, `${id}_주소변환.xlsx`)), XLSX);
    });

    it('keeps a hostile server name inside the current directory', async () => {
      gw.result(id, XLSX, `attachment; filename*=UTF-8''..%2F..%2Fevil.xlsx`);
      const r = await run(['download', id]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.deepEqual(await readFile(join(dir, 'evil.xlsx')), XLSX);
    });

    it('--out writes exactly there; 3 for a result no longer stored (410)', async () => {
      gw.result(id, XLSX, DISPOSITION);
      assert.equal((await run(['download', id, '--out', 'r.xlsx'])).code, 0);
      assert.deepEqual(await readFile(join(dir, 'r.xlsx')), XLSX);
      gw.on('GET', /\/result$/, (_q, res) => sendError(res, 410, 'the result file is no longer in storage'));
      const gone = await run(['download', id, '--out', 'r2.xlsx']);
      assert.equal(gone.code, 3);
      assert.match(gone.err.join('\n'), /no longer in storage/);
      assert.deepEqual((await readdir(dir)).sort(), ['overspeed.csv', 'r.xlsx'], 'the reserved --out is removed again');
    });
  });

  describe('Ctrl-C', () => {
    it('stops waiting with 130, cancels nothing and says how to resume', async () => {
      gw.acceptJobs(id).jobViews(id, [jobView(id, 'running', 1, 4)]);
      const r = await run(['submit', csv, '--x', '3', '--y', '4', '--interval', '0.05'], {
        onLine: (line, sigint) => {
          if (line.startsWith(`job ${id} running`)) setTimeout(sigint, 10);
        },
      });
      assert.equal(r.code, 130);
      assert.match(r.err.join('\n'), new RegExp(`job ${id} goes on on the gateway \\(it was not cancelled\\)`));
      assert.match(r.err.join('\n'), new RegExp(`npm run cli -- status ${id}`));
      assert.match(r.err.join('\n'), new RegExp(`npm run cli -- download ${id}`));
      assert.deepEqual([...new Set(gw.requests.map((q) => `${q.method} ${q.path}`))].sort(), ['GET /jobs/' + id, 'POST /jobs'].sort(), 'no cancel or delete request');
      assert.deepEqual(await readdir(dir), ['overspeed.csv']);
    });
  });

  describe('status, jobs and datasets', () => {
    it('status prints the job, or the raw JSON with --json', async () => {
      const view = jobView(id, 'completed', 4, 4);
      gw.jobViews(id, [view]);
      const text = await run(['status', id]);
      assert.equal(text.code, 0);
      assert.match(text.out.join('\n'), new RegExp(`^job: +${id}\\nstatus: +completed\\nfile: +overspeed.csv\\ndatasets: +kostat@2018\\nrows: +4/4 processed: 3 ok, 1 problems, 0 blank lines skipped`));
      assert.match(text.out.join('\n'), new RegExp(`result: +npm run cli -- download ${id}`));
      const json = await run(['status', id, '--json']);
      assert.deepEqual(JSON.parse(json.out.join('\n')), view);
    });

    it('status shows the options and the columns the gateway worked out, when it reports them', async () => {
      const ref = (name: string, number: number, letter: string, by: string) => ({ name, number, letter, by });
      gw.jobViews(id, [
        jobView(id, 'running', 1, 4, {
          options: {
            x: null, y: '6', kind: 'csv', encoding: 'cp949', sheet: null, lang: 'ko', format: 'xlsx', crs: 'EPSG:4326', nearestM: 200,
            columns: [{ sheet: 1, name: 'overspeed', x: ref('주소', 5, 'E', 'header'), y: ref('', 6, 'F', 'given') }],
          },
        }),
      ]);
      const r = await run(['status', id]);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.match(r.out.join('\n'), /^options: +crs EPSG:4326, format xlsx, lang ko, input csv cp949$/m);
      assert.match(r.out.join('\n'), /^columns: +sheet 1 "overspeed": x = "주소" \(E, header\), y = \(F, given\)$/m);
      assert.match(r.out.join('\n'), new RegExp(`^follow: +npm run cli -- download ${id}`, 'm'));
    });

    it('jobs and datasets explain a gateway without the list routes (404) instead of crashing', async () => {
      const jobs = await run(['jobs']);
      assert.equal(jobs.code, 3);
      assert.deepEqual(jobs.err, ['error: this gateway does not support listing jobs yet (GET /jobs answered 404); use `status ID` for one job']);
      const datasets = await run(['datasets', '--json']);
      assert.equal(datasets.code, 3);
      assert.match(datasets.err.join('\n'), /this gateway does not support listing datasets yet \(GET \/datasets answered 404\); `datasets:list` reads them from the database directly/);
    });

    it('jobs lists them as a table, or JSON', async () => {
      const list = [jobView(id, 'running', 1200, 5000), jobView(randomUUID(), 'completed', 200, 200, { fileName: '측정.csv' })];
      gw.on('GET', /^\/jobs$/, (_q, res) => sendJson(res, 200, list));
      const text = await run(['jobs']);
      assert.equal(text.code, 0, text.err.join('\n'));
      assert.match(text.out[0], /^ID +STATUS +ROWS +OK +PROBLEMS +CREATED +FILE$/);
      assert.match(text.out[1], new RegExp(`^${id}  running +1200/5000 +1199 +1 +2025-03-01 09:00:00  overspeed.csv$`));
      assert.match(text.out[2], /completed +200\/200 .* 측정\.csv$/);
      assert.deepEqual(JSON.parse((await run(['jobs', '--json'])).out.join('\n')), list);
      gw.on('GET', /^\/jobs$/, (_q, res) => sendJson(res, 200, []));
      assert.match((await run(['jobs'])).out.join('\n'), /^no jobs yet/);
    });

    it('datasets lists them as a table (* the default), or JSON', async () => {
      const list = [
        { id: 'd1', name: 'korea-sigungu', version: '2024', levels: ['sido', 'sigungu'], featureCounts: { sido: 17, sigungu: 252 }, isDefault: true },
        { id: 'd2', name: 'kostat', version: '2018', levels: ['eupmyeondong'], featureCounts: { eupmyeondong: 3500 }, isDefault: false, effectiveDate: '2018-12-24' },
      ];
      gw.on('GET', /^\/datasets$/, (_q, res) => sendJson(res, 200, list));
      const text = await run(['datasets']);
      assert.equal(text.code, 0, text.err.join('\n'));
      assert.deepEqual(text.out, [
        '   NAME@VERSION        EFFECTIVE   AREAS                ID',
        '*  korea-sigungu@2024  -           시도 17, 시군구 252  d1',
        '   kostat@2018         2018-12-24  읍면동 3500          d2',
      ]);
      assert.deepEqual(JSON.parse((await run(['datasets', '--json'])).out.join('\n')), list);
    });
  });

  it('has a flag for every field of the POST /jobs form (CreateJobDto), named as the field', () => {
    const contract = new Set(getMetadataStorage().getTargetValidationMetadatas(CreateJobDto, '', true, false).map((m) => m.propertyName));
    const options = Object.entries(jobFieldOptions());
    // `force` travels as --new-job: --force already means "overwrite --out".
    assert.deepEqual(options.map(([k]) => k).sort(), [...contract].filter((f) => f !== 'force').sort());
    assert.ok(contract.has('force'));
    assert.deepEqual(jobFields({ newJob: true, wait: true, interval: 1, retry: 1 }), { force: 'true' });
    for (const [field, option] of options) assert.equal(option!.attributeName(), field);
  });
});
