/**
 * The Flink releases we can run locally, pinned in one place. Each minor line maps to one patch
 * release that exists on PyPI (`apache-flink-libraries`, `apache-flink`), and to the release of
 * `flink-examples-streaming` on Maven Central whose example jars we ship with it: Central only
 * holds that artifact for some releases, and the example jars run unchanged on the other patch
 * releases of the line we pair them with (the integration tests prove it).
 */
export interface PinnedFlinkRelease {
  /** The minor line, as in image tags and `flinkVersion` (e.g. `2.2` for `v2_2`). */
  readonly line: string;
  /** The exact release whose distribution we assemble. */
  readonly version: string;
  /** The `flink-examples-streaming` release the example jars come from. */
  readonly examplesVersion: string;
  /**
   * Example jars Central lacks as classifier jars of `examplesVersion`: they are made from the
   * classes of its main artifact instead, as StateMachineExample always is.
   */
  readonly repackagedExamples?: readonly 'TopSpeedWindowing'[];
  /**
   * Flink artifacts (of `examplesVersion`) the repackaged example jars bundle, as Flink's build
   * shades them in, for releases whose flink-dist lacks them (1.18 has no datagen source).
   */
  readonly exampleDependencies?: readonly string[];
}

export const PINNED_FLINK_RELEASES: readonly PinnedFlinkRelease[] = [
  { line: '2.2', version: '2.2.1', examplesVersion: '2.3.0' },
  { line: '1.20', version: '1.20.5', examplesVersion: '1.20.0' },
  // The newest 1.18 on PyPI; Central has no TopSpeedWindowing jar of any 1.18 release.
  {
    line: '1.18',
    version: '1.18.1',
    examplesVersion: '1.18.1',
    repackagedExamples: ['TopSpeedWindowing'],
    exampleDependencies: ['flink-connector-datagen'],
  },
];

/** The release for a Flink version given as `2.2`, `2.2.1`, `v2_2` or an image tag such as `flink:1.20-java17`. */
export function pinnedFlinkRelease(versionOrTag: string): PinnedFlinkRelease {
  const text = versionOrTag.includes(':') ? versionOrTag.slice(versionOrTag.lastIndexOf(':') + 1) : versionOrTag;
  const match = /^v?(\d+)[._](\d+)(?:\.(\d+))?/.exec(text);
  const release = match && PINNED_FLINK_RELEASES.find((r) => r.line === `${match[1]}.${match[2]}`);
  if (!release) {
    const known = PINNED_FLINK_RELEASES.map((r) => r.line).join(', ');
    throw new Error(`unsupported Flink version "${versionOrTag}" (supported lines: ${known})`);
  }
  return release;
}
