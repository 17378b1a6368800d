import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { baseImages, expand, parseDockerfile, splitImageRef, stageLineage } from '../../lib/docker/dockerfile.js';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

const Base = suite('dockerfile: baseImages');

const baseCases: ReadonlyArray<{ name: string; text: string; buildArgs?: Record<string, string>; want: string[] }> = [
  {
    name: 'global ARG default resolves in FROM; scratch is excluded',
    text: lines('ARG GO_VERSION=1.21', 'FROM golang:${GO_VERSION}-alpine AS build', 'FROM scratch'),
    want: ['golang:1.21-alpine'],
  },
  {
    name: '--build-arg overrides the ARG default',
    text: lines('ARG GO_VERSION=1.21', 'FROM golang:${GO_VERSION}-alpine AS build', 'FROM scratch'),
    buildArgs: { GO_VERSION: '1.22' },
    want: ['golang:1.22-alpine'],
  },
  {
    name: '$VAR form without braces',
    text: lines('ARG TAG=3.20', 'FROM alpine:$TAG'),
    want: ['alpine:3.20'],
  },
  {
    name: 'a --build-arg for an undeclared ARG is not used (Docker ignores it)',
    text: lines('FROM alpine:${TAG}'),
    buildArgs: { TAG: '3.20' },
    want: ['alpine:'],
  },
  {
    name: 'a global ARG can build on an earlier one',
    text: lines('ARG V=1.22', 'ARG IMG=golang:${V}', 'FROM ${IMG}'),
    want: ['golang:1.22'],
  },
  {
    name: '${VAR:-default} falls back when the ARG has no value',
    text: lines('ARG BASE', 'FROM ${BASE:-alpine:3.20}'),
    want: ['alpine:3.20'],
  },
  {
    name: '--platform is ignored',
    text: lines('FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'FROM scratch'),
    want: ['golang:1.22'],
  },
  {
    name: 'earlier stage names are excluded, case-insensitively',
    text: lines('FROM golang:1.22 AS Build', 'FROM build AS test', 'FROM BUILD', 'FROM scratch'),
    want: ['golang:1.22'],
  },
  {
    name: 'a stage name used before it is defined is an image',
    text: lines('FROM app', 'FROM alpine:3.20 AS app'),
    want: ['app', 'alpine:3.20'],
  },
  {
    name: 'deduplicated, file order kept',
    text: lines('FROM alpine:3.20 AS a', 'FROM golang:1.22 AS b', 'FROM alpine:3.20', 'FROM scratch'),
    want: ['alpine:3.20', 'golang:1.22'],
  },
  {
    name: 'an ARG inside a stage is not visible to later FROMs; blank images are dropped',
    text: lines('FROM golang:1.22 AS b', 'ARG X=alpine', 'FROM $X'),
    want: ['golang:1.22'],
  },
  {
    name: 'no FROM at all',
    text: lines('# empty'),
    want: [],
  },
];

for (const c of baseCases) {
  Base(c.name, () => {
    assert.equal(baseImages(parseDockerfile(c.text, c.buildArgs)), c.want);
  });
}

Base.run();

const Model = suite('dockerfile: model');

const seed = lines(
  '# syntax=docker/dockerfile:1', // 1
  'ARG GO_VERSION=1.21', // 2
  'FROM golang:${GO_VERSION}-alpine AS build', // 3
  'ENV CGO_ENABLED=0 GOOS=linux', // 4
  'RUN go build \\', // 5
  '    -o /out/server .', // 6
  'FROM scratch', // 7
  'ARG UID=1001', // 8
  'ADD https://example.com/ca.pem /etc/ssl/ca.pem', // 9
  'ADD --chown=1001:1001 ["a.txt", "b.txt", "/app/"]', // 10
  'USER ${UID}:${UID}', // 11
  'HEALTHCHECK --interval=5s \\', // 12
  '  CMD ["/app/server", "healthcheck"]', // 13
  'ENTRYPOINT ["/app/server"]', // 14
);

Model('stages, names, FROM lines and kinds are 1-based and resolved', () => {
  const m = parseDockerfile(seed);
  assert.equal(m.globalArgs, [{ name: 'GO_VERSION', line: 2 }]);
  assert.is(m.stages.length, 2);
  const [build, final] = m.stages;
  assert.equal(build?.from, {
    image: 'golang:1.21-alpine',
    raw: 'golang:${GO_VERSION}-alpine',
    line: 3,
    unresolved: [],
    kind: 'image',
  });
  assert.is(build?.name, 'build');
  assert.is(final?.from.kind, 'scratch');
  assert.is(final?.name, undefined);
  assert.is(m.finalStage, final);
});

Model('ENV and ARG names with their lines, no values', () => {
  const m = parseDockerfile(seed);
  assert.equal(m.stages[0]?.envs, [
    { name: 'CGO_ENABLED', line: 4 },
    { name: 'GOOS', line: 4 },
  ]);
  assert.equal(m.stages[1]?.args, [{ name: 'UID', line: 8 }]);
});

Model('USER is expanded with the stage ARG, and --build-arg wins', () => {
  assert.equal(parseDockerfile(seed).finalStage?.users, [{ value: '1001:1001', raw: '${UID}:${UID}', line: 11 }]);
  assert.is(parseDockerfile(seed, { UID: '2000' }).finalStage?.users[0]?.value, '2000:2000');
});

Model('ADD sources in shell and JSON form, flags left out', () => {
  assert.equal(parseDockerfile(seed).finalStage?.adds, [
    { sources: ['https://example.com/ca.pem'], line: 9 },
    { sources: ['a.txt', 'b.txt'], line: 10 },
  ]);
});

Model('instructions keep keyword, args without flags, and the first line of continued ones', () => {
  const build = parseDockerfile(seed).stages[0];
  assert.equal(
    build?.instructions.map((i) => [i.keyword, i.line]),
    [
      ['ENV', 4],
      ['RUN', 5],
    ],
  );
  assert.equal(parseDockerfile(seed).finalStage?.instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args[0], 'CMD');
});

const healthCases: ReadonlyArray<[string, string]> = [
  ['HEALTHCHECK CMD ["/app/server", "healthcheck"]', 'exec'],
  ['HEALTHCHECK --interval=5s --timeout=2s CMD ["/app/server"]', 'exec'],
  ['HEALTHCHECK CMD /app/server healthcheck', 'shell'],
  ['HEALTHCHECK CMD curl -f http://localhost/ || exit 1', 'shell'],
  ['HEALTHCHECK CMD ["/app/server", 1]', 'shell'],
  ['HEALTHCHECK CMD [not json', 'shell'],
  ['HEALTHCHECK NONE', 'none'],
  ['HEALTHCHECK CMD []', 'invalid'],
  ['HEALTHCHECK --interval=5s', 'invalid'],
];

for (const [line, form] of healthCases) {
  Model(`healthcheck form: ${line} -> ${form}`, () => {
    const found = parseDockerfile(lines('FROM scratch', line)).finalStage?.healthchecks;
    assert.equal(
      found?.map((h) => ({ form: h.form, line: h.line })),
      [{ form, line: 2 }],
    );
  });
}

const healthTests: ReadonlyArray<[string, readonly string[] | undefined, Record<string, string>]> = [
  ['HEALTHCHECK CMD ["/app/server", "healthcheck"]', ['CMD', '/app/server', 'healthcheck'], {}],
  [
    'HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=3 CMD ["/app/server"]',
    ['CMD', '/app/server'],
    { interval: '5s', timeout: '2s', 'start-period': '1s', retries: '3' },
  ],
  ['HEALTHCHECK CMD curl -f http://localhost/ || exit 1', ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], {}],
  ['HEALTHCHECK NONE', ['NONE'], {}],
  ['HEALTHCHECK CMD []', undefined, {}],
];

