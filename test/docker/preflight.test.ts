import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildContextFiles, type PreflightFinding, preflight } from '../../lib/docker/preflight.js';
import { formatPreflight } from '../../lib/render/preflight.js';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** Creates a project from `files` (path → content), runs `fn`, and always removes it. */
async function withProject<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cloudy-preflight-'));
  try {
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), content);
    }
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The seed's multi-stage scratch pattern, hardened as docs/docker-hardening.md asks. */
const COMPLIANT_DOCKERFILE = lines(
  '# syntax=docker/dockerfile:1',
  'ARG GO_VERSION=1.22',
  'FROM golang:${GO_VERSION}-alpine AS build',
  'WORKDIR /src',
  'COPY go.mod ./',
  'RUN go mod download && go mod verify',
  'COPY . .',
  'ARG VERSION=dev',
  'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/server .',
  '',
  'FROM scratch',
  'ARG BUILD_DATE',
  'ARG VCS_REF',
  'LABEL org.opencontainers.image.created=$BUILD_DATE org.opencontainers.image.revision=$VCS_REF',
  'ENV GOTELEMETRY=off',
  'COPY --from=build --chown=1001:1001 /out/server /app/server',
  'USER 1001:1001',
  'HEALTHCHECK --interval=5s --timeout=2s --retries=3 CMD ["/app/server", "healthcheck"]',
  'ENTRYPOINT ["/app/server"]',
);

/** The guide's .dockerignore list (seed/docker-security-guide.md, "Excluded Files"). */
const GUIDE_IGNORE = [
  '.env',
  '.env.*',
  '!.env.example',
  '*.key',
  '*.pem',
  'secrets/',
  '.git/',
  'Makefile',
  'scripts/',
  'ai_learning/',
  'conversations/',
  'docs/',
];

/** A source tree that holds every kind of file the guide wants kept out. */
const TREE: Record<string, string> = {
  'go.mod': 'module cloudy\n',
  'main.go': 'package main\n',
  '.env': 'API_TOKEN=s3cr3t\n',
  '.env.production': 'DB_PASSWORD=x\n',
  '.env.example': 'API_TOKEN=\n',
  'server.key': 'k',
  'tls.pem': 'p',
  'secrets/db.txt': 'x',
  'secrets/nested/api.txt': 'x',
  '.git/HEAD': 'ref: refs/heads/main\n',
  '.git/objects/ab/cdef': 'x',
  'ai_learning/notes.txt': 'x',
  'conversations/2024.json': '{}',
  Makefile: 'all:\n',
  'scripts/deploy.sh': '#!/bin/sh\n',
  'docs/guide.md': '# x\n',
};

const project = (ignore: readonly string[], dockerfile = COMPLIANT_DOCKERFILE): Record<string, string> => ({
  ...TREE,
  Dockerfile: dockerfile,
  '.dockerignore': lines(...ignore),
});

const run = (
  dir: string,
  extra: { requireScratch?: boolean; buildArgs?: Record<string, string> } = {},
): Promise<PreflightFinding[]> => preflight({ contextDir: dir, dockerfile: path.join(dir, 'Dockerfile'), ...extra });

const Context = suite('preflight: build context');

Context('the compliant project has no findings at all', async () => {
  const findings = await withProject(project(GUIDE_IGNORE), (dir) => run(dir));
  assert.equal(findings, [], formatPreflight(findings));
});

Context('a .dockerignore that misses .env gives one finding naming .env and the fix', async () => {
  const findings = await withProject(project(GUIDE_IGNORE.filter((p) => p !== '.env')), (dir) => run(dir));
  assert.equal(
    findings.map((f) => [f.rule, f.severity, f.file, f.line]),
    [['context-secret', 'error', '.env', undefined]],
  );
  assert.match(
    findings[0]?.message ?? '',
    /^\.env: `\.env` is in the build context.*fix: add `\.env` to \.dockerignore$/,
  );
});

Context('without a .dockerignore every secret is reported, each folder once', async () => {
  const findings = await withProject({ ...TREE, Dockerfile: COMPLIANT_DOCKERFILE }, (dir) => run(dir));
  assert.equal(
    findings.map((f) => f.file),
    ['.env', '.env.production', '.git/', 'ai_learning/', 'conversations/', 'secrets/', 'server.key', 'tls.pem'],
  );
  assert.ok(findings.every((f) => f.rule === 'context-secret' && f.severity === 'error' && f.line === undefined));
  assert.match(
    findings.find((f) => f.file === 'secrets/')?.message ?? '',
    /`secrets\/` \(2 files\).*add `secrets\/` to \.dockerignore/,
  );
  assert.match(findings.find((f) => f.file === '.env.production')?.message ?? '', /`\.env\.\*` plus `!\.env\.example`/);
});

