// Renders captured terminal transcripts (ANSI colours, carriage returns and the cursor moves a
// progress bar makes) as PNG screenshots for the README, with playwright-core driving Debian's
// headless Chromium. Capture with `script`, e.g.
//   script -q -e -c "stty cols 110; npm run -s cli -- submit in.xlsx" /tmp/cli.txt
// then render (options apply to the transcript after them):
//   node -r reflect-metadata -r @swc-node/register tools/docs/terminal-screenshots.ts \
//     --cols 110 --title "npm run cli -- submit" /tmp/cli.txt docs/screenshots/cli-submit.png
// `script`'s own "Script started/done" lines are dropped; `--prompt "CMD"` adds a `$ CMD` line on top.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Debian's Chromium; playwright-core never downloads a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Monospace with Hangul at exactly two columns (fonts-nanum). */
const FONT = "'NanumGothicCoding', monospace";
/** Drawn from DejaVu Sans Mono instead: NanumGothicCoding has `|` as a broken bar and no block elements. */
const FROM_DEJAVU = /[|\u2500-\u259f]/;

export interface Style {
  fg: string | null;
  bg: string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

export interface Cell {
  ch: string;
  /** Columns the character takes: 2 for Hangul and other wide characters. */
  width: 1 | 2;
  style: Style;
}

const PLAIN: Style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

/** A dark theme (xterm order: black, red, green, yellow, blue, magenta, cyan, white, then the bright ones). */
const PALETTE = [
  '#1e2127', '#e06c75', '#98c379', '#d19a66', '#61afef', '#c678dd', '#56b6c2', '#abb2bf',
  '#5c6370', '#e88388', '#a9dc76', '#e5c07b', '#7ab8f5', '#d49be8', '#7fd3dd', '#ffffff',
];
const FOREGROUND = '#dcdfe4';
const BACKGROUND = '#282c34';

/** East Asian wide characters: Hangul, CJK, full-width forms. Box drawing and blocks stay narrow, as in most terminals. */
export function charWidth(ch: string): 1 | 2 {
  const c = ch.codePointAt(0) ?? 0;
  const wide =
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd);
  return wide ? 2 : 1;
}

function color256(n: number): string {
  if (n < 16) return PALETTE[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const level = (k: number) => (k === 0 ? 0 : 55 + k * 40);
  return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
}

/** Applies one SGR (`ESC [ … m`) sequence to a style. */
function applySgr(style: Style, params: number[]): Style {
  const s = { ...style };
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) Object.assign(s, PLAIN);
    else if (p === 1) s.bold = true;
    else if (p === 2) s.dim = true;
    else if (p === 3) s.italic = true;
    else if (p === 4) s.underline = true;
    else if (p === 7) s.inverse = true;
    else if (p === 22) s.bold = s.dim = false;
    else if (p === 23) s.italic = false;
    else if (p === 24) s.underline = false;
    else if (p === 27) s.inverse = false;
    else if (p >= 30 && p <= 37) s.fg = `p${p - 30}`;
    else if (p >= 90 && p <= 97) s.fg = `p${p - 90 + 8}`;
    else if (p === 39) s.fg = null;
    else if (p >= 40 && p <= 47) s.bg = `p${p - 40}`;
    else if (p >= 100 && p <= 107) s.bg = `p${p - 100 + 8}`;
    else if (p === 49) s.bg = null;
    else if ((p === 38 || p === 48) && params[i + 1] === 5) {
      const c = color256(params[i + 2] ?? 0);
      if (p === 38) s.fg = c;
      else s.bg = c;
      i += 2;
    } else if ((p === 38 || p === 48) && params[i + 1] === 2) {
      const c = `rgb(${params[i + 2] ?? 0},${params[i + 3] ?? 0},${params[i + 4] ?? 0})`;
      if (p === 38) s.fg = c;
      else s.bg = c;
      i += 4;
    }
  }
  return s;
}

/** Drops what `script` writes around a session. */
export function stripScriptFrame(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^Script (started|done) on /.test(line))
    .join('\n');
}