for (const [line, test, options] of healthTests) {
  Model(`healthcheck as inspect stores it: ${line}`, () => {
    const [found] = parseDockerfile(lines('FROM scratch', line)).finalStage?.healthchecks ?? [];
    assert.equal(found?.test, test);
    assert.equal(found?.options, options);
  });
}

Model('healthcheck continued over lines keeps its flags and exec argv', () => {
  const text = lines('FROM scratch', 'HEALTHCHECK --interval=2s \\', '  CMD ["/app/cloudy", "healthcheck"]');
  const [found] = parseDockerfile(text).finalStage?.healthchecks ?? [];
  assert.equal(found?.test, ['CMD', '/app/cloudy', 'healthcheck']);
  assert.equal(found?.options, { interval: '2s' });
});

Model('stageLineage follows FROM <stage> back to the root', () => {
  const m = parseDockerfile(
    lines('FROM scratch AS base', 'USER 1001', 'FROM base AS mid', 'FROM mid', 'FROM alpine:3.20'),
  );
  const [, , third, fourth] = m.stages;
  assert.ok(third !== undefined && fourth !== undefined);
  assert.equal(
    stageLineage(m, third).map((s) => s.index),
    [0, 1, 2],
  );
  assert.equal(
    stageLineage(m, fourth).map((s) => s.index),
    [3],
  );
});

Model('ENV is inherited through FROM <stage>, ARG is not', () => {
  const m = parseDockerfile(
    lines('FROM scratch AS base', 'ENV APP_UID=1001', 'ARG APP_GID=1001', 'FROM base', 'USER ${APP_UID}:${APP_GID}'),
  );
  assert.is(m.finalStage?.users[0]?.value, '1001:');
});

Model.run();

const Refs = suite('dockerfile: splitImageRef and expand');

const refCases: ReadonlyArray<[string, ReturnType<typeof splitImageRef>]> = [
  ['alpine', { name: 'alpine' }],
  ['alpine:3.20', { name: 'alpine', tag: '3.20' }],
  ['localhost:5000/app', { name: 'localhost:5000/app' }],
  ['localhost:5000/app:1.2', { name: 'localhost:5000/app', tag: '1.2' }],
  ['alpine@sha256:abc', { name: 'alpine', digest: 'sha256:abc' }],
  ['alpine:3.20@sha256:abc', { name: 'alpine', tag: '3.20', digest: 'sha256:abc' }],
];

for (const [ref, want] of refCases) {
  Refs(`splitImageRef ${ref}`, () => assert.equal(splitImageRef(ref), want));
}

const vars = new Map([
  ['A', 'x'],
  ['EMPTY', ''],
]);
const expandCases: ReadonlyArray<[string, string, string[]]> = [
  ['$A-${A}', 'x-x', []],
  ['${MISSING}', '', ['MISSING']],
  ['${MISSING:-d}', 'd', []],
  ['${EMPTY:-d}', 'd', []],
  ['${EMPTY-d}', '', []],
  ['${A:+set}', 'set', []],
  ['${EMPTY:+set}', '', []],
  ['${MISSING:-${A}y}', 'xy', []],
  ['\\$A', '$A', []],
  ['cost $5', 'cost $5', []],
];

for (const [input, want, missing] of expandCases) {
  Refs(`expand ${input}`, () => {
    const unresolved = new Set<string>();
    assert.is(expand(input, vars, unresolved), want);
    assert.equal([...unresolved], missing);
  });
}

Refs.run();
