// Admin page → companion, support: the support export (configuration without values or secrets),
// the live egress report (what is stored where) and the audit trail.
//
// The export can be larger than the 5 MB a frontend call may receive, so the page downloads it as a
// file made of parts: `support/exportFile` answers one part of the document's text (at most 1 M
// characters, under 3 MB as JSON) with the number of parts and a SHA-256 of the whole text. Every
// part is cut from the document as read for that call, with the first part's `exportedAt`, so the
// page can tell when the configuration changed between parts (the hashes differ) and start again.
import type { Resolver } from './resolver-class';
import type { CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery, refuse } from './resolver-envelope';

export const EXPORT_PART_CHARS = 1_000_000;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function defineSupportResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  resolver.define(
    'support/exportFile',
    admin(async (q, companion) => {
      const part = q.part === undefined ? 0 : q.part;
      if (typeof part !== 'number' || !Number.isSafeInteger(part) || part < 0) throw refuse.badRequest('part must be a whole number');
      if (q.exportedAt !== undefined && (typeof q.exportedAt !== 'string' || !ISO_TIME.test(q.exportedAt))) throw refuse.badRequest('exportedAt must be the time the first part gave');
      const doc = await companion.request<{ exportedAt: string } & Record<string, unknown>>('GET', '/v1/admin/export');
      const exportedAt = (q.exportedAt as string | undefined) ?? doc.exportedAt;
      const text = JSON.stringify({ ...doc, exportedAt }, null, 2);
      const parts = Math.max(1, Math.ceil(text.length / EXPORT_PART_CHARS));
      if (part >= parts) throw refuse.badRequest(`The export has ${parts} parts`);
      return {
        fileName: `open-connect-export-${exportedAt.slice(0, 10)}.json`,
        exportedAt,
        part,
        parts,
        bytes: new TextEncoder().encode(text).length,
        sha256: await sha256(text),
        text: text.slice(part * EXPORT_PART_CHARS, (part + 1) * EXPORT_PART_CHARS),
      };
    }),
  );
  resolver.define('support/egress', admin((_q, companion) => companion.request('GET', '/v1/admin/egress')));
  resolver.define(
    'support/audit',
    admin((q, companion) => companion.request('GET', `/v1/admin/audit${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`)),
  );
}
