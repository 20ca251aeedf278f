import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KOSTAT_2018, REPO_ROOT, ServiceProcess, testEnv, waitFor } from '@geobatch/util-testing';

export interface E2eStackOptions {
  /** Names the storage folder and, unless `logs` says otherwise, the log folder under test-output/e2e-logs. */
  name: string;
  port: string;
  chunkSize: string;
  /** Log folder under test-output/e2e-logs ('' for that folder itself); `name` by default. */
  logs?: string;
  /** More environment for every service, e.g. a consumer group of the suite's own. */
  env?: Record<string, string>;
}

/**
 * The three services of the pipeline (gateway, report-merger, geocoder) as OS processes on a port and a
 * storage folder of the suite's own, against the test database and broker; the CLI beside them.
 */
export class E2eStack {
  readonly base: string;
  readonly storage: string;
  readonly logs: string;
  readonly env: Record<string, string>;
  readonly gateway: ServiceProcess;
  readonly merger: ServiceProcess;
  geocoder: ServiceProcess;

  constructor(options: E2eStackOptions) {
    this.base = `http://127.0.0.1:${options.port}`;
    this.storage = mkdtempSync(join(tmpdir(), `geobatch-e2e-${options.name}-`));
    this.logs = join(REPO_ROOT, 'test-output', 'e2e-logs', options.logs ?? options.name);
    this.env = {
      DATABASE_URL: testEnv.TEST_DATABASE_URL,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      STORAGE_DIR: this.storage,
      PORT: options.port,
      CHUNK_SIZE: options.chunkSize,
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      LOG_LEVEL: 'log',
      ...options.env,
    };
    this.gateway = new ServiceProcess('gateway', this.env, this.logs);
    this.merger = new ServiceProcess('report-merger', this.env, this.logs);
    this.geocoder = new ServiceProcess('geocoder', this.env, this.logs);
  }

  /** Starts the three services without waiting for them. */
  startServices(): void {
    this.gateway.start();
    this.merger.start();
    this.geocoder.start();
  }

  /** Resolves once the gateway answers its health check. */
  waitForHealth(): Promise<true> {
    return waitFor('gateway health', async () => ((await fetch(`${this.base}/health`)).status === 200 ? true : undefined), 90_000, 500);
  }

  /** Starts the three services and waits for the gateway. */
  async start(): Promise<void> {
    this.startServices();
    await this.waitForHealth();
  }

  /** A fresh geocoder process in place of the current one (after a kill). */
  restartGeocoder(): ServiceProcess {
    this.geocoder = new ServiceProcess('geocoder', this.env, this.logs).start();
    return this.geocoder;
  }

  /** Stops the services and removes the storage folder. */
  async stop(): Promise<void> {
    await Promise.all([this.gateway.stop(), this.merger.stop(), this.geocoder.stop()]);
    rmSync(this.storage, { recursive: true, force: true });
  }

  /** Runs the CLI with these arguments; resolves with its exit code (its log is `cli.log` in `logs`). */
  cli(args: string[]): Promise<number | null> {
    return new ServiceProcess('cli', this.env, this.logs, args).start().waitForExit();
  }

  /** Imports the KOSTAT 2018 fixture layers (시도, 시군구, 읍면동) as `name`@2018 through the CLI. */
  importKostat2018(name: string): Promise<number | null> {
    return this.cli([
      'datasets:import', '--name', name, '--version', '2018',
      '--sido', KOSTAT_2018.sido, '--sigungu', KOSTAT_2018.sigungu, '--eupmyeondong', KOSTAT_2018.eupmyeondong,
    ]);
  }
}
