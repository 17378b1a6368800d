/**
 * The reports written once a run has finished: `--junit FILE` (JUnit XML) and, on GitHub
 * Actions, the Markdown appended to `$GITHUB_STEP_SUMMARY`. Loaded only when one is asked for.
 *
 * Where `--junit` may write: a relative path is inside the project (resolved from the current
 * directory, confined like every write: never outside, never through a symlink; missing
 * directories are created). An absolute path outside the project is the user's explicit choice
 * (a CI temp directory, say) and is written there, into a directory that must exist, never
 * through a symlink at the file's name (lib/store/outside.ts).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Failure } from '../lib/failure.js';
import type { RunFinished } from '../lib/notify/webhook.js';
import { formatFailure } from '../lib/render/failure.js';
import { formatJUnit } from '../lib/render/junit.js';
import type { RunLog } from '../lib/render/run-log.js';
import { formatStepSummary } from '../lib/render/step-summary.js';
import { UnsafePathError } from '../lib/store/confine.js';
import { appendOutside, writeOutsideAtomic } from '../lib/store/outside.js';
import { writeFileAtomic } from '../lib/store/state.js';
import { err, ok, type Result } from '../lib/util/result.js';

export interface JUnitTarget {
  readonly file: string;
  /** Outside the project: the user gave this absolute path. */
  readonly outside: boolean;
}

const inside = (dir: string, file: string) => file === dir || file.startsWith(`${dir}${path.sep}`);

/** Where `--junit` writes, checked before anything runs (a bad path is exit 2, nothing built). */
export function junitTarget(option: string, cwd: string, projectDir: string): Result<JUnitTarget, Failure> {
  const file = path.resolve(cwd, option);
  const project = path.resolve(projectDir);
  if (inside(project, file)) return ok({ file, outside: false });
  if (!path.isAbsolute(option))
    return err({
      reason: 'usage',
      message: `--junit ${option} is outside the project (${project}); give a path inside it, or an absolute path to write elsewhere on purpose`,
    });
  const dir = path.dirname(file);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // Missing: reported below.
  }
  if (!isDir) return err({ reason: 'usage', message: `--junit ${option}: ${dir} is not an existing directory` });
  return ok({ file, outside: true });
}

export interface ReportsInput {
  readonly log: RunLog;
  readonly finished: RunFinished;
  readonly junit: JUnitTarget | undefined;
  /** `$GITHUB_STEP_SUMMARY` when on GitHub Actions. */
  readonly stepSummary: string | undefined;
  readonly redact: (text: string) => string;
  /** A report that cannot be written is a warning: the run's result stands. */
  readonly warn: (line: string) => void;
}

export async function writeReports(r: ReportsInput): Promise<void> {
  const problem = (what: string, error: unknown) => {
    const why =
      error instanceof UnsafePathError
        ? formatFailure({ reason: 'unsafe-path', path: error.path, kind: error.kind })
        : error instanceof Error
          ? error.message
          : String(error);
    r.warn(r.redact(`cloudy-tasks: warning: ${what} was not written: ${why}`));
  };
  if (r.junit) {
    const xml = r.redact(
      formatJUnit(r.log, {
        project: r.finished.project,
        host: r.finished.host,
        startedAt: r.finished.startedAt,
        durationMs: r.finished.durationMs,
      }),
    );
    try {
      if (r.junit.outside) await writeOutsideAtomic(r.junit.file, xml, 'junit-path-given-by-the-user');
      else await writeFileAtomic(r.junit.file, xml);
    } catch (error) {
      problem(`the JUnit report ${r.junit.file}`, error);
    }
  }
  if (r.stepSummary) {
    try {
      await appendOutside(r.stepSummary, r.redact(formatStepSummary(r.log, r.finished)), 'github-step-summary');
    } catch (error) {
      problem('the GitHub step summary', error);
    }
  }
}
