import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlinkMemorySize, parseMemory, parseQuantity } from '../../../src/api/validation/quantity.ts';

test('Kubernetes quantities parse to base units', () => {
  const value = (q: string | number) => {
    const parsed = parseQuantity(q);
    return parsed.ok ? parsed.value : parsed.error;
  };
  assert.equal(value('2Gi'), 2 * 1024 ** 3);
  assert.equal(value('500m'), 0.5);
  assert.equal(value('1.5'), 1.5);
  assert.equal(value('2048M'), 2.048e9);
  assert.equal(value('1e3'), 1000);
  assert.equal(value(4), 4);
  assert.equal(value('12Q'), "'12Q' is not a valid quantity");
});

test('memory values read Flink sizes first, then quantities in any case', () => {
  assert.equal(parseFlinkMemorySize('2048m'), 2048 * 1024 ** 2);
  assert.equal(parseFlinkMemorySize('1 gb'), 1024 ** 3);
  assert.equal(parseFlinkMemorySize('2Gi'), undefined);
  const bytes = (m: string) => {
    const parsed = parseMemory(m);
    return parsed.ok ? parsed.value : parsed.error;
  };
  assert.equal(bytes('2048m'), 2048 * 1024 ** 2, 'Flink reads m as mebibytes');
  assert.equal(bytes('2Gi'), 2 * 1024 ** 3);
  assert.equal(bytes('2GB'), 2 * 1024 ** 3, 'a Flink size: gb is gibibytes');
  assert.equal(bytes('lots'), "'lots' is not a memory size");
});
