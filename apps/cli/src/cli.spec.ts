import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CliContext } from './cli-context';
import { toImportOptions } from './commands/datasets-import.command';
import { displayWidth, table } from './commands/format';
import { runCli } from './main';

function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  // An unreachable database: these tests must fail before any connection is needed.
  const ctx = new CliContext({ out: (t) => out.push(t), err: (t) => err.push(t) }, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...env });
  return { ctx, out, err };
}

describe('toImportOptions', () => {
  it('maps level flags to resolved paths, most general first', () => {
    const o = toImportOptions({ name: 'k', eupmyeondong: 'e.json', sido: 's.json', version: '2018', default: true }, (p) => `/base/${p}`);
    assert.deepEqual(o.levels, { sido: '/base/s.json', eupmyeondong: '/base/e.json' });
    assert.equal(o.isDefault, true);
    assert.equal(o.version, '2018');
  });

  it('demands at least one level, naming the flags', () => {
    assert.throws(() => toImportOptions({ name: 'k' }, (p) => p), /at least one level: --sido FILE, --sigungu FILE, --eupmyeondong FILE, --ri FILE/);
  });

  it('passes one code/name field for every level, or LEVEL=FIELD pairs per level', () => {
    const one = toImportOptions({ name: 'k', eupmyeondong: 'a.geojson', codeField: ['adm_cd'], nameField: ['adm_nm'], nameLastWord: true }, (p) => p);
    assert.deepEqual([one.codeField, one.nameField, one.nameLastWord], ['adm_cd', 'adm_nm', true]);
    const per = toImportOptions(
      { name: 'k', sido: 's.zip', sigungu: 'g.zip', codeField: ['sido=CTPRVN_CD,sigungu=SIG_CD'], nameField: ['sido=CTP_KOR_NM', '시군구=SIG_KOR_NM'] },
      (p) => p,
    );
    assert.deepEqual(per.codeField, { sido: 'CTPRVN_CD', sigungu: 'SIG_CD' });
    assert.deepEqual(per.nameField, { sido: 'CTP_KOR_NM', sigungu: 'SIG_KOR_NM' });
    assert.throws(() => toImportOptions({ name: 'k', sido: 's', codeField: ['dong=X'] }, (p) => p), /--code-field takes LEVEL=FIELD .* got "dong=X"/);
    assert.throws(() => toImportOptions({ name: 'k', sido: 's', codeField: ['a', 'sido=b'] }, (p) => p), /give one FIELD for every level, or LEVEL=FIELD pairs, not both/);
  });

  it('passes parent name fields, the SRID and the encoding', () => {
    const o = toImportOptions(
      { name: 'k', eupmyeondong: 'a.zip', parentNameField: ['sido=sidonm', 'sigungu=sggnm'], srid: 'EPSG:5179', encoding: 'cp949' },
      (p) => p,
    );
    assert.deepEqual(o.parentNameFields, { sido: 'sidonm', sigungu: 'sggnm' });
    assert.equal(o.srid, 5179);
    assert.equal(o.encoding, 'cp949');
    assert.equal(toImportOptions({ name: 'k', sido: 's', srid: '5186' }, (p) => p).srid, 5186);
    assert.throws(() => toImportOptions({ name: 'k', sido: 's', srid: 'utm-k' }, (p) => p), /--srid takes an EPSG code such as 5179/);
    const plain = toImportOptions({ name: 'k', sido: 's' }, (p) => p);
    assert.deepEqual([plain.codeField, plain.nameField, plain.parentNameFields, plain.srid, plain.nameLastWord], [undefined, undefined, undefined, undefined, undefined]);
  });

  it('resolves relative paths against the directory npm was run from', () => {
    const { ctx } = capture({ INIT_CWD: '/home/me/data' });
    assert.deepEqual(toImportOptions({ name: 'k', ri: 'ri.geojson' }, (p) => ctx.path(p)).levels, { ri: '/home/me/data/ri.geojson' });
  });
});

describe('runCli input errors (exit code 2, one clear line, no database touched)', () => {
  const cases: [string[], RegExp][] = [
    [['datasets:import', '--name', 'k'], /^error: give a GeoJSON file for at least one level/],
    [['datasets:import', '--sido', 'x.json'], /^error: --name is required \(or import official downloads with --preset\)/],
    [['datasets:import', '--name', 'k', 'a.zip'], /^error: unexpected argument a\.zip: give each file with --sido/],
    [['datasets:import', '--preset', 'vworld', 'a.zip'], /^error: --preset is one of juso, admdongkor, kostat, got "vworld"/],
    [['datasets:import', '--preset', 'juso', 'a.zip', '--code-field', 'X'], /^error: --preset juso knows the files' levels and fields: leave out --code-field/],
    [['datasets:import', '--name', 'k', '--sido'], /option '--sido <file>' argument missing/],
    [['datasets:import', '--name', 'k', '--sido', 's.zip', '--srid', 'wgs84'], /^error: --srid takes an EPSG code/],
    [['datasets:import', '--name', 'k', '--eupmyeondong', 'e.zip', '--parent-name-field', 'sidonm'], /^error: --parent-name-field takes LEVEL=FIELD/],
    [['datasets:nope'], /unknown command 'datasets:nope'/],
    [['datasets:list', '--jsn'], /unknown option '--jsn'/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const { ctx, out, err } = capture();
      assert.equal(await runCli(argv, ctx), 2);
      assert.match(err.join('\n'), message);
      assert.deepEqual(out, []);
    });
  }

  it('reports an unreachable database without a stack trace, exit code 3', async () => {
    const { ctx, err } = capture();
    assert.equal(await runCli(['datasets:list'], ctx), 3);
    assert.match(err.join('\n'), /^error: cannot connect to the database postgres:\/\/nobody@127\.0\.0\.1:1\/none: /);
    assert.doesNotMatch(err.join('\n'), /\n\s+at /);
  });

  it('--help exits 0', async () => {
    const { ctx, out } = capture();
    assert.equal(await runCli(['datasets:import', '--help'], ctx), 0);
    assert.match(out.join('\n'), /--eupmyeondong <file>/);
    for (const flag of ['--srid <epsg>', '--encoding <name>', '--name-last-word', '--parent-name-field <LEVEL=FIELD>', '--code-field <field>']) {
      assert.ok(out.join('\n').includes(flag), flag);
    }
  });
});

describe('table', () => {
  it('aligns columns holding Hangul, which takes two columns per character', () => {
    assert.equal(displayWidth('시도 17'), 7);
    const t = table(['A', 'B'], [['시도', 'x'], ['ab', 'y']]).split('\n');
    assert.deepEqual(t, ['A     B', '시도  x', 'ab    y']);
  });
});
