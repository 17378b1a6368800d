/**
 * The import rules of .dependency-cruiser.cjs can fail: run the real dependency-cruiser with the
 * repository's own config on small trees that break one rule each, and on the repository itself.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from './helpers/paths.js';

const depcruise = path.join(repoRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(cwd: string, targets: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [depcruise, '--config', '.dependency-cruiser.cjs', ...targets], {
    cwd,
    encoding: 'utf8',
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A scratch project with the repository's rules and tsconfig and the given files. */
function tree(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloudy-arch-'));
  copyFileSync(path.join(repoRoot, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const Arch = suite('architecture rules');

Arch('the repository itself has no cycle and no forbidden import', () => {
  const r = cruise(repoRoot, ['lib', 'tasks', 'cli', 'index.ts', 'test', 'bench']);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, 'no dependency violations found');
});

const cases: readonly { rule: string; files: Readonly<Record<string, string>> }[] = [
  {
    rule: 'no-circular',
    files: {
      'lib/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'lib/b.ts': "import type { a } from './a.js';\nexport const b = 1 as unknown as typeof a;\n",
    },
  },
  {
    rule: 'engine-is-generic',
    files: {
      'lib/engine/runner.ts': "import { docker } from '../docker/cli.js';\nexport const r = docker;\n",
      'lib/docker/cli.ts': 'export const docker = 1;\n',
    },
  },
  {
    rule: 'engine-config-types-only',
    files: {
      'lib/engine/task.ts': "import { load } from '../config/types.js';\nexport const t = load;\n",
      'lib/config/types.ts': 'export const load = 1;\n',
    },
  },
  {
    rule: 'lib-not-to-cli-or-tasks',
    files: {
      'lib/docker/build.ts': "import t from '../../tasks/docker.js';\nexport const b = t;\n",
      'tasks/docker.ts': 'export default 1;\n',
    },
  },
  {
    rule: 'store-knows-no-domain',
    files: {
      'lib/store/history.ts': "import { S } from '../scan/severity.js';\nexport const h = S;\n",
      'lib/scan/severity.ts': 'export const S = 1;\n',
    },
  },
  {
    rule: 'only-the-spawner-spawns',
    files: { 'lib/docker/cli.ts': "import { spawn } from 'node:child_process';\nexport const d = spawn;\n" },
  },
  {
    rule: 'compose-renders-nothing',
    files: {
      'lib/compose/audit.ts': "import { t } from '../render/table.js';\nexport const a = t;\n",
      'lib/render/table.ts': 'export const t = 1;\n',
    },
  },
  {
    rule: 'deploy-is-on-top',
    files: {
      'lib/scan/run.ts': "import { deploy } from '../deploy/deploy.js';\nexport const r = deploy;\n",
      'lib/deploy/deploy.ts': 'export const deploy = 1;\n',
    },
  },
  {
    rule: 'docker-below-hardening-and-scan',
    files: {
      'lib/docker/cli.ts': "import { verify } from '../hardening/verify.js';\nexport const d = verify;\n",
      'lib/hardening/verify.ts': 'export const verify = 1;\n',
    },
  },
  {
    rule: 'swarm-and-kubernetes-models-are-pure',
    files: {
      'lib/kubernetes/manifests.ts': "import { docker } from '../docker/cli.js';\nexport const m = docker;\n",
      'lib/docker/cli.ts': 'export const docker = 1;\n',
    },
  },
  {
    rule: 'no-underscore-modules',
    files: {
      'lib/hardening/policy.ts': "import { x } from './_internal.js';\nexport const p = x;\n",
      'lib/hardening/_internal.ts': 'export const x = 1;\n',
    },
  },
];

for (const { rule, files } of cases) {
  Arch(`a tree that breaks ${rule} fails the check, naming the rule`, () => {
    const dir = tree(files);
    try {
      const roots = [...new Set(Object.keys(files).map((f) => f.split('/')[0]!))];
      const r = cruise(dir, roots);
      assert.is.not(r.code, 0, r.out);
      assert.ok(r.out.includes(`error ${rule}:`), r.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

Arch('a tree that keeps every rule passes (the cases above fail for their rule alone)', () => {
  const dir = tree({
    'lib/engine/runner.ts':
      "import type { ResolvedConfig } from '../config/types.js';\nexport const r = (c: ResolvedConfig) => c;\n",
    'lib/config/types.ts': 'export interface ResolvedConfig { readonly x: number }\n',
    'lib/docker/cli.ts': "import { r } from '../engine/runner.js';\nexport const d = r;\n",
    // The build records of lib/docker live in the domain-free store.
    'lib/docker/build-record.ts': "import { s } from '../store/records.js';\nexport const b = s;\n",
    'lib/store/records.ts': 'export const s = 1;\n',
    'lib/deploy/deploy.ts': "import { d } from '../docker/cli.js';\nexport const deploy = d;\n",
  });
  try {
    const r = cruise(dir, ['lib']);
    assert.is(r.code, 0, r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Arch.run();
