// Evaluates the small part of the Jira expressions language our manifest's expressions use, so a
// test can run the REAL expression string from manifest.yml on every value shape. Jira expressions
// have JavaScript-like syntax (Atlassian's "Jira expressions" and its grammar page): TypeScript's
// parser reads them; this walks the tree with Jira's rules for what we use. A map's missing key
// reads as null; reading a member of null is an error (as in Jira, where the expression fails);
// anything outside the subset throws, so an expression using it cannot pass by accident.
import ts from 'typescript';

export type JiraValue = null | string | number | boolean | JiraValue[] | { [key: string]: JiraValue };

export class JiraExpressionError extends Error {
  override name = 'JiraExpressionError';
}

const isMap = (v: JiraValue): v is { [key: string]: JiraValue } => typeof v === 'object' && v !== null && !Array.isArray(v);

function member(target: JiraValue, name: string): JiraValue {
  if (target === null) throw new JiraExpressionError(`Cannot read "${name}" of null`);
  if (Array.isArray(target) && name === 'length') return target.length;
  if (isMap(target)) return Object.prototype.hasOwnProperty.call(target, name) ? target[name]! : null;
  throw new JiraExpressionError(`"${name}" is not a property of ${typeof target}`);
}

function call(target: JiraValue, method: string, args: JiraValue[]): JiraValue {
  if (Array.isArray(target) && method === 'join') {
    if (typeof args[0] !== 'string') throw new JiraExpressionError('join takes a string separator');
    return target.map((item) => (item === null ? 'null' : String(item))).join(args[0]);
  }
  throw new JiraExpressionError(`${method}() is not supported on this value`);
}

function evaluate(node: ts.Node, scope: Record<string, JiraValue>): JiraValue {
  if (ts.isParenthesizedExpression(node)) return evaluate(node.expression, scope);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isIdentifier(node)) {
    if (!(node.text in scope)) throw new JiraExpressionError(`Unknown variable ${node.text}`);
    return scope[node.text]!;
  }
  if (ts.isPropertyAccessExpression(node)) return member(evaluate(node.expression, scope), node.name.text);
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    return call(evaluate(node.expression.expression, scope), node.expression.name.text, node.arguments.map((a) => evaluate(a, scope)));
  }
  if (ts.isConditionalExpression(node)) {
    const condition = evaluate(node.condition, scope);
    if (typeof condition !== 'boolean') throw new JiraExpressionError('A condition must be a boolean');
    return evaluate(condition ? node.whenTrue : node.whenFalse, scope);
  }
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
    const operand = evaluate(node.operand, scope);
    if (typeof operand !== 'boolean') throw new JiraExpressionError('! takes a boolean');
    return !operand;
  }
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    const left = evaluate(node.left, scope);
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
      if (typeof left !== 'boolean') throw new JiraExpressionError('&& and || take booleans');
      if (op === ts.SyntaxKind.AmpersandAmpersandToken ? !left : left) return left;
      const right = evaluate(node.right, scope);
      if (typeof right !== 'boolean') throw new JiraExpressionError('&& and || take booleans');
      return right;
    }
    const right = evaluate(node.right, scope);
    if (op === ts.SyntaxKind.EqualsEqualsToken) return JSON.stringify(left) === JSON.stringify(right);
    if (op === ts.SyntaxKind.ExclamationEqualsToken) return JSON.stringify(left) !== JSON.stringify(right);
    if (op === ts.SyntaxKind.PlusToken && (typeof left === 'string' || typeof right === 'string')) return `${left}${right}`;
  }
  throw new JiraExpressionError(`Not part of the supported subset: ${ts.SyntaxKind[node.kind]}`);
}

/** Evaluates `expression` with the given context variables (e.g. `{ value }` for a formatter). */
export function evaluateJiraExpression(expression: string, scope: Record<string, JiraValue>): JiraValue {
  const file = ts.createSourceFile('expression.ts', `(${expression})`, ts.ScriptTarget.ES2022, true);
  const syntaxErrors = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  if (syntaxErrors.length > 0) throw new JiraExpressionError(`Syntax error: ${ts.flattenDiagnosticMessageText(syntaxErrors[0]!.messageText, ' ')}`);
  const [statement] = file.statements;
  if (file.statements.length !== 1 || !statement || !ts.isExpressionStatement(statement)) throw new JiraExpressionError('Not a single expression');
  return evaluate(statement.expression, scope);
}
