// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'companion/generated/', '.data/', 'dist/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read once, in companion/config.ts (STYLE.md rule 4).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through companion/config.ts' }],
    },
  },
  {
    files: ['companion/config.ts', 'prisma.config.ts', 'tests/**', 'bench/**', 'scripts/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // CommonJS launchers (scripts/forge/forge-build.cjs: Atlassian's bundler needs a CommonJS main module).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
