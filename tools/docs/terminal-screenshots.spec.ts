import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { charWidth, emulate, screenHtml, stripScriptFrame, type Cell } from './terminal-screenshots';

const text = (lines: Cell[][]) => lines.map((cells) => cells.map((c) => c.ch).join('').trimEnd());

describe('terminal-screenshots: the terminal emulation', () => {
  it('overwrites a line on carriage return and cursor column moves, as a progress bar redraws', () => {
    const bar = 'up\r\n\x1b7\x1b[?25l\x1b[1Gjob running  10%\x1b[0K\x1b[1Gjob running 100%\x1b[0K\x1b[?25h\x1b8\r\ndone\r\n';
    assert.deepEqual(text(emulate(bar, 40)), ['up', 'job running 100%', 'done']);
    assert.deepEqual(text(emulate('abcdef\rxy\x1b[K\nz', 40)), ['xy', 'z']);
  });

  it('wraps at the width unless auto-wrap is off, counting Hangul as two columns', () => {
    assert.deepEqual(text(emulate('abcdefgh', 5)), ['abcde', 'fgh']);
    assert.deepEqual(text(emulate('\x1b[?7labcdefgh\x1b[?7h', 5)), ['abcde']);
    assert.deepEqual(text(emulate('가나다', 5)), ['가나', '다']);
    assert.equal(charWidth('가'), 2);
    assert.equal(charWidth('█'), 1);
    assert.equal(charWidth('a'), 1);
  });

  it('keeps SGR colours and resets them', () => {
    const [line] = emulate('\x1b[1;32m$\x1b[0m ls \x1b[38;5;196mred\x1b[39m!', 40);
    assert.equal(line[0].style.fg, 'p2');
    assert.equal(line[0].style.bold, true);
    assert.equal(line[1].style.fg, null);
    assert.equal(line[5].style.fg, 'rgb(255,0,0)');
    assert.equal(line[8].style.fg, null);
  });

  it('drops what `script` writes around a session, and trailing blank lines', () => {
    const raw = 'Script started on 2026-01-01 [COMMAND="x"]\nhello\r\n\r\nScript done on 2026-01-01 [COMMAND_EXIT_CODE="0"]\n';
    assert.deepEqual(text(emulate(stripScriptFrame(raw), 40)), ['hello']);
  });

  it('renders HTML with escaped text and a cell per column', () => {
    const html = screenHtml(emulate('<b>&가', 20), 20, 'a <title>');
    assert.match(html, />&lt;<\/span>.*>b<\/span>.*>&gt;<\/span>.*>&amp;<\/span>/);
    assert.match(html, /a &lt;title&gt;/);
    assert.match(html, /class="c w"[^>]*>가</);
    assert.doesNotMatch(html, /<b>/);
  });
});
