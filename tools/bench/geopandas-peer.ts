// The bench's peer: the GeoPandas + xlsxwriter script an analyst would run instead (peer/geopandas-peer.py),
// on the same CSV and the same 읍면동 layer, as its own process (Debian's python3, not any pyenv one).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@geobatch/util-testing';

export interface PeerReport {
  name: 'geopandas';
  rows: number;
  matched: number;
  read_s: number;
  load_join_s: number;
  write_s: number;
  /** The script's own wall time, start of its CSV read to the written workbook. */
  seconds: number;
  /** The whole process, interpreter start and imports included. */
  process_seconds: number;
  peak_rss_mb: number;
  versions: Record<string, string>;
}

const PEER_DIR = join(REPO_ROOT, 'tools', 'bench', 'peer');

/** Installs the peer's Debian packages when missing, then runs it on `csv` against `layer`, writing `out`. */
export function runGeoPandasPeer(csv: string, layer: string, out: string): PeerReport {
  execFileSync('bash', [join(PEER_DIR, 'ensure-geopandas.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const t0 = performance.now();
  const stdout = execFileSync('/usr/bin/python3', [join(PEER_DIR, 'geopandas-peer.py'), csv, layer, out], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const processSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const line = stdout.trim().split('\n').pop() ?? '';
  return { name: 'geopandas', ...(JSON.parse(line) as Omit<PeerReport, 'name' | 'process_seconds'>), process_seconds: processSeconds };
}
