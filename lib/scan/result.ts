import type { Severity } from './severity.js';

/** The typed output of `security-scan`; `deploy-secure` refuses an image without a passing one. */
export interface ScanResult {
  /** The image id that was scanned (equal to the docker task's `imageId`). */
  readonly imageId: string;
  /** True when nothing at or above `threshold` was found (after ignores). */
  readonly passed: boolean;
  readonly threshold: Severity;
  /** Findings by severity, vulnerabilities + misconfigurations + secrets, after ignores. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** Findings at or above the threshold. */
  readonly blocking: number;
  /** Paths of the reports written (absent under --dry-run). */
  readonly reports: {
    readonly trivyImage?: string;
    readonly trivyConfig?: string;
    readonly sarif?: string;
    readonly summary?: string;
  };
  /** True under --dry-run: nothing was scanned. */
  readonly dryRun: boolean;
  /** True when this is an earlier scan's result, reused because nothing it depends on changed. */
  readonly upToDate: boolean;
  /** ISO time the scan ran (absent under --dry-run). */
  readonly scannedAt?: string;
  /**
   * The scanner that produced it, as it reported itself (`trivy --version`): a report says what
   * made it. `from` is the binary's path or the container image. Absent under --dry-run.
   */
  readonly scanner?: {
    readonly tool: 'trivy';
    /** `unknown` when `trivy --version` gave none. */
    readonly version: string;
    readonly from: string;
    readonly vulnerabilityDbUpdatedAt?: string;
  };
}
