/**
 * `--junit FILE`: the run as a JUnit XML report, for CI systems that show test results (GitLab,
 * Jenkins, Azure, GitHub test-report actions). One `testcase` per task: a failed task has a
 * `failure` (its first line as the message, the whole failure and the last lines of its output
 * as the text), a skipped one `skipped` with the reason, a succeeded one its result line in
 * `system-out`. When the scan gate failed, a second suite has one failing `testcase` per blocking
 * finding. The shape is Maven Surefire's (`<skipped message=…/>`), as the Jenkins xUnit plugin's
 * JUnit schema (junit-10.xsd, vendored in test/fixtures/junit/ and checked by the tests) accepts it.
 */
import type { BlockingFinding } from '../failure.js';
import { formatFailure } from './failure.js';
import { type RunLog, type TaskRecord, tailFor } from './run-log.js';

/**
 * Characters XML 1.0 cannot carry at all, even escaped (control characters but tab, LF and CR;
 * lone surrogates; U+FFFE/U+FFFF): replaced, so tool output cannot make the report unreadable.
 */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content: `&`, `<`, `>` escaped. */
export const xmlText = (s: string): string =>
  s.replace(NOT_XML, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An attribute value: also quotes, and tabs and newlines as references (a parser would normalise them to spaces). */
export const xmlAttr = (s: string): string =>
  xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');

const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(3);

export interface JUnitRun {
  /** The suite name: the project's. */
  readonly project: string;
  readonly host: string;
  readonly startedAt: string;
  readonly durationMs: number;
}

function testcase(t: TaskRecord, classname: string): string {
  const open = `    <testcase name="${xmlAttr(t.task)}" classname="${xmlAttr(classname)}" time="${seconds(t.durationMs)}"`;
  if (t.state === 'succeeded') {
    const line = t.summary?.line ?? t.lastProgress;
    return line ? `${open}>\n      <system-out>${xmlText(line)}</system-out>\n    </testcase>` : `${open}/>`;
  }
  if (t.state === 'failed' && t.failure) {
    const full = formatFailure(t.failure);
    const tail = tailFor(t);
    const text = tail.length > 0 ? `${full}\n\nlast lines of output:\n${tail.join('\n')}` : full;
    return `${open}>\n      <failure message="${xmlAttr(full.split('\n')[0]!)}" type="${xmlAttr(t.failure.reason)}">${xmlText(text)}</failure>\n    </testcase>`;
  }
  const reason = t.state === 'skipped' ? (t.skipReason ?? 'skipped') : 'did not run';
  return `${open}>\n      <skipped message="${xmlAttr(reason)}"/>\n    </testcase>`;
}

function findingCase(f: BlockingFinding): string {
  const what = f.kind === 'vulnerability' ? `${f.id} in ${f.pkg ?? '?'} ${f.installed ?? ''}`.trim() : f.id;
  const where = f.line !== undefined ? `${f.target}:${f.line}` : f.target;
  const fix = f.kind === 'vulnerability' ? (f.fixed ? `; fixed in ${f.fixed}` : '; no fix yet') : '';
  const message = `${f.severity} ${what}${fix}`;
  return [
    `    <testcase name="${xmlAttr(what)}" classname="${xmlAttr(`security-scan.${where}`)}" time="0.000">`,
    `      <failure message="${xmlAttr(message)}" type="${xmlAttr(f.severity)}">${xmlText(`${message}\n${f.title}\n${where}`)}</failure>`,
    '    </testcase>',
  ].join('\n');
}

function suite(
  name: string,
  run: JUnitRun,
  cases: readonly string[],
  counts: { failures: number; skipped: number },
  ms: number,
) {
  return [
    `  <testsuite name="${xmlAttr(name)}" tests="${cases.length}" failures="${counts.failures}" errors="0" skipped="${counts.skipped}" time="${seconds(ms)}" timestamp="${xmlAttr(run.startedAt)}" hostname="${xmlAttr(run.host)}">`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

export function formatJUnit(log: RunLog, run: JUnitRun): string {
  const records = log.all;
  const classname = `cloudy-tasks.${run.project}`;
  const failures = records.filter((t) => t.state === 'failed').length;
  const skipped = records.filter((t) => t.state !== 'succeeded' && t.state !== 'failed').length;
  const suites = [
    suite(
      `cloudy-tasks ${run.project}`,
      run,
      records.map((t) => testcase(t, classname)),
      { failures, skipped },
      run.durationMs,
    ),
  ];
  const scanFailure = log.get('security-scan')?.failure;
  const findings = scanFailure?.reason === 'vulnerabilities-found' ? (scanFailure.findings ?? []) : [];
  if (findings.length > 0)
    suites.push(
      suite(
        `security-scan findings at or above ${scanFailure?.reason === 'vulnerabilities-found' ? scanFailure.threshold : ''}`,
        run,
        findings.map(findingCase),
        { failures: findings.length, skipped: 0 },
        0,
      ),
    );
  const total = records.length + findings.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cloudy-tasks" tests="${total}" failures="${failures + findings.length}" errors="0" time="${seconds(run.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
