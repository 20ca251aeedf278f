import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suiteTempDir } from '@geobatch/util-testing';
import { FakeGateway, jobView, sendJson } from './testing/fake-gateway';
import { spawnCli } from './testing/cli-process';

/** Peak resident memory of a process so far, from Linux's /proc (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

describe('the CLI as a process (fake gateway)', () => {
  const dir = suiteTempDir('geobatch-cli-proc-');

  it('Ctrl-C (SIGINT) while following a job exits 130 at once, leaves the job alone and says how to resume', async () => {
    const gw = new FakeGateway();
    const id = randomUUID();
    gw.acceptJobs(id).jobViews(id, [jobView(id, 'running', 10, 100)]);
    await gw.start();
    try {
      await writeFile(join(dir, 'in.csv'), 'x,y\n127,37\n');
      const cli = spawnCli(['submit', 'in.csv', '--x', 'x', '--y', 'y', '--interval', '0.2'], { GEOBATCH_URL: gw.url, INIT_CWD: dir });
      await cli.line(new RegExp(`^job ${id} running 10/100 rows`));
      const sent = Date.now();
      cli.child.kill('SIGINT');
      const { code, signal } = await cli.exit;
      assert.equal(signal, null, 'handled, not killed by the signal');
      assert.equal(code, 130, cli.stderr());
      assert.ok(Date.now() - sent < 3_000, `exited ${Date.now() - sent} ms after Ctrl-C`);
      assert.match(cli.stderr(), new RegExp(`stopped waiting; job ${id} goes on on the gateway`));
      assert.match(cli.stderr(), new RegExp(`status ${id}\\n.*download ${id}`));
      assert.deepEqual([...new Set(gw.requests.map((q) => q.method))].sort(), ['GET', 'POST'], 'no cancel request');
    } finally {
      await gw.stop();
    }
  });

  it('streams the upload from disk: a 256 MiB file does not grow the CLI process by its size', { skip: !existsSync('/proc/self/status') }, async (t) => {
    const size = 256 * 1024 * 1024;
    const received: number[] = [];
    const gw = new FakeGateway().onRaw('POST', /^\/jobs$/, async (req, res) => {
      let n = 0;
      for await (const chunk of req) n += (chunk as Buffer).length;
      received.push(n);
      sendJson(res, 202, { id: randomUUID(), status: 'queued' });
    });
    await gw.start();
    try {
      const measure = async (file: string) => {
        const cli = spawnCli(['submit', file, '--x', '1', '--y', '2', '--no-wait'], { GEOBATCH_URL: gw.url, INIT_CWD: dir });
        let peak = 0;
        const timer = setInterval(() => {
          try {
            peak = Math.max(peak, peakRss(cli.child.pid!));
          } catch {
            // exited between two samples
          }
        }, 5);
        const { code } = await cli.exit;
        clearInterval(timer);
        assert.equal(code, 0, cli.stderr());
        return peak;
      };
      await writeFile(join(dir, 'small.csv'), 'x,y\n1,2\n');
      await writeFile(join(dir, 'big.csv'), 'x,y\n');
      await truncate(join(dir, 'big.csv'), size);
      const small = await measure('small.csv');
      const big = await measure('big.csv');
      assert.ok(received[1] > size, `the whole file arrived (${received[1]} bytes)`);
      t.diagnostic(`peak RSS: ${Math.round(small / 2 ** 20)} MiB uploading a tiny file, ${Math.round(big / 2 ** 20)} MiB uploading 256 MiB`);
      assert.ok(big - small < 64 * 1024 * 1024, `peak RSS ${Math.round(small / 2 ** 20)} MiB for a tiny file, ${Math.round(big / 2 ** 20)} MiB for 256 MiB`);
    } finally {
      await gw.stop();
      await rm(join(dir, 'big.csv'), { force: true });
    }
  });
});
