// Velocity rendering (velocityjs) with one twist: every reference that is OUTPUT goes through an
// encoder chosen by where the text is going. In SQL the value becomes a bound parameter and only a
// placeholder reaches the text; in URLs it is percent-encoded; in JSON bodies it is string-escaped.
// Directives (#if, #foreach, #set) evaluate values normally; only what is printed is encoded.
import { Compile, parse } from 'velocityjs';
import { AppError } from '../errors.js';

export type TemplateMode = 'text' | 'url' | 'json' | 'sql-pg' | 'sql-mysql';

export interface RenderedTemplate {
  text: string;
  params: unknown[];
}

type Asts = ReturnType<typeof parse>;
type Ast = Asts[number];

// Parsed templates are reused: the same few queries and row templates are rendered for every
// request and every row. Bounded so that many distinct templates cannot grow it without end.
const parsed = new Map<string, Asts>();
const MAX_PARSED = 2_000;

export function parseTemplate(template: string): Asts {
  let asts = parsed.get(template);
  if (!asts) {
    asts = parse(template);
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
    parsed.set(template, asts);
  }
  return asts;
}

/** A printed value as text: objects that describe themselves (field values) use their toString. */
export function printable(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(printable).join(', ');
  if (typeof value === 'object') {
    const own = (value as { toString: () => string }).toString;
    return own === Object.prototype.toString ? JSON.stringify(value) : own.call(value);
  }
  return String(value);
}

/** The value bound as a SQL parameter: scalars as they are, field values as their text. */
function bindable(value: unknown, mode: TemplateMode): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && mode === 'sql-pg') return value.map((v) => bindable(v, mode));
  return printable(value);
}

class EncodingCompile extends Compile {
  constructor(
    asts: Asts,
    private readonly mode: TemplateMode,
    readonly params: unknown[],
  ) {
    super(asts, { escape: false });
  }

  override renderAstList(asts?: Asts, contextId?: string): string {
    // Let the base class do its bookkeeping of the foreach/macro scope for this list first.
    super.renderAstList([], contextId);
    let out = '';
    for (const ast of asts ?? this.asts) {
      if (this.runState.stop) break;
      if (typeof ast === 'object' && ast.type === 'references') out += this.emit(ast);
      else out += super.renderAstList([ast], contextId);
    }
    return out;
  }

  // Inside a double-quoted string ("abc $userInput") a reference becomes part of a VALUE, which
  // is bound or encoded as a whole when printed: it is interpolated as plain text there.
  private plain = 0;

  protected override evalStr(str: string): string {
    this.plain++;
    try {
      return super.evalStr(str);
    } finally {
      this.plain--;
    }
  }

  // #eval renders a value as template TEXT: in a query that would splice user input into SQL or a
  // URL, so it exists only for display templates.
  protected override eval(str: string, local?: object): string {
    if (this.mode !== 'text') throw new Error('#eval is not allowed in queries');
    return super.eval(str, local);
  }

  private emit(ast: Ast): string {
    const ref = ast as { id?: string; prue?: boolean };
    const value: unknown = this.getReferences(ast, false);
    if (this.plain > 0) return printable(value);
    // A #define block is template text of the admin's, already rendered (and encoded) by us.
    if (ref.prue && ref.id !== undefined && Array.isArray(this.defines[ref.id])) return printable(value);
    switch (this.mode) {
      case 'sql-pg':
      case 'sql-mysql':
        // A marker now; placeholders are numbered once the whole text is known (see bindSql).
        this.params.push(bindable(value, this.mode));
        return `${MARK}${this.params.length - 1}${MARK}`;
      case 'url': {
        // `.` and `..` survive encodeURIComponent and would climb the path: encode them too.
        const encoded = encodeURIComponent(printable(value));
        return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
      }
      case 'json':
        return JSON.stringify(printable(value)).slice(1, -1);
      default:
        return printable(value);
    }
  }
}

