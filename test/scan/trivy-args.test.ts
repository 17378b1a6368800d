import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTrivyReport } from '../../lib/scan/parse.js';
import {
  DEFAULT_TRIVY_IMAGE,
  type TrivyScanOptions,
  trivyConfigArgs,
  trivyContainerPrefix,
  trivyImageArgs,
} from '../../lib/scan/trivy-args.js';
import { trivyFixtures, trivyStandin } from '../helpers/paths.js';

const FIXTURES = trivyFixtures;
const STANDIN = trivyStandin;

const base: TrivyScanOptions = {
  severities: ['HIGH', 'CRITICAL'],
  ignoreUnfixed: false,
  skipDbUpdate: false,
  outputFile: '/p/reports/trivy-image.json',
};
/** The value after `flag` in argv, or undefined. */
const flagValue = (argv: readonly string[], flag: string) =>
  argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined;

const image = suite('trivyImageArgs');

image('the usual scan, in a fixed order', () => {
  assert.equal(
    trivyImageArgs({
      ...base,
      image: 'app:scan-0123456789ab',
      ignoreUnfixed: true,
      ignoreFile: '/p/.trivyignore',
      timeout: '10m',
    }),
    [
      'image',
      '--format',
      'json',
      '--output',
      '/p/reports/trivy-image.json',
      '--exit-code',
      '0',
      '--quiet',
      '--severity',
      'CRITICAL,HIGH',
      '--ignorefile',
      '/p/.trivyignore',
      '--timeout',
      '10m',
      '--ignore-unfixed',
      'app:scan-0123456789ab',
    ],
  );
});

image('always JSON to the output file, exit code 0, quiet; the image is the last word', () => {
  const argv = trivyImageArgs({
    ...base,
    image: 'sha256:41625eafc3098ebe89ab53cd879f95997823fa65083865bf73ca2dbe1613e2c4',
  });
  assert.is(flagValue(argv, '--format'), 'json');
  assert.is(flagValue(argv, '--output'), base.outputFile);
  assert.is(flagValue(argv, '--exit-code'), '0');
  assert.ok(argv.includes('--quiet'));
  assert.is(argv.at(-1), 'sha256:41625eafc3098ebe89ab53cd879f95997823fa65083865bf73ca2dbe1613e2c4');
  for (const absent of ['--ignore-unfixed', '--ignorefile', '--timeout', '--skip-db-update'])
    assert.not.ok(argv.includes(absent), absent);
});

const severityCases: ReadonlyArray<readonly [string, TrivyScanOptions['severities'], string | undefined]> = [
  ['ordered most severe first', ['LOW', 'CRITICAL', 'MEDIUM'], 'CRITICAL,MEDIUM,LOW'],
  ['duplicates removed', ['HIGH', 'HIGH'], 'HIGH'],
  ['all five', ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], 'CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN'],
  ['none: flag omitted, Trivy reports every level', [], undefined],
];
for (const [name, severities, expected] of severityCases) {
  image(`--severity: ${name}`, () => {
    const argv = trivyImageArgs({ ...base, severities, image: 'a:1' });
    assert.is(flagValue(argv, '--severity'), expected);
    assert.is(argv.includes('--severity'), expected !== undefined);
  });
}

image('offline: skips the vulnerability DB and the Java DB', () => {
  const argv = trivyImageArgs({ ...base, image: 'a:1', skipDbUpdate: true });
  assert.ok(argv.includes('--skip-db-update') && argv.includes('--skip-java-db-update'));
});

image('a target that would be parsed as a flag is a bug', () => {
  assert.throws(() => trivyImageArgs({ ...base, image: '--help' }), /Internal error/);
  assert.throws(() => trivyImageArgs({ ...base, image: '' }), /Internal error/);
});

const config = suite('trivyConfigArgs');

config('scans the project directory, misconfig flags only', () => {
  assert.equal(
    trivyConfigArgs({
      ...base,
      outputFile: '/p/reports/trivy-config.json',
      target: '/p',
      ignoreUnfixed: true,
      skipDbUpdate: true,
      skipDirs: ['node_modules', 'reports'],
    }),
    [
      'config',
      '--format',
      'json',
      '--output',
      '/p/reports/trivy-config.json',
      '--exit-code',
      '0',
      '--quiet',
      '--severity',
      'CRITICAL,HIGH',
      '--skip-dirs',
      'node_modules,reports',
      '--skip-check-update',
      '/p',
    ],
  );
});

