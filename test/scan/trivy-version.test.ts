import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { goTimeToIso, parseTrivyVersion } from '../../lib/scan/trivy-version.js';

const Version = suite('trivy --version');

// The shape of pkg/types/version.go (VersionInfo.String) in Trivy 0.5x–0.6x.
const REAL = `Version: 0.58.1
Vulnerability DB:
  Version: 2
  UpdatedAt: 2024-12-01 12:11:37.696263932 +0000 UTC
  NextUpdate: 2024-12-02 00:11:37.696263532 +0000 UTC
  DownloadedAt: 2024-12-01 13:27:52.219224 +0000 UTC
Java DB:
  Version: 1
  UpdatedAt: 2024-11-28 01:03:52.169192765 +0000 UTC
  NextUpdate: 2024-12-01 01:03:52.169192565 +0000 UTC
  DownloadedAt: 2024-11-29 09:37:48.906152 +0000 UTC
Check Bundle:
  Digest: sha256:829832357626da2677955e3b427191212978ba20012b6eaa03229ca28569ae43
  DownloadedAt: 2024-11-23 16:40:33.122462 +0000 UTC
`;

Version('reads the version, both DB dates and the checks bundle digest', () => {
  assert.equal(parseTrivyVersion(REAL), {
    version: '0.58.1',
    vulnerabilityDb: { updatedAt: '2024-12-01T12:11:37.696Z', nextUpdate: '2024-12-02T00:11:37.696Z' },
    javaDb: { updatedAt: '2024-11-28T01:03:52.169Z', nextUpdate: '2024-12-01T01:03:52.169Z' },
    checkBundle: 'sha256:829832357626da2677955e3b427191212978ba20012b6eaa03229ca28569ae43',
  });
});

Version('a Trivy without a downloaded DB, and output that is not Trivy', () => {
  assert.equal(parseTrivyVersion('Version: 0.58.1\n'), { version: '0.58.1' });
  assert.is(parseTrivyVersion('command not found'), undefined);
  assert.is(goTimeToIso('0001-01-01 00:00:00 +0000 UTC'), undefined, "Go's zero time is no date");
  assert.is(goTimeToIso('2024-12-01 14:11:37 +0200 CEST'), '2024-12-01T12:11:37.000Z');
});

Version.run();