Context('secrets in subfolders are found, with a ** pattern suggested', async () => {
  const files = {
    Dockerfile: COMPLIANT_DOCKERFILE,
    '.dockerignore': lines(...GUIDE_IGNORE),
    'config/tls/server.pem': 'p',
    'svc/.env': 'x',
    'svc/secrets/a': 'x',
  };
  const findings = await withProject(files, (dir) => run(dir));
  assert.equal(
    findings.map((f) => f.file),
    ['config/tls/server.pem', 'svc/.env', 'svc/secrets/'],
  );
  assert.match(findings[0]?.message ?? '', /add `config\/tls\/server\.pem` \(or `\*\*\/\*\.pem`\) to \.dockerignore/);
});

Context('a ! pattern that re-includes .env is caught', async () => {
  const findings = await withProject(project(['.env*', '!.env', ...GUIDE_IGNORE.slice(2)]), (dir) => run(dir));
  assert.equal(
    findings.map((f) => f.file),
    ['.env'],
  );
});

const Files = suite('preflight: buildContextFiles');

const contextCases: ReadonlyArray<{ name: string; ignore: string[]; files: string[]; want: string[] }> = [
  {
    name: 'no .dockerignore sends everything',
    ignore: [],
    files: ['a.go', 'sub/b.go'],
    want: ['Dockerfile', 'a.go', 'sub/b.go'],
  },
  {
    name: '! re-includes a file after a broader pattern',
    ignore: ['*.md', '!README.md'],
    files: ['README.md', 'CHANGES.md', 'sub/x.md'],
    want: ['.dockerignore', 'Dockerfile', 'README.md', 'sub/x.md'],
  },
  {
    name: '! re-includes a file inside an ignored folder',
    ignore: ['docs', '!docs/public.md'],
    files: ['docs/public.md', 'docs/private.md', 'docs/deep/x.md'],
    want: ['.dockerignore', 'Dockerfile', 'docs/public.md'],
  },
  {
    name: 'a later pattern wins over an earlier !',
    ignore: ['!keep.txt', '*.txt'],
    files: ['keep.txt', 'a.go'],
    want: ['.dockerignore', 'Dockerfile', 'a.go'],
  },
  {
    name: 'BuildKit descends into an ignored folder when any ! exception exists',
    ignore: ['build', '!**/keep.txt'],
    files: ['build/deep/keep.txt', 'build/deep/drop.txt'],
    want: ['.dockerignore', 'Dockerfile', 'build/deep/keep.txt'],
  },
  {
    name: '** matches at any depth, a bare name only at the root',
    ignore: ['**/*.log', 'tmp'],
    files: ['a.log', 'x/y/b.log', 'tmp/t', 'x/tmp/t'],
    want: ['.dockerignore', 'Dockerfile', 'x/tmp/t'],
  },
  {
    name: 'the Dockerfile and .dockerignore are sent even when ignored',
    ignore: ['Dockerfile', '.dockerignore', '*'],
    files: ['a.go'],
    want: ['.dockerignore', 'Dockerfile'],
  },
  {
    name: 'comments and blank lines are not patterns',
    ignore: ['# a.go', '', '  b.go  '],
    files: ['a.go', 'b.go'],
    want: ['.dockerignore', 'Dockerfile', 'a.go'],
  },
];

for (const c of contextCases) {
  Files(c.name, async () => {
    const files: Record<string, string> = { Dockerfile: 'FROM scratch\n' };
    if (c.ignore.length > 0) files['.dockerignore'] = lines(...c.ignore);
    for (const f of c.files) files[f] = 'x';
    assert.equal(await withProject(files, (dir) => buildContextFiles(dir)), c.want);
  });
}

Files('a <Dockerfile>.dockerignore next to the Dockerfile wins over .dockerignore', async () => {
  const files = {
    'build/app.Dockerfile': 'FROM scratch\n',
    'build/app.Dockerfile.dockerignore': 'a.go\n',
    '.dockerignore': 'b.go\n',
    'a.go': '',
    'b.go': '',
  };
  const got = await withProject(files, (dir) => buildContextFiles(dir, path.join(dir, 'build/app.Dockerfile')));
  assert.equal(got, ['.dockerignore', 'b.go', 'build/app.Dockerfile', 'build/app.Dockerfile.dockerignore']);
});

