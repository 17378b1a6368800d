import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../lib/config/resolve.js';
import { configSchema, validate } from '../../lib/config/schema.js';
import { nameProblem, repositoryProblem } from '../../lib/docker/reference.js';
import { defineTask } from '../../lib/engine/task.js';

const problems = (config: unknown) => validate(config, configSchema, '', 'cloudy.config.ts');
const Schema = suite('config validation');

Schema('the empty config is valid and resolves to the guide defaults', () => {
  assert.equal(problems({}), []);
  const c = resolveConfig({}, '/p');
  // Names come from the project (its directory here, no package.json): never one name for all.
  assert.is(c.image.ref, 'p:latest');
  assert.is(c.container.name, 'p');
  assert.is(c.container.user, '1001:1001');
  assert.is(c.container.memory, '512m');
  assert.is(c.container.memorySwap, '512m');
  assert.is(c.container.cpus, '1.0');
  assert.is(c.container.restart, 'unless-stopped');
  assert.equal(c.container.volumes, ['p_data:/app/data', 'p_config:/app/config', 'p_logs:/app/logs']);
  assert.equal(c.baseImages, ['golang:1.21-alpine', 'alpine:latest']);
  assert.equal(c.scan.severity, ['CRITICAL', 'HIGH']);
  // A gate below the requested levels widens what Trivy reports, or it could never block.
  assert.equal(resolveConfig({ scan: { failOn: 'MEDIUM' } }, '/p').scan.severity, ['CRITICAL', 'HIGH', 'MEDIUM']);
  assert.is(c.scan.failOn, 'HIGH');
  assert.is(c.image.dockerfile, '/p/Dockerfile');
});

Schema('default names: the package.json name, else the directory, as a Docker name; set names win', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cloudy-names-'));
  try {
    const named = (pkg: string | undefined, config: Parameters<typeof resolveConfig>[0] = {}) => {
      if (pkg !== undefined) writeFileSync(path.join(dir, 'package.json'), pkg);
      else rmSync(path.join(dir, 'package.json'), { force: true });
      const c = resolveConfig(config, dir);
      return [c.image.name, c.container.name, c.container.volumes[0], c.dev.project];
    };
    assert.equal(named('{"name":"@acme/Billing API"}'), [
      'billing-api',
      'billing-api',
      'billing-api_data:/app/data',
      'billing-api-dev',
    ]);
    assert.equal(named('{"name":"___"}'), ['app', 'app', 'app_data:/app/data', 'app-dev']);
    assert.equal(named('not json').slice(0, 2), [path.basename(dir).toLowerCase(), path.basename(dir).toLowerCase()]);
    assert.equal(named(undefined, { image: { name: 'registry.local:5000/team/api' } }).slice(0, 3), [
      'registry.local:5000/team/api',
      'api',
      'api_data:/app/data',
    ]);
    const set = resolveConfig({ container: { name: 'web', volumes: ['cloudy_data:/app/data'] } }, dir).container;
    assert.equal([set.name, set.volumes], ['web', ['cloudy_data:/app/data']]);
    // Every derived name passes Docker's own rules.
    for (const pkg of ['{"name":"x".repeat(300)}', '{"name":"Ünïcode Näme!"}', '{"name":"-leading"}']) {
      const [image, container] = named(pkg.replace('"x".repeat(300)', `"${'x'.repeat(300)}"`));
      assert.is(repositoryProblem(image!), undefined, image);
      assert.is(nameProblem(container!), undefined, container);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Schema('memory-swap follows memory unless set', () => {
  assert.is(resolveConfig({ container: { memory: '1g' } }, '/p').container.memorySwap, '1g');
  assert.is(resolveConfig({ container: { memory: '1g', memorySwap: '2g' } }, '/p').container.memorySwap, '2g');
  assert.is(resolveConfig({ container: { cpus: 2 } }, '/p').container.cpus, '2');
});

Schema('the memory reservation is half the limit unless set', () => {
  assert.is(resolveConfig({}, '/p').container.memoryReservation, '256m');
  assert.is(resolveConfig({ container: { memory: '128m' } }, '/p').container.memoryReservation, '64m');
  // Half of 8m would be below docker's minimum reservation.
  assert.is(resolveConfig({ container: { memory: '8m' } }, '/p').container.memoryReservation, '6m');
  assert.is(
    resolveConfig({ container: { memory: '1g', memoryReservation: '900m' } }, '/p').container.memoryReservation,
    '900m',
  );
});

Schema('names the bad key, the expected type and the value received', () => {
  assert.equal(problems({ container: { memory: 512 } }), [
    {
      reason: 'invalid-config',
      file: 'cloudy.config.ts',
      path: 'container.memory',
      expected: 'a size such as "512m" (a number with an optional b, k, m, g, t or p unit)',
      received: '512',
    },
  ]);
});

Schema('sizes are what docker run --memory accepts, by the one parser the policy and checks use', () => {
  // Each of these was accepted by `docker create --memory` on Engine 20.10; 512x was refused.
  for (const memory of ['512m', '512M', '512mb', '512MiB', '1gb', '1 g', '1.5g', '1073741824']) {
    assert.equal(problems({ container: { memory, memorySwap: memory } }), [], memory);
  }
  for (const memory of ['512x', '-1', 'm', '', '1gg', '1,5g']) {
    assert.is(problems({ container: { memory } })[0]?.reason, 'invalid-config', memory);
  }
});

Schema('suggests the closest key for a misspelt one', () => {
  const [p] = problems({ imgae: { name: 'x' } });
  assert.is(p?.reason, 'unknown-key');
  if (p?.reason === 'unknown-key') {
    assert.is(p.path, 'imgae');
    assert.is(p.suggestion, 'image');
  }
  // A swap of two letters is one typo; a name that shares one letter is not a suggestion.
  const [swap] = problems({ container: { memroy: '1g' } });
  assert.is(swap?.reason === 'unknown-key' && swap.suggestion, 'container.memory');
  assert.ok(swap?.reason === 'unknown-key' && swap.known.includes('memory') && swap.known.includes('user'));
  const [far] = problems({ tasks: { a: { run: 'true' } }, bb: 1 });
  assert.is(far?.reason === 'unknown-key' && far.suggestion, undefined, 'no suggestion for a two-letter key');
});

Schema('reports every problem in one pass', () => {
  const all = problems({
    image: { name: 'ok', tag: 7 },
    container: { user: 'appuser', pidsLimit: 0 },
    scan: { severity: ['HIGH', 'SEVERE'] },
  });
  assert.equal(
    all.map((p) => (p.reason === 'invalid-config' ? p.path : p.reason)),
    ['image.tag', 'container.user', 'container.pidsLimit', 'scan.severity[1]'],
  );
});

Schema('refuses values that would be read as flags or shell', () => {
  const [p] = problems({ image: { name: 'x; touch /tmp/pwned' } });
  assert.is(p?.reason === 'invalid-config' && p.path, 'image.name');
  assert.is(problems({ image: { name: '--privileged' } }).length, 1);
});

Schema('declarative tasks need run; defineTask values are accepted', () => {
  const t = defineTask({ name: 'lint', description: 'lint', run: () => undefined });
  assert.equal(problems({ tasks: { lint: t, fmt: { run: ['gofmt -l .'], deps: ['docker'] } } }), []);
  const [p] = problems({ tasks: { fmt: { deps: ['docker'] } } });
  assert.is(p?.reason === 'invalid-config' && p.path, 'tasks["fmt"].run');
});

Schema.run();