/**
 * A small terminal: enough of VT100/xterm for shells, jq colours and cli-progress bars
 * (carriage return, cursor column/up/down, save/restore, erase line/screen, auto-wrap on/off,
 * SGR colours). Answers the screen's lines, trailing blank lines dropped.
 */
export function emulate(text: string, cols: number): Cell[][] {
  const lines: Cell[][] = [[]];
  let row = 0;
  let col = 0;
  let style: Style = { ...PLAIN };
  let saved = { row: 0, col: 0 };
  let autowrap = true;
  const line = (r: number): Cell[] => {
    while (lines.length <= r) lines.push([]);
    return lines[r];
  };
  const put = (ch: string) => {
    const width = charWidth(ch);
    if (col + width > cols) {
      if (!autowrap) return;
      row++;
      col = 0;
    }
    const cells = line(row);
    while (cells.length < col) cells.push({ ch: ' ', width: 1, style: { ...PLAIN } });
    cells[col] = { ch, width, style };
    // A wide character covers the next column too.
    if (width === 2) cells[col + 1] = { ch: '', width: 1, style };
    col += width;
  };

  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '\x1b') {
      const next = chars[i + 1];
      if (next === '[') {
        let j = i + 2;
        let body = '';
        while (j < chars.length && !/[@-~]/.test(chars[j])) body += chars[j++];
        const final = chars[j];
        i = j;
        const priv = body.startsWith('?');
        const nums = (priv ? body.slice(1) : body).split(';').filter((x) => x !== '').map(Number);
        const n = nums[0] ?? 1;
        if (priv) {
          if (nums.includes(7)) autowrap = final === 'h';
          continue;
        }
        switch (final) {
          case 'm': style = applySgr(style, nums); break;
          case 'G': col = Math.max(0, (nums[0] ?? 1) - 1); break;
          case 'C': col = Math.min(cols - 1, col + n); break;
          case 'D': col = Math.max(0, col - n); break;
          case 'A': row = Math.max(0, row - n); break;
          case 'B': row += n; break;
          case 'E': row += n; col = 0; break;
          case 'F': row = Math.max(0, row - n); col = 0; break;
          case 'H': case 'f': row = (nums[0] ?? 1) - 1; col = (nums[1] ?? 1) - 1; break;
          case 'K': {
            const cells = line(row);
            const mode = nums[0] ?? 0;
            if (mode === 0) cells.length = Math.min(cells.length, col);
            else if (mode === 1) for (let k = 0; k <= col && k < cells.length; k++) cells[k] = { ch: ' ', width: 1, style: { ...PLAIN } };
            else cells.length = 0;
            break;
          }
          case 'J': {
            const mode = nums[0] ?? 0;
            if (mode === 0) {
              line(row).length = Math.min(line(row).length, col);
              lines.length = row + 1;
            } else if (mode === 2 || mode === 3) {
              lines.length = 0;
              lines.push([]);
              row = 0;
              col = 0;
            }
            break;
          }
          default: break; // other sequences change nothing visible
        }
      } else if (next === ']') {
        // OSC (window title): up to BEL or ST.
        let j = i + 2;
        while (j < chars.length && chars[j] !== '\x07' && !(chars[j] === '\x1b' && chars[j + 1] === '\\')) j++;
        i = chars[j] === '\x07' ? j : j + 1;
      } else if (next === '7') {
        saved = { row, col };
        i++;
      } else if (next === '8') {
        ({ row, col } = saved);
        i++;
      } else {
        i++;
      }
      continue;
    }
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
    } else if (ch === '\b') col = Math.max(0, col - 1);
    else if (ch === '\t') col = Math.min(cols - 1, (Math.floor(col / 8) + 1) * 8);
    else if (ch >= ' ' && ch !== '\x7f') put(ch);
    line(row);
  }
  while (lines.length > 0 && lines[lines.length - 1].every((c) => c.ch.trim() === '')) lines.pop();
  return lines;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function cssColor(c: string | null, fallback: string): string {
  if (c === null) return fallback;
  return c.startsWith('p') ? PALETTE[Number(c.slice(1))] : c;
}