const Rules = suite('preflight: Dockerfile rules');

type Row = readonly [rule: string, severity: 'error' | 'warning', line: number];
const HC = 'HEALTHCHECK CMD ["/app/server", "healthcheck"]';

const ruleCases: ReadonlyArray<{
  name: string;
  dockerfile: string;
  requireScratch?: boolean;
  buildArgs?: Record<string, string>;
  want: Row[];
}> = [
  {
    name: 'final stage not scratch',
    dockerfile: lines('FROM alpine:3.20', 'USER 1001:1001', HC),
    want: [['final-not-scratch', 'error', 1]],
  },
  {
    name: 'requireScratch false allows another base',
    dockerfile: lines('FROM alpine:3.20', 'USER 1001:1001', HC),
    requireScratch: false,
    want: [],
  },
  {
    name: 'final FROM <stage> that is scratch counts as scratch',
    dockerfile: lines('FROM scratch AS base', 'USER 1001', HC, 'FROM base'),
    want: [],
  },
  {
    name: 'final FROM <stage> rooted in alpine is not scratch',
    dockerfile: lines('FROM alpine:3.20 AS base', 'FROM base', 'USER 1', HC),
    want: [['final-not-scratch', 'error', 2]],
  },
  {
    name: 'no USER',
    dockerfile: lines('FROM golang:1.22 AS b', 'USER 1001', 'FROM scratch', HC),
    want: [['user-missing', 'error', 3]],
  },
  ...['0', 'root', '0:0', 'root:root', 'ROOT'].map((u) => ({
    name: `USER ${u}`,
    dockerfile: lines('FROM scratch', `USER ${u}`, HC),
    want: [['user-root', 'error', 2]] as Row[],
  })),
  ...['appuser', '1001:appgroup', 'appuser:1001', '${NOPE}'].map((u) => ({
    name: `USER ${u}`,
    dockerfile: lines('FROM scratch', `USER ${u}`, HC),
    want: [['user-not-numeric', 'error', 2]] as Row[],
  })),
  {
    name: 'USER from an ARG is numeric',
    dockerfile: lines('FROM scratch', 'ARG UID=1001', 'USER ${UID}:${UID}', HC),
    want: [],
  },
  {
    name: 'the last USER counts',
    dockerfile: lines('FROM scratch', 'USER 1001', HC, 'USER 0'),
    want: [['user-root', 'error', 4]],
  },
  {
    name: 'no HEALTHCHECK on scratch is an error',
    dockerfile: lines('FROM scratch', 'USER 1001'),
    want: [['healthcheck-missing', 'error', 1]],
  },
  {
    name: 'no HEALTHCHECK elsewhere is a warning',
    dockerfile: lines('FROM alpine:3.20', 'USER 1001'),
    requireScratch: false,
    want: [['healthcheck-missing', 'warning', 1]],
  },
  {
    name: 'HEALTHCHECK NONE',
    dockerfile: lines('FROM scratch', 'USER 1001', 'HEALTHCHECK NONE'),
    want: [['healthcheck-missing', 'error', 3]],
  },
  {
    name: 'shell-form HEALTHCHECK on scratch',
    dockerfile: lines('FROM scratch', 'USER 1001', 'HEALTHCHECK CMD /app/server healthcheck'),
    want: [['healthcheck-shell-form', 'error', 3]],
  },
  {
    name: 'shell-form HEALTHCHECK on alpine',
    dockerfile: lines('FROM alpine:3.20', 'USER 1001', 'HEALTHCHECK CMD wget -q localhost'),
    requireScratch: false,
    want: [['healthcheck-shell-form', 'warning', 3]],
  },
  {
    name: 'ADD of a URL, in any stage',
    dockerfile: lines(
      'FROM golang:1.22 AS b',
      'ADD https://x.example/a.tgz /a',
      'FROM scratch',
      'ADD http://x.example/b /b',
      'ADD ./local /c',
      'USER 1',
      HC,
    ),
    want: [
      ['add-url', 'error', 2],
      ['add-url', 'error', 4],
    ],
  },
  {
    name: 'secret-looking ENV and ARG names, GPG_KEY allowed',
    dockerfile: lines(
      'ARG GITHUB_TOKEN',
      'FROM scratch',
      'ENV API_TOKEN=x GPG_KEY=abc UMASK=077',
      'ARG DB_PASSWORD',
      'ENV private_path=/x',
      'USER 1',
      HC,
    ),
    want: [
      ['secret-env', 'error', 1],
      ['secret-env', 'error', 3],
      ['secret-env', 'error', 4],
      ['secret-env', 'error', 5],
    ],
  },
  {
    name: 'floating tags warn; pinned, digest and scratch do not',
    dockerfile: lines(
      'FROM alpine AS a',
      'FROM alpine:latest AS b',
      'FROM localhost:5000/app AS c',
      'FROM alpine@sha256:abc AS d',
      'FROM golang:1.22 AS e',
      'FROM a AS f',
      'FROM scratch',
      'USER 1',
      HC,
    ),
    want: [
      ['floating-tag', 'warning', 1],
      ['floating-tag', 'warning', 2],
      ['floating-tag', 'warning', 3],
    ],
  },
  {
    name: 'floating tag after ARG resolution',
    dockerfile: lines('ARG TAG=latest', 'FROM alpine:${TAG} AS a', 'FROM scratch', 'USER 1', HC),
    want: [['floating-tag', 'warning', 2]],
  },
  {
    name: '--build-arg pins the tag',
    dockerfile: lines('ARG TAG=latest', 'FROM alpine:${TAG} AS a', 'FROM scratch', 'USER 1', HC),
    buildArgs: { TAG: '3.20' },
    want: [],
  },
  {
    name: 'FROM with an undeclared variable',
    dockerfile: lines('FROM golang:${GO} AS b', 'FROM scratch', 'USER 1', HC),
    want: [
      ['from-unresolved', 'warning', 1],
      ['floating-tag', 'warning', 1],
    ],
  },
  { name: 'empty Dockerfile', dockerfile: lines('# nothing'), want: [['dockerfile-no-from', 'error', 1]] },
];