config('no image-only flags, even when asked (trivy config would reject them)', () => {
  const argv = trivyConfigArgs({ ...base, target: '/p', ignoreUnfixed: true, skipDbUpdate: true });
  for (const imageOnly of ['--ignore-unfixed', '--skip-db-update', '--skip-java-db-update'])
    assert.not.ok(argv.includes(imageOnly), imageOnly);
});

const container = suite('trivyContainerPrefix');

container('runs the official image like the installation guide, with the project read-only at its own path', () => {
  assert.equal(
    trivyContainerPrefix({
      trivyImage: 'aquasec/trivy:0.58.1',
      projectDir: '/home/me/app',
      reportsDir: '/home/me/app/reports',
      cacheVolume: 'cloudy_trivy_cache',
    }),
    [
      'docker',
      'run',
      '--rm',
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      '-v',
      'cloudy_trivy_cache:/root/.cache/',
      '-v',
      '/home/me/app:/home/me/app:ro',
      '-v',
      '/home/me/app/reports:/home/me/app/reports',
      '-w',
      '/home/me/app',
      'aquasec/trivy:0.58.1',
    ],
  );
});

container('a rootless socket and a container name for cleanup', () => {
  const argv = trivyContainerPrefix({
    trivyImage: DEFAULT_TRIVY_IMAGE,
    projectDir: '/p',
    reportsDir: '/r',
    cacheVolume: 'c',
    dockerSocket: '/run/user/1000/docker.sock',
    containerName: 'cloudy-trivy-1',
  });
  assert.ok(argv.includes('/run/user/1000/docker.sock:/var/run/docker.sock'));
  assert.is(flagValue(argv, '--name'), 'cloudy-trivy-1');
  assert.is(argv.at(-1), DEFAULT_TRIVY_IMAGE);
});

container('the default image is pinned to a release and a digest, and is the config default', async () => {
  assert.match(DEFAULT_TRIVY_IMAGE, /^aquasec\/trivy:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  const { resolveConfig } = await import('../../lib/config/resolve.js');
  assert.is(resolveConfig({}, '/p').scan.trivyImage, DEFAULT_TRIVY_IMAGE);
});

const standin = suite('the argv is accepted by the trivy stand-in (which rejects unknown flags like Trivy)');
let work = '';
standin.before(() => {
  work = realpathSync(mkdtempSync(path.join(tmpdir(), 'cloudy-trivy-args-')));
});
standin.after(() => rmSync(work, { recursive: true, force: true }));

standin('image and config scans write parsable reports and exit 0 despite findings', () => {
  const full = {
    ...base,
    severities: ['CRITICAL', 'HIGH', 'MEDIUM'] as const,
    ignoreUnfixed: true,
    ignoreFile: path.join(work, '.trivyignore'),
    timeout: '10m',
    skipDbUpdate: true,
  };
  const runs = [
    {
      argv: trivyImageArgs({ ...full, image: 'app:1', outputFile: path.join(work, 'image.json') }),
      out: 'image.json',
      findings: 6,
    },
    {
      argv: trivyConfigArgs({
        ...full,
        target: work,
        skipDirs: ['node_modules'],
        outputFile: path.join(work, 'config.json'),
      }),
      out: 'config.json',
      findings: 7,
    },
  ];
  for (const { argv, out, findings } of runs) {
    const env = {
      PATH: process.env['PATH'] ?? '',
      TRIVY_STANDIN_REPORT: path.join(FIXTURES, 'alpine-39.json.golden'),
      TRIVY_STANDIN_CONFIG_REPORT: path.join(FIXTURES, 'helm.json.golden'),
    };
    const r = spawnSync(process.execPath, [STANDIN, ...argv], { cwd: work, env, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const parsed = parseTrivyReport(JSON.parse(readFileSync(path.join(work, out), 'utf8')));
    assert.ok(parsed.ok);
    // MANIFEST: alpine-39 is C2/M4 (all fixed); helm's failed checks are H3/M4/L11, LOW filtered out.
    assert.is(parsed.report.findings.length, findings);
  }
});

image.run();
config.run();
container.run();
standin.run();
