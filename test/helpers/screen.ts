/**
 * What a person sees: the CLI run in a pseudo-terminal (`script`, as a terminal user runs it,
 * with a size set by stty), and the final screen rebuilt from the raw escape stream by a
 * terminal emulator (@xterm/headless, xterm.js's headless build), scrollback included. No
 * screenshots: the screen is text, compared as text.
 */
import { spawn } from 'node:child_process';
import xterm from '@xterm/headless';
import type { Project } from './rig.js';
import { cliEnv, cliPath, type RunOptions } from './rig.js';

export interface Screen {
  readonly code: number | null;
  /** The raw bytes the terminal received, ANSI escapes included. */
  readonly raw: string;
  /** Every line of the final screen and its scrollback, trailing spaces trimmed. */
  readonly lines: readonly string[];
  /** Lines that the terminal wrapped from the line before (a row longer than the width). */
  readonly wrapped: readonly number[];
}

export async function runInTerminal(
  project: Project,
  args: readonly string[],
  options: RunOptions & { readonly cols: number; readonly rows?: number },
): Promise<Screen> {
  const rows = options.rows ?? 60;
  const env: NodeJS.ProcessEnv = { ...cliEnv(project, options), TERM: 'xterm-256color' };
  delete env['CI'];
  const command = `stty cols ${options.cols} rows ${rows}; exec ${process.execPath} ${cliPath} ${args.join(' ')}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: project.dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const terminal = new xterm.Terminal({ cols: options.cols, rows, scrollback: 5000, allowProposedApi: true });
  await new Promise<void>((resolve) => terminal.write(raw, resolve));
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  const wrapped: number[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    if (!line) continue;
    if (line.isWrapped) wrapped.push(lines.length);
    lines.push(line.translateToString(true));
  }
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  terminal.dispose();
  return { code, raw, lines, wrapped };
}
