import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HIDDEN, isSensitiveKey, redactDeep, redactText, redactUri } from '../../../src/runtime/redact.ts';
import { diffSpecs } from '../../../src/controllers/deployment/spec-diff.ts';
import { errorMessage, errorText } from '../../../src/controllers/common/status-error.ts';

describe('redaction', () => {
  test('sensitive keys as Flink recognises them', () => {
    for (const k of [
      'fs.s3a.secret.key',
      's3.secret-key',
      'ssl.keystore.password',
      'security.ssl.rest.key-password',
      'metrics.reporter.dd.apikey',
      'fs.azure.account.key.acct.blob.core.windows.net',
      'security.kerberos.login.jaas.config',
      'kubernetes.operator.user.artifacts.http.header',
      'GITHUB_TOKEN',
    ]) {
      assert.equal(isSensitiveKey(k), true, k);
    }
    for (const k of ['parallelism.default', 'taskmanager.numberOfTaskSlots', 'state.savepoints.dir']) {
      assert.equal(isSensitiveKey(k), false, k);
    }
  });

  test('URI user info and token-like query values are removed', () => {
    assert.equal(redactUri('https://u:p4ss@host/x.jar'), 'https://host/x.jar');
    assert.equal(
      redactUri('https://host/x.jar?X-Amz-Signature=abc&v=1'),
      `https://host/x.jar?X-Amz-Signature=${encodeURIComponent(HIDDEN)}&v=1`,
    );
    assert.equal(redactUri('https://host/x.jar'), 'https://host/x.jar');
    const text = redactText('cannot download https://ci:tok3n@repo/x.jar?token=zzz&n=2: HTTP 500');
    assert.equal(text, `cannot download https://repo/x.jar?token=${HIDDEN}&n=2: HTTP 500`);
    // Redacting twice changes nothing, and keeps the sentence around the URI.
    const once = redactText('cannot download https://repo/x.jar?token=zzz: HTTP 500');
    assert.equal(once, `cannot download https://repo/x.jar?token=${HIDDEN}: HTTP 500`);
    assert.equal(redactText(once), once);
  });

  test('nested values: sensitive keys and env-like name/value pairs', () => {
    assert.deepEqual(
      redactDeep({
        env: [
          { name: 'DB_PASSWORD', value: 'x' },
          { name: 'MODE', value: 'y' },
        ],
        secretRef: 'n',
      }),
      {
        env: [
          { name: 'DB_PASSWORD', value: HIDDEN },
          { name: 'MODE', value: 'y' },
        ],
        secretRef: HIDDEN,
      },
    );
  });

  test('the SpecChanged changes of a deployment never show secret values', () => {
    const spec = (password: string, jar: string) => ({
      flinkVersion: 'v1_20' as const,
      flinkConfiguration: { 'ssl.keystore.password': password, 'taskmanager.numberOfTaskSlots': '2' },
      job: { jarURI: jar, parallelism: 1 },
      podTemplate: { spec: { containers: [{ name: 'c', env: [{ name: 'API_TOKEN', value: password }] }] } },
    });
    const diff = diffSpecs(
      spec('old-secret', 'https://u:old-secret@h/a.jar'),
      spec('new-secret', 'https://u:new-secret@h/b.jar'),
    );
    const text = diff.changes.join('\n');
    assert.doesNotMatch(text, /old-secret|new-secret/);
    assert.match(text, /flinkConfiguration\.ssl\.keystore\.password: "\*{6}" -> "\*{6}"/);
    assert.match(text, /job\.jarURI: "https:\/\/h\/a\.jar" -> "https:\/\/h\/b\.jar"/);
  });

  test('status errors drop URI credentials', () => {
    const error = errorText('T', 'cannot download https://user:pw@h/x.jar: HTTP 404');
    assert.equal(errorMessage(error), 'cannot download https://h/x.jar: HTTP 404');
  });
});
