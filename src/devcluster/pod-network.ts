/**
 * Each local control plane gives its pods addresses in a /16 of the loopback range. Several test
 * runs on one machine (CI beside a developer's run, parallel checkouts) must not hand out the same
 * pod address, or their JobManagers collide on ports 6123/8081. A run claims its /16 with a lock
 * file holding its pid; a lock whose process is gone is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The /16 the embedded cluster uses; test runs claim others. */
export const DEFAULT_POD_ADDRESS_PREFIX = '127.10';
const FIRST_CLAIMABLE = 11;
const LAST_CLAIMABLE = 78; // 127.79/16 is the bench's simulated node.

export interface PodNetworkClaim {
  prefix: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function claimPodAddressPrefix(
  lockDir = path.join(os.tmpdir(), 'flink-operator-pod-networks'),
): PodNetworkClaim {
  fs.mkdirSync(lockDir, { recursive: true });
  const span = LAST_CLAIMABLE - FIRST_CLAIMABLE + 1;
  const start = process.pid % span;
  for (let i = 0; i < span; i++) {
    const octet = FIRST_CLAIMABLE + ((start + i) % span);
    const prefix = `127.${octet}`;
    const lock = path.join(lockDir, prefix);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
        return {
          prefix,
          release: () => {
            try {
              if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.rmSync(lock, { force: true });
            } catch {
              // Already gone: nothing to release.
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(fs.readFileSync(lock, 'utf8'));
        if (Number.isInteger(owner) && owner > 0 && alive(owner)) break;
        fs.rmSync(lock, { force: true });
      }
    }
  }
  throw new Error(
    `no free pod address range in 127.${FIRST_CLAIMABLE}-${LAST_CLAIMABLE}/16 (locks in ${lockDir})`,
  );
}