function cssOf(style: Style): string {
  // Bold in a basic colour is drawn bright, as terminals do (jq's `1;30` null stays readable).
  let fg = style.fg;
  if (style.bold && fg?.startsWith('p') && Number(fg.slice(1)) < 8) fg = `p${Number(fg.slice(1)) + 8}`;
  let color = cssColor(fg, FOREGROUND);
  let background = cssColor(style.bg, 'transparent');
  if (style.inverse) [color, background] = [background === 'transparent' ? BACKGROUND : background, color];
  const css = [`color:${color}`];
  if (background !== 'transparent') css.push(`background:${background}`);
  if (style.bold) css.push('font-weight:bold');
  if (style.dim) css.push('opacity:.7');
  if (style.italic) css.push('font-style:italic');
  if (style.underline) css.push('text-decoration:underline');
  return css.join(';');
}

/** The screen as HTML: every cell a fixed-width box, so the grid holds whatever the font does. */
export function screenHtml(lines: Cell[][], cols: number, title: string): string {
  const rows = lines
    .map((cells) => {
      const parts: string[] = [];
      for (const cell of cells) {
        if (cell.ch === '') continue;
        const cls = cell.width === 2 ? ' w' : FROM_DEJAVU.test(cell.ch) ? ' d' : '';
        parts.push(`<span class="c${cls}" style="${cssOf(cell.style)}">${cell.ch === ' ' ? '&nbsp;' : escapeHtml(cell.ch)}</span>`);
      }
      return `<div class="row">${parts.join('')}</div>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; background: #f4f5f7; }
  #term { display: inline-block; margin: 16px; border-radius: 8px; overflow: hidden; background: ${BACKGROUND};
          box-shadow: 0 6px 24px rgba(0,0,0,.25); font: 15px/1.45 ${FONT}; }
  .bar { height: 30px; background: #21252b; display: flex; align-items: center; padding: 0 12px; gap: 8px; }
  .dot { width: 12px; height: 12px; border-radius: 50%; }
  .title { flex: 1; text-align: center; color: #9da5b4; font-size: 13px; margin-right: 60px; white-space: nowrap; }
  .screen { padding: 12px 16px 16px; width: ${cols}ch; }
  .row { height: 1.45em; white-space: pre; }
  .c { display: inline-block; width: 1ch; text-align: center; overflow: visible; vertical-align: top; }
  .c.w { width: 2ch; }
  .c.d { font-family: 'DejaVu Sans Mono', monospace; }
</style></head><body><div id="term"><div class="bar">
  <span class="dot" style="background:#ff5f56"></span><span class="dot" style="background:#ffbd2e"></span><span class="dot" style="background:#27c93f"></span>
  <span class="title">${escapeHtml(title)}</span></div>
<div class="screen">
${rows}
</div></div></body></html>`;
}

interface Job {
  input: string;
  output: string;
  cols: number;
  title: string;
  prompt?: string;
}

function parseArgs(argv: string[]): Job[] {
  const jobs: Job[] = [];
  let cols = 100;
  let title = 'Terminal';
  let prompt: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cols') cols = Number(argv[++i]);
    else if (a === '--title') title = argv[++i];
    else if (a === '--prompt') prompt = argv[++i];
    else {
      files.push(a);
      if (files.length === 2) {
        jobs.push({ input: files[0], output: files[1], cols, title, prompt });
        files.length = 0;
        prompt = undefined;
      }
    }
  }
  if (files.length > 0 || jobs.length === 0 || jobs.some((j) => !(j.cols >= 20 && j.cols <= 300))) {
    throw new Error('usage: terminal-screenshots.ts [--cols N] [--title TEXT] [--prompt CMD] TRANSCRIPT PNG [...more]');
  }
  return jobs;
}

async function main(): Promise<void> {
  const jobs = parseArgs(process.argv.slice(2));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    for (const job of jobs) {
      let text = stripScriptFrame(readFileSync(resolve(job.input), 'utf8'));
      if (job.prompt) text = `\x1b[1;32m$\x1b[0m ${job.prompt}\n${text}`;
      await page.setContent(screenHtml(emulate(text, job.cols), job.cols, job.title));
      await page.evaluate('document.fonts.ready');
      await page.locator('#term').screenshot({ path: resolve(job.output) });
      console.log(`wrote ${job.output}`);
    }
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
