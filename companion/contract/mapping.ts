// Connected item <-> project / issue types / JSM request types (IDs only). One document per
// tenant, replaced as a whole with the version that was read, or changed a page at a time (PATCH:
// mappings set or removed by item and project), so that no request has to carry the whole
// document: the admin page's calls stay under Forge's 500 KB per frontend invocation.
import { Type, type Static } from 'typebox';
import { callerContextProperty } from './common';

const JiraId = Type.String({ pattern: '^[0-9]{1,20}$' });

export const Mapping = Type.Object(
  {
    itemId: Type.String({ format: 'uuid' }),
    projectId: JiraId,
    issueTypeIds: Type.Array(JiraId, { maxItems: 500 }),
    requestTypeIds: Type.Array(JiraId, { maxItems: 500 }),
    hidden: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Mapping = Static<typeof Mapping>;

export const MAX_MAPPINGS = 5000;

export const MappingsDocument = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  mappings: Type.Array(Mapping, { maxItems: MAX_MAPPINGS }),
  /** Set when the GET asked for a page (`limit`) and more follow. */
  nextCursor: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type MappingsDocument = Static<typeof MappingsDocument>;

/** GET /v1/admin/mappings: the whole document, or the mappings of one item or project, in pages. */
export const MappingsQuery = Type.Object(
  {
    itemId: Type.Optional(Type.String({ format: 'uuid' })),
    projectId: Type.Optional(JiraId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })),
  },
  { additionalProperties: false },
);
export type MappingsQuery = Static<typeof MappingsQuery>;

/** What a PUT may send: the lists and the flag default to empty / false. */
export const MappingInput = Type.Object(
  {
    itemId: Type.String({ format: 'uuid' }),
    projectId: JiraId,
    issueTypeIds: Type.Optional(Type.Array(JiraId, { maxItems: 500, default: [] })),
    requestTypeIds: Type.Optional(Type.Array(JiraId, { maxItems: 500, default: [] })),
    hidden: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const MappingsUpdate = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), mappings: Type.Array(MappingInput, { maxItems: MAX_MAPPINGS }), ...callerContextProperty },
  { additionalProperties: false },
);
export type MappingsUpdate = Static<typeof MappingsUpdate>;

/** Which mapping: an item on a project (there is at most one per pair). */
export const MappingRef = Type.Object({ itemId: Type.String({ format: 'uuid' }), projectId: JiraId }, { additionalProperties: false });
export type MappingRef = Static<typeof MappingRef>;

/**
 * PATCH /v1/admin/mappings: one page of changes against the version read. `set` adds a mapping or
 * replaces the one of the same item and project (keeping its place); `remove` drops one. Each page
 * takes the next version, so pages chain: each is sent with the version the previous one answered.
 */
export const MappingsPatch = Type.Object(
  {
    version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    set: Type.Optional(Type.Array(MappingInput, { maxItems: MAX_MAPPINGS, default: [] })),
    remove: Type.Optional(Type.Array(MappingRef, { maxItems: MAX_MAPPINGS, default: [] })),
    ...callerContextProperty,
  },
  { additionalProperties: false },
);
export type MappingsPatch = Static<typeof MappingsPatch>;

export const MappingsPatchResult = Type.Object({
  version: Type.Integer(),
  /** How many mappings the page set and removed, and how many the document holds now. */
  set: Type.Integer(),
  removed: Type.Integer(),
  total: Type.Integer(),
});
export type MappingsPatchResult = Static<typeof MappingsPatchResult>;
