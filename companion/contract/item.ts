// Connected items (contract v1, DESIGN.md "Item body"): like a field, plus attributes rendered by
// templates from the same row. Values chosen per issue are stored by the companion.
import { Type, type Static } from 'typebox';
import { callerContextProperty, RequestContext } from './common';
import { connectedConfigInput, connectedConfigView, Template, Version } from './connected-config';

export const ItemEditor = Type.Union([Type.Literal('select'), Type.Literal('multiselect'), Type.Literal('readonly')]);
export type ItemEditor = Static<typeof ItemEditor>;

export const ITEM_KEY_PATTERN = '^connected_item_[0-9]{1,9}$';
/** Attribute names become `$issue.connected_item_N.<name>`: identifiers, not the reserved id/value names. */
export const ATTRIBUTE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,49}$';
export const RESERVED_ATTRIBUTE_NAMES = ['id', 'value', 'ids', 'values'] as const;

const Attributes = Type.Record(Type.String({ pattern: ATTRIBUTE_NAME_PATTERN }), Template, { maxProperties: 50, additionalProperties: false });

export const ItemInput = Type.Object(
  { key: Type.String({ pattern: ITEM_KEY_PATTERN }), editor: ItemEditor, ...connectedConfigInput, attributes: Type.Optional(Attributes), ...callerContextProperty },
  { additionalProperties: false },
);
export type ItemInput = Static<typeof ItemInput>;

export const ItemUpdate = Type.Object({ ...ItemInput.properties, version: Version }, { additionalProperties: false });
export type ItemUpdate = Static<typeof ItemUpdate>;

export const Item = Type.Object({ ...connectedConfigView, editor: ItemEditor, attributes: Type.Record(Type.String(), Type.String()) });
export type Item = Static<typeof Item>;

export const ItemList = Type.Object({ items: Type.Array(Item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** A chosen value as stored: the option plus the item's attributes rendered from its row. */
export const ItemValue = Type.Object({
  id: Type.String(),
  value: Type.String(),
  attributes: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type ItemValue = Static<typeof ItemValue>;

export const IssueItems = Type.Object({
  items: Type.Array(Type.Object({ itemId: Type.String(), key: Type.String(), values: Type.Array(ItemValue) })),
});
export type IssueItems = Static<typeof IssueItems>;

export const IssueItemsUpdate = Type.Object(
  {
    /** The issue the options are computed for (its id is the route's :issueId). */
    context: Type.Optional(RequestContext),
    items: Type.Array(
      Type.Object(
        {
          itemId: Type.String({ minLength: 1, maxLength: 200 }),
          values: Type.Array(
            // `value` and `attributes` may be echoed back from a read; the stored ones come from the options.
            Type.Object(
              {
                id: Type.String({ maxLength: 1000 }),
                value: Type.Optional(Type.String({ maxLength: 10000 })),
                attributes: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 10000 }), { maxProperties: 50 })),
              },
              { additionalProperties: false },
            ),
            { maxItems: 1000 },
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);
export type IssueItemsUpdate = Static<typeof IssueItemsUpdate>;

export const IssueIdParams = Type.Object({ issueId: Type.String({ pattern: '^[0-9]{1,20}$' }) });

