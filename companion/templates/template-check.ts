// The template check (issue 11): every reference that cannot resolve (an unknown field or item, an
// unknown variable, a misspelt property) and every Elements Connect construct open-connect does not
// support is named with its line, as a warning the admin sees on save and in the tester, rather
// than a silent empty value. Warnings never refuse a save: a field may be connected after the query
// naming it. A template that does not parse is refused elsewhere (400 invalid_template).
import { templateReferences, type TemplateReference } from './template-walk.js';

export interface TemplateWarning {
  /** Which template: `query`, `idTemplate`, `displayTemplate`, `attributes.<name>`. */
  template: string;
  line: number;
  reference: string;
  message: string;
}

/** What the tenant has: its connected fields' keys and its items' attribute names by item key. */
export interface TemplateVocabulary {
  fields: ReadonlySet<string>;
  items: ReadonlyMap<string, readonly string[]>;
}

const VELOCITY_BUILTINS = new Set(['foreach', 'velocityCount', 'velocityHasNext']);
const FIELD_PARTS = ['id', 'value', 'ids', 'values'];
const ISSUE_SCALARS = new Set(['id', 'key', 'projectId', 'projectKey', 'issueTypeId']);
const ISSUE_PARTS: Record<string, string[]> = { project: ['id', 'key'], issueType: ['id'] };
const USER_PROPERTIES = new Set(['accountId', 'displayName', 'emailAddress', 'locale', 'timeZone']);
// Elements Connect (Data Center mostly) names these; the Forge context does not carry them.
const ELEMENTS_ISSUE = new Set(['reporter', 'assignee', 'requestType', 'summary', 'status', 'priority', 'description', 'creator', 'resolution', 'components', 'fixVersions', 'labels']);
const DC_USER = new Set(['name', 'username', 'key', 'userKey', 'emailaddress']);

type Warn = (ref: TemplateReference, message: string) => void;

function checkIssue(ref: TemplateReference, vocab: TemplateVocabulary, warn: Warn) {
  const [first, second, third] = ref.path;
  if (first === undefined) return;
  if (first === null) return warn(ref, `Jira issue methods of Elements Connect Data Center are not available: reference $issue.key, $issue.customfield_N or $issue.connected_item_N`);
  if (ISSUE_SCALARS.has(first)) {
    if (second !== undefined && second !== null) warn(ref, `$issue.${first} is text: it has no property ${second}`);
    return;
  }
  if (first in ISSUE_PARTS) {
    const parts = ISSUE_PARTS[first]!;
    if (second === 'name') warn(ref, `The ${first} name is not in the request's context: use $issue.${first}.${parts.join(' or .')}`);
    else if (typeof second === 'string' && !parts.includes(second)) warn(ref, `$issue.${first} has no property ${second} (it has ${parts.join(', ')})`);
    return;
  }
  if (/^customfield_\d+$/.test(first)) {
    if (!vocab.fields.has(first)) {
      warn(ref, `${first} is not a connected field of this installation: its value is read from Jira as Jira stores it, and is empty if no such field exists`);
    } else if (typeof second === 'string' && !FIELD_PARTS.includes(second)) {
      warn(ref, `A connected field's value has no property ${second} (it has ${FIELD_PARTS.join(', ')})`);
    }
    if (third !== undefined && third !== null && typeof second === 'string' && FIELD_PARTS.includes(second)) warn(ref, `$issue.${first}.${second} has no property ${third}`);
    return;
  }
  if (/^connected_item_\d+$/.test(first)) {
    const attributes = vocab.items.get(first);
    if (!attributes) return warn(ref, `There is no connected item ${first} in this installation: the reference renders empty (in SQL it binds NULL)`);
    if (typeof second === 'string' && !FIELD_PARTS.includes(second) && !attributes.includes(second)) {
      const known = [...FIELD_PARTS, ...attributes].join(', ');
      warn(ref, `Connected item ${first} has no attribute ${second} (it has ${known})`);
    }
    return;
  }
  if (ELEMENTS_ISSUE.has(first)) return warn(ref, `Elements Connect's $issue.${first} is not available in open-connect: the request's context does not carry it`);
  warn(ref, `$issue has no property ${first}: it renders empty (in SQL it binds NULL)`);
}

