import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  nameProblem,
  portProblem,
  referenceProblem,
  repositoryProblem,
  tagProblem,
} from '../../lib/docker/reference.js';

const Ref = suite('docker names and references');

const good = (fn: (v: string) => string | undefined, values: readonly string[]) => {
  for (const v of values) assert.is(fn(v), undefined, v);
};
const bad = (fn: (v: string) => string | undefined, values: Readonly<Record<string, string | RegExp>>) => {
  for (const [v, why] of Object.entries(values)) {
    const problem = fn(v);
    assert.ok(problem !== undefined, `${v} is refused`);
    assert.match(problem!, why, v);
  }
};

Ref('container names: moby restrictedNamePattern', () => {
  good(nameProblem, ['cloudy-mc-codeface', 'a', 'A_1.b-c', '0day']);
  bad(nameProblem, {
    'a/b': 'letters, digits',
    '-x': 'first character',
    '.x': 'first character',
    'a b': 'letters',
    '': 'empty',
  });
});

Ref('repositories: lowercase path components, an optional registry host[:port]', () => {
  good(repositoryProblem, [
    'app',
    'team/app',
    'registry.example.com/team/app',
    'localhost:5000/app',
    '127.0.0.1:5000/a/b',
    'a__b',
    'a--b',
  ]);
  bad(repositoryProblem, {
    Cloudy: 'lowercase',
    'ghcr.io/Team/app': 'lowercase',
    'app:1': 'tag belongs in image.tag',
    'app@sha256:00': 'digest belongs',
    'a..b': 'not a valid path component',
    '-app': 'not a valid path component',
  });
});

Ref('tags: 1-128 word characters, dots and dashes, no digest', () => {
  good(tagProblem, ['latest', '1.4.2', 'v1_0-rc.1', 'a'.repeat(128)]);
  bad(tagProblem, {
    'sha256:0123': 'digest is not a tag',
    '-x': '1 to 128',
    '.x': '1 to 128',
    'a b': '1 to 128',
    ['a'.repeat(129)]: '1 to 128',
  });
});

Ref('references: repository[:tag][@digest], never an option', () => {
  good(referenceProblem, [
    'alpine',
    'alpine:3.20',
    'localhost:5000/app:1',
    `aquasec/trivy:0.58.1@sha256:${'a'.repeat(64)}`,
  ]);
  bad(referenceProblem, {
    '-x': 'read as an option',
    '--help': 'read as an option',
    Alpine: 'lowercase',
    'a@b': 'not a digest',
    'app:': '1 to 128',
  });
});

Ref('published ports: [ip:][hostPort:]containerPort[/proto], 1-65535', () => {
  good(portProblem, [
    '8080',
    '8080:80',
    '127.0.0.1:8080:80',
    '127.0.0.1::80',
    '[::1]:8080:80',
    '8080:80/udp',
    '8000-8001:80-81',
  ]);
  bad(portProblem, {
    '99999:80': 'port 99999 is outside 1-65535',
    '0:80': 'port 0 is outside',
    '80/xyz': '"xyz" is not a protocol',
    'a:b': 'expected [ip:]',
    '1.2.3:8:8': 'not an IPv4 address',
    '8001-8000:80': 'runs backwards',
    '1:2:3:4': 'expected [ip:]',
    '8080:': 'expected [ip:]',
  });
});

Ref.run();
