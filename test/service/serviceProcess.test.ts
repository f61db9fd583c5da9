// The service in a process of its own (what Electron's main starts with utilityProcess.fork),
// here started with child_process.fork, talked to through serviceClient.
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceClient } from '../../src/service/serviceClient.js';
import type { ClientMessage, HostMessage } from '../../src/service/processProtocol.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

const entry = path.join(PROJECT_ROOT, 'dist', 'service', 'serviceProcess.js');
const built = existsSync(entry);
if (!built) console.warn(`[skip] ${entry} is missing: build first (npm run build)`);

describe.skipIf(!built)('the service process', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-proc-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers calls and errors over messages, and exits on dispose', async () => {
    const child = fork(entry, [], { serialization: 'advanced', env: { ...process.env, L2CAF_DATA_DIR: dataDir }, stdio: 'ignore' });
    const client = serviceClient({
      post: (m: ClientMessage) => child.send(m),
      onMessage: (l: (m: HostMessage) => void) => child.on('message', (m) => l(m as HostMessage)),
    });
    try {
      await client.ready;
      const info = (await client.call('app.info', {})) as { defaultModel: string; host: string };
      expect(info).toMatchObject({ defaultModel: 'darknet-tiny', host: 'test' });
      await expect(client.call('nope', {})).rejects.toMatchObject({ code: 'unknown-method' });
      await expect(client.call('media.open', { path: 3 })).rejects.toMatchObject({ code: 'bad-arguments', message: 'media.open.path must be a string, not number' });
      expect(await client.binary('missing.1')).toBeUndefined();
      expect(await client.mediaFile('media-0123456789abcdef')).toBeNull();
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await client.dispose();
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});