function checkCurrentUser(ref: TemplateReference, warn: Warn) {
  const [first] = ref.path;
  if (first === undefined || first === null || USER_PROPERTIES.has(first)) return;
  if (DC_USER.has(first)) return warn(ref, `$currentUser.${first} is a Jira Data Center user property; Jira Cloud users have accountId, displayName, emailAddress, locale and timeZone`);
  warn(ref, `$currentUser has no property ${first} (it has ${[...USER_PROPERTIES].join(', ')})`);
}

/** Warnings for a query template (what `$issue`, `$currentUser`, `$userInput` offer). */
export function checkQueryTemplate(template: string, vocab: TemplateVocabulary): TemplateWarning[] {
  return check('query', template, (ref, warn) => {
    if (ref.variable === 'issue') return checkIssue(ref, vocab, warn);
    if (ref.variable === 'currentUser') return checkCurrentUser(ref, warn);
    if (ref.variable === 'userInput') {
      if (typeof ref.path[0] === 'string') warn(ref, '$userInput is the typed text: it has no properties');
      return;
    }
    if (['row', 'data', 'resultSet'].includes(ref.variable)) return warn(ref, `$${ref.variable} exists in id and display templates only; a query sees $issue, $currentUser and $userInput`);
    warn(ref, `Unknown variable $${ref.variable}: it renders empty (in SQL it binds NULL); a query sees $issue, $currentUser and $userInput`);
  });
}

/** Warnings for an id, display or attribute template (what `$row`, and for read-only `$data`, offer). */
export function checkRowTemplate(name: string, template: string, readonly: boolean): TemplateWarning[] {
  const seen = readonly ? '$row, $data and $resultSet' : '$row';
  const warnings = check(name, template, (ref, warn) => {
    if (ref.variable === 'row') return;
    if (ref.variable === 'data' || ref.variable === 'resultSet') {
      if (!readonly) warn(ref, `$${ref.variable} is the whole answer of a read-only field (editor readonly); a select list renders each row as $row`);
      return;
    }
    if (['issue', 'currentUser', 'userInput'].includes(ref.variable)) return warn(ref, `$${ref.variable} is not seen by ${name}: it sees ${seen}; use it in the query`);
    warn(ref, `Unknown variable $${ref.variable}: it renders empty; ${name} sees ${seen}`);
  });
  // Elements Connect Data Center field templates mark columns as {0} or {name}; here they are text.
  template.split('\n').forEach((text, i) => {
    for (const m of text.matchAll(/(?<![$!#])\{([A-Za-z0-9_]+)\}/g)) {
      const column = /^\d+$/.test(m[1]!) ? '<column name>' : m[1]!;
      warnings.push({ template: name, line: i + 1, reference: m[0], message: `${m[0]} is an Elements Connect Data Center marker and prints as it is: write \${row.${column}}` });
    }
    // Elements Connect Cloud writes item templates in FreeMarker; here they are Velocity.
    for (const m of text.matchAll(/<\/?#[a-z]+[^>]*>/g)) {
      warnings.push({ template: name, line: i + 1, reference: m[0], message: `${m[0]} is a FreeMarker directive and prints as it is: open-connect templates are Velocity (#foreach, #if)` });
    }
  });
  return warnings.sort((a, b) => a.line - b.line);
}

function check(name: string, template: string, visit: (ref: TemplateReference, warn: Warn) => void): TemplateWarning[] {
  if (!template) return [];
  let refs: TemplateReference[];
  try {
    refs = templateReferences(template);
  } catch {
    return []; // refused on save as invalid_template; nothing to add here
  }
  const locals = new Set(refs.filter((r) => r.role !== 'use').map((r) => r.variable));
  const out: TemplateWarning[] = [];
  const warn: Warn = (ref, message) => out.push({ template: name, line: ref.line, reference: ref.text, message });
  for (const ref of refs) {
    if (ref.role !== 'use' || locals.has(ref.variable) || VELOCITY_BUILTINS.has(ref.variable)) continue;
    visit(ref, warn);
  }
  return out;
}

/** A hint for a template that does not parse: FreeMarker (Elements Connect Cloud items) is not Velocity. */
export function parseHint(template: string): string {
  return /<\/?#|\$\{[^}]*\?[a-z_]+/.test(template) ? ' (this looks like FreeMarker, which Elements Connect uses for item templates; open-connect templates are Velocity)' : '';
}
