import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LABELS, projectId } from '../../lib/docker/labels.js';
import { HARDENED_RUN_FLAGS } from '../../test/helpers/docker.js';
import { defineCase, ENV, fixtures, root } from '../harness.js';

/**
 * "Nothing changed means nothing happens", measured: a second `deploy-secure` on the worked
 * example against the same steps done the Makefile way (bench/fixtures/make-way.mjs: build with a
 * fresh BUILD_DATE on a warm cache, trivy image + config, stop, rm, run). Trivy is the test
 * stand-in on both sides (a real scan takes seconds: with real Trivy the ratio is lower still).
 */
export default defineCase({
  name: 'deploy-secure, nothing changed',
  targets: { ratio: 0.25 },
  needs: 'docker',
  prepare: ({ project, node, cli }) => {
    const name = `cloudy-bench-${process.pid}`;
    const dir = project();
    cpSync(path.join(root, 'examples', 'cloudy-mc-codeface'), dir, { recursive: true });
    writeFileSync(
      path.join(dir, '.cloudyrc.json'),
      JSON.stringify({
        image: { name },
        container: { name, volumes: ['data', 'config', 'logs'].map((v) => `${name}_${v}:/app/${v}`) },
        baseImages: [],
      }),
    );
    const env = {
      PATH: `${path.join(root, 'test', 'fixtures', 'bin')}${path.delimiter}${ENV.PATH}`,
      DOCKER_BUILDKIT: '0',
      TRIVY_STANDIN_REPORT: path.join(root, 'test', 'fixtures', 'trivy', 'sl-micro-rancher5.4.json.golden'),
      MAKE_WAY_RUN_FLAGS: JSON.stringify([
        ...HARDENED_RUN_FLAGS,
        ...['data', 'config', 'logs'].flatMap((v) => ['-v', `${name}-make_${v}:/app/${v}`]),
      ]),
    };
    const makeWay = [node, path.join(fixtures, 'make-way.mjs'), name];
    for (const argv of [
      [node, cli, 'deploy-secure'],
      [...makeWay, '--first'],
    ]) {
      const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, env: { ...ENV, ...env }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}${r.stdout}`.slice(0, 2000));
    }
    return {
      subject: { argv: [node, cli, 'deploy-secure'], cwd: dir, env },
      baseline: { argv: makeWay, cwd: dir, env },
      baselineName: 'the Makefile way',
      cleanup: () => {
        spawnSync('docker', ['rm', '-f', name, `${name}-make`, `${name}-next`, `${name}-previous`]);
        const label = `label=${LABELS.project}=${projectId(dir, name)}`;
        const ids = spawnSync('docker', ['image', 'ls', '-q', '--filter', label], { encoding: 'utf8' }).stdout;
        spawnSync('docker', [
          'rmi',
          '-f',
          `${name}:make`,
          `${name}:latest`,
          ...new Set(ids.split('\n').filter(Boolean)),
        ]);
        const volumes = [name, `${name}-make`].flatMap((p) => ['data', 'config', 'logs'].map((v) => `${p}_${v}`));
        spawnSync('docker', ['volume', 'rm', '-f', ...volumes]);
      },
    };
  },
});