export function renderTemplate(template: string, context: Record<string, unknown>, mode: TemplateMode = 'text'): RenderedTemplate {
  let asts: Asts;
  try {
    asts = parseTemplate(template);
  } catch (err) {
    throw new AppError(422, 'template_error', `The template cannot be parsed: ${firstLine(err)}`);
  }
  // Plain text (no reference, no directive: a query such as `/customers`) renders as itself.
  if (asts.every((ast) => typeof ast === 'string')) {
    const text = asts.join('');
    return mode === 'sql-pg' || mode === 'sql-mysql' ? bindSql(text, [], mode) : { text, params: [] };
  }
  const compiler = new EncodingCompile(asts, mode, []);
  try {
    const text = compiler.render(context);
    return mode === 'sql-pg' || mode === 'sql-mysql' ? bindSql(text, compiler.params, mode) : { text, params: compiler.params };
  } catch (err) {
    throw new AppError(422, 'template_error', `The template failed to render: ${firstLine(err)}`);
  }
}

const MARK = '\u0000';
// A NUL cannot occur in a template's own text in any useful way, so it delimits markers safely.
// eslint-disable-next-line no-control-regex
const MARKER = /\u0000(\d+)\u0000/g;

/**
 * Turns markers into driver placeholders ($1… for pg, ? for mysql2) with the params in text order.
 * Admins write `'$userInput'` and `'%$userInput%'` out of habit; a marker inside a quoted literal
 * would be a literal, so such a literal becomes a concatenation of its text parts and parameters:
 * `'%' || $1 || '%'` (pg) or `CONCAT('%', ?, '%')` (MySQL). Values never enter the text.
 */
function bindSql(text: string, values: unknown[], mode: 'sql-pg' | 'sql-mysql'): RenderedTemplate {
  const params: unknown[] = [];
  const placeholder = (index: string) => {
    params.push(values[Number(index)]);
    return mode === 'sql-pg' ? `$${params.length}` : '?';
  };
  let out = '';
  let i = 0;
  // MySQL also quotes strings with "…" and escapes with a backslash; in PostgreSQL "…" is an identifier.
  const quotes = mode === 'sql-mysql' ? /['"]/g : /'/g;
  while (i < text.length) {
    quotes.lastIndex = i;
    const found = quotes.exec(text);
    if (!found) {
      out += text.slice(i).replace(MARKER, (_m, n: string) => placeholder(n));
      break;
    }
    const quote = found.index;
    const q = found[0];
    out += text.slice(i, quote).replace(MARKER, (_m, n: string) => placeholder(n));
    let end = quote + 1;
    // A doubled quote (or, in MySQL, a backslash escape) inside a literal is not its end.
    while (end < text.length) {
      if (mode === 'sql-mysql' && text[end] === '\\') end += 2;
      else if (text[end] === q && text[end + 1] === q) end += 2;
      else if (text[end] === q) break;
      else end += 1;
    }
    const literal = text.slice(quote, end + 1);
    out += literal.includes(MARK) ? concatenation(literal.slice(1, -1), q, placeholder, mode) : literal;
    i = end + 1;
  }
  return { text: out, params };
}

function concatenation(body: string, q: string, placeholder: (index: string) => string, mode: 'sql-pg' | 'sql-mysql'): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of body.matchAll(MARKER)) {
    if (m.index > last) parts.push(`${q}${body.slice(last, m.index)}${q}`);
    parts.push(placeholder(m[1]!));
    last = m.index + m[0].length;
  }
  if (last < body.length) parts.push(`${q}${body.slice(last)}${q}`);
  if (parts.length === 1) return parts[0]!;
  // pg cannot infer a type for a parameter between `||` operands: it is text, as it was quoted.
  return mode === 'sql-pg' ? `(${parts.map((p) => (p.startsWith('$') ? `${p}::text` : p)).join(' || ')})` : `CONCAT(${parts.join(', ')})`;
}

export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').slice(0, 300);
}
