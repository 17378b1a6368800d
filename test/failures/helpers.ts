/**
 * What the failure-mode suites assert: the exit code and the exact first line of stderr, as the
 * user sees it (durations normalised, since they vary from run to run).
 */
import * as assert from 'uvu/assert';
import type { RunResult } from '../helpers/rig.js';

/** The first line of stderr with `after 1.2s` / `after 340ms` written as `after Ns`. */
export function firstErrorLine(result: RunResult): string {
  const line = result.stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/after \d+(\.\d+)?m?s\b/, 'after Ns');
}

/** Assert the exit code and the first line of stderr, printing all of stderr on a mismatch. */
export function expectFailure(result: RunResult, code: number, firstLine: string): void {
  assert.is(result.code, code, `exit code; stderr:\n${result.stderr}`);
  assert.is(firstErrorLine(result), firstLine, `first line of stderr; all of it:\n${result.stderr}`);
}