for (const c of ruleCases) {
  Rules(c.name, async () => {
    const files = { Dockerfile: c.dockerfile, '.dockerignore': lines(...GUIDE_IGNORE) };
    const opts = {
      ...(c.requireScratch === undefined ? {} : { requireScratch: c.requireScratch }),
      ...(c.buildArgs === undefined ? {} : { buildArgs: c.buildArgs }),
    };
    const findings = await withProject(files, (dir) => run(dir, opts));
    assert.equal(
      findings.map((f) => [f.rule, f.severity, f.line]),
      c.want,
      formatPreflight(findings),
    );
    for (const f of findings) {
      assert.is(f.file, 'Dockerfile');
      assert.ok(f.message.startsWith(`Dockerfile:${f.line}: `), f.message);
      assert.ok(f.message.includes('; fix: ') && !f.message.includes('\n'), f.message);
    }
  });
}

Rules('secret-env names the variable but never prints its value', async () => {
  const dockerfile = lines('FROM scratch', 'ENV API_TOKEN=s3cr3t-value', 'USER 1', HC);
  const findings = await withProject({ Dockerfile: dockerfile }, (dir) => run(dir));
  assert.is(findings.length, 1);
  assert.match(findings[0]?.message ?? '', /`ENV API_TOKEN`/);
  assert.not.match(formatPreflight(findings), /s3cr3t/);
});

Rules('a missing Dockerfile is a finding, not a throw', async () => {
  const findings = await withProject({ 'a.go': '' }, (dir) => run(dir));
  assert.equal(
    findings.map((f) => [f.rule, f.file]),
    [['dockerfile-unreadable', 'Dockerfile']],
  );
});

Rules('a missing context dir is a finding, not a throw', async () => {
  const findings = await preflight({
    contextDir: path.join(tmpdir(), 'cloudy-preflight-does-not-exist'),
    dockerfile: 'Dockerfile',
  });
  assert.equal(
    findings.map((f) => f.rule),
    ['context-unreadable'],
  );
});

const Format = suite('preflight: formatPreflight');

Format('one aligned line per finding, location not repeated', () => {
  const findings: PreflightFinding[] = [
    {
      rule: 'user-root',
      severity: 'error',
      file: 'Dockerfile',
      line: 12,
      message: 'Dockerfile:12: `USER 0` runs as root; fix: use `USER 1001:1001`',
    },
    {
      rule: 'context-secret',
      severity: 'error',
      file: '.env',
      message: '.env: `.env` is in the build context; fix: add `.env` to .dockerignore',
    },
  ];
  assert.is(
    formatPreflight(findings),
    [
      'Dockerfile:12  error  user-root  `USER 0` runs as root; fix: use `USER 1001:1001`',
      '.env  error  context-secret  `.env` is in the build context; fix: add `.env` to .dockerignore',
    ].join('\n'),
  );
  assert.is(formatPreflight([]), '');
});

Context.run();
Files.run();
Rules.run();
Format.run();
