// From an upstream answer to options: pick the rows (JSONPath `resultPath`, jsonpath-plus with its
// safe evaluator, since the path is admin input), keep at most 1,000, and render each row's id and
// display value with the field's templates (`${row.name}`).
import { JSONPath } from 'jsonpath-plus';
import type { Option } from '../contract/common.js';
import { AppError } from '../errors.js';
import { printable, renderTemplate } from '../templates/render-template.js';
import { MAX_ROWS } from './upstream-errors.js';

export function selectRows(json: unknown, resultPath: string | null, limit: number): unknown[] {
  let rows: unknown[];
  if (resultPath && resultPath.trim() && resultPath.trim() !== '$') {
    try {
      rows = JSONPath({ path: resultPath.trim(), json: json as object, wrap: true, eval: 'safe' }) as unknown[];
    } catch (err) {
      throw new AppError(422, 'result_path_error', `The result path cannot be evaluated: ${(err as Error).message.slice(0, 200)}`);
    }
    // `$.values` (the array itself) reads the same as `$.values[*]` (its elements).
    if (rows.length === 1 && Array.isArray(rows[0])) rows = rows[0] as unknown[];
  } else {
    rows = Array.isArray(json) ? json : json === undefined || json === null ? [] : [json];
  }
  return rows.slice(0, Math.min(limit, MAX_ROWS));
}

const firstValue = (row: Record<string, unknown>) => Object.values(row)[0];

function defaultId(row: unknown): unknown {
  if (!row || typeof row !== 'object') return row;
  const r = row as Record<string, unknown>;
  return r.id ?? r.key ?? r.value ?? firstValue(r);
}

function defaultDisplay(row: unknown): unknown {
  if (!row || typeof row !== 'object') return row;
  const r = row as Record<string, unknown>;
  return r.name ?? r.value ?? r.title ?? r.label ?? r.key ?? r.id ?? firstValue(r);
}

// `${row.name}`, `$row.name`, `$!{row.name}`: one property of the row, nothing else. Most fields'
// templates look like this; rendered per row through Velocity they cost most of a miss's mapping.
const ONE_PROPERTY = /^\$!?(?:\{row\.([A-Za-z_][A-Za-z0-9_]*)\}|row\.([A-Za-z_][A-Za-z0-9_]*))$/;

/**
 * Renders a row template, directly when it names one property the row has with a string, number
 * or boolean value (what Velocity prints for it is that value as text); through Velocity otherwise
 * (missing values, objects, methods, anything else).
 */
function rowRenderer(template: string): (row: unknown) => string {
  const m = ONE_PROPERTY.exec(template);
  const key = m?.[1] ?? m?.[2];
  const render = (row: unknown) => renderTemplate(template, { row }).text;
  if (key === undefined) return render;
  return (row) => {
    if (row && typeof row === 'object' && !Array.isArray(row) && Object.hasOwn(row, key)) {
      const v = (row as Record<string, unknown>)[key];
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    }
    return render(row);
  };
}

export function mapOptions(rows: unknown[], idTemplate: string | null, displayTemplate: string | null): Option[] {
  const options: Option[] = [];
  const renderId = idTemplate ? rowRenderer(idTemplate) : (row: unknown) => printable(defaultId(row));
  const renderValue = displayTemplate ? rowRenderer(displayTemplate) : (row: unknown) => printable(defaultDisplay(row));
  for (const row of rows) options.push({ id: renderId(row).trim(), value: renderValue(row).trim() });
  return options;
}

const isEmptyAnswer = (data: unknown) => data === undefined || data === null || (Array.isArray(data) && data.length === 0);

/**
 * Read-only fields and items (Elements Connect renders "Text - Read only" once over the whole
 * result): `$data` is the answer (REST, Jira, static: the document; SQL: the rows), `$resultSet` the
 * selected rows and `$row` the first of them, so `${data.name}`, `#foreach($r in $resultSet)` and a
 * `${row.name}` written for a select list all work. One option, or none for an empty answer or an
 * empty text.
 */
export function mapWholeAnswer(data: unknown, rows: unknown[], idTemplate: string | null, displayTemplate: string | null): Option[] {
  if (isEmptyAnswer(data) && rows.length === 0) return [];
  const context = { data, resultSet: rows, row: rows[0] };
  const value = displayTemplate ? renderTemplate(displayTemplate, context).text : printable(defaultDisplay(rows[0] ?? data));
  // Nothing to show (e.g. `${row.name}` over an answer with no rows) is no value, not an empty one.
  if (!value.trim()) return [];
  const id = idTemplate ? renderTemplate(idTemplate, context).text : value;
  return [{ id: id.trim(), value: value.trim() }];
}
