// Two companion instances on one fresh PostgreSQL database, as two instances behind one load
// balancer run: the same encryption key and token issuer, a small pool each, and one loopback
// upstream that counts its calls and answers what the test says at the moment of the call.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../../helpers/databases.js';
import { ForgeTokenIssuer } from '../../helpers/forge-tokens.js';
import type { Clock } from '../../../companion/clock.js';
import { startCompanionOn, type CompanionOn, type CompanionOnOptions } from './companion-on.js';

export interface TwoInstances {
  one: CompanionOn;
  two: CompanionOn;
  upstreamUrl: string;
  /** Calls the upstream has answered so far. */
  upstreamCalls(): number;
  /** What both instances were started with (for a third one of the test's own). */
  shared: CompanionOnOptions;
  close(): Promise<void>;
}

export async function startTwoInstances(answer: () => unknown, options: { clock?: Clock } = {}): Promise<TwoInstances> {
  const database = await createTestDatabase('postgres');
  const issuer = await ForgeTokenIssuer.start();
  let calls = 0;
  const upstream = createServer((req, res) => {
    calls += 1;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer()));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const shared: CompanionOnOptions = {
    issuer,
    encryptionKey: randomBytes(32).toString('base64'),
    ...(options.clock ? { clock: options.clock } : {}),
    env: { COMPANION_EGRESS_ALLOW: '127.0.0.1', DATABASE_POOL_SIZE: '4' },
  };
  const one = await startCompanionOn(database.url, shared);
  const two = await startCompanionOn(database.url, shared);
  return {
    one,
    two,
    upstreamUrl: `http://127.0.0.1:${(upstream.address() as { port: number }).port}`,
    upstreamCalls: () => calls,
    shared,
    async close() {
      await one.close();
      await two.close();
      await new Promise((resolve) => upstream.close(resolve));
      await issuer.stop();
      await database.drop();
    },
  };
}
