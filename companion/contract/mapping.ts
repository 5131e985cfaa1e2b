// Connected item <-> project / issue types / JSM request types (IDs only). One document per
// tenant, replaced as a whole with the version that was read.
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

export const MappingsDocument = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  mappings: Type.Array(Mapping, { maxItems: 5000 }),
});
export type MappingsDocument = Static<typeof MappingsDocument>;

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
  { version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), mappings: Type.Array(MappingInput, { maxItems: 5000 }), ...callerContextProperty },
  { additionalProperties: false },
);
export type MappingsUpdate = Static<typeof MappingsUpdate>;
