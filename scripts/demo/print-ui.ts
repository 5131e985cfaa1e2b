// Prints a rendered UI Kit tree the way a user would read it: labels, selects with their options
// and current value, texts, tags and error messages.
import type { ReactTestRendererJSON } from 'react-test-renderer';

type Node = ReactTestRendererJSON | string;

export function printUi(tree: ReactTestRendererJSON | ReactTestRendererJSON[] | null, indent = '    '): string {
  const lines: string[] = [];
  const text = (node: Node | Node[] | null | undefined): string =>
    node === null || node === undefined ? '' : typeof node === 'string' ? node : Array.isArray(node) ? node.map(text).join('') : text(node.children as Node[] | null);
  const walk = (node: Node | Node[] | null) => {
    if (!node) return;
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node === 'string') return void lines.push(`${indent}${node}`);
    const p = node.props as Record<string, unknown>;
    switch (node.type) {
      case 'Label':
        return void lines.push(`${indent}[${text(node)}]`);
      case 'Select': {
        const options = (p.options as Array<{ label: string }>).map((o) => o.label).join(' | ') || '(no options)';
        const value = p.value === null || p.value === undefined ? '—' : ([] as Array<{ label: string }>).concat(p.value as never).map((v) => v.label).join(', ') || '—';
        return void lines.push(`${indent}<select${p.isInvalid ? ' INVALID' : ''}> value: ${value}   options: ${options}`);
      }
      case 'ErrorMessage':
        return void lines.push(`${indent}(!) ${text(node)}`);
      case 'Tag':
        return void lines.push(`${indent}#${String(p.text)}`);
      case 'Text':
        return void lines.push(`${indent}${text(node)}`);
      default:
        return walk((node.children ?? null) as Node[] | null);
    }
  };
  walk(tree as Node | Node[] | null);
  return lines.join('\n');
}
