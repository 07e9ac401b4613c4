import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEPRECATED_FLINK_VERSIONS,
  FLINK_VERSIONS,
  SUPPORTED_FLINK_VERSIONS,
  deprecatedFlinkVersionMessage,
  flinkVersionSupport,
  supportedFlinkVersionRange,
  unsupportedFlinkVersionMessage,
} from '../../../src/api/index.ts';

describe('Flink versions', () => {
  it('v1_15..v1_18 are supported but deprecated, v1_19 on current, v1_13/v1_14 refused', () => {
    const judged = Object.fromEntries(FLINK_VERSIONS.map((v) => [v, flinkVersionSupport(v)]));
    assert.deepEqual(judged, {
      v1_13: 'unsupported',
      v1_14: 'unsupported',
      v1_15: 'deprecated',
      v1_16: 'deprecated',
      v1_17: 'deprecated',
      v1_18: 'deprecated',
      v1_19: 'current',
      v1_20: 'current',
      v2_0: 'current',
      v2_1: 'current',
      v2_2: 'current',
      v2_3: 'current',
      v2_4: 'current',
    });
    assert.deepEqual(DEPRECATED_FLINK_VERSIONS, ['v1_15', 'v1_16', 'v1_17', 'v1_18']);
    assert.equal(SUPPORTED_FLINK_VERSIONS[0], 'v1_15');
  });

  it('anything that is not a supported value is unsupported', () => {
    for (const value of [undefined, null, '', 'v1_99', '1.18', 'V1_18', 18]) {
      assert.equal(flinkVersionSupport(value), 'unsupported', String(value));
    }
  });

  it('messages name the version and the supported range', () => {
    assert.equal(supportedFlinkVersionRange(), 'v1_15 to v2_4');
    assert.equal(
      unsupportedFlinkVersionMessage('v1_14'),
      'Flink version v1_14 is not supported by this operator version (supported: v1_15 to v2_4)',
    );
    assert.match(
      deprecatedFlinkVersionMessage('v1_18'),
      /^Flink version v1_18 is deprecated .* v1_19 or newer\.$/,
    );
  });
});
